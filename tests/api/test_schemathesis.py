"""The OpenAPI document at /api/schema/ against what the API serves: schemathesis generates
requests for every operation from the schema (valid ones and invalid ones), sends them to the
WSGI app in-process as a real API key of a seeded shop, and fails on any 5xx, any status code
the schema does not list for that operation, and any body, header or content type that does not
match it.

CI runs a few examples per operation; by hand, many more (docs/api.md, "Checking the schema"):

    SCHEMATHESIS_EXAMPLES=300 .venv/bin/pytest tests/api/test_schemathesis.py -q
"""

import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.seed import seeded_shop

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Platforms are reached at a closed local port: connecting a channel fails fast, as a refusal.
CLOSED_PORT = "http://127.0.0.1:9"

app = get_wsgi_application()
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)


@pytest.fixture
def seeded(db, settings):
    settings.TELEGRAM_API_URL = CLOSED_PORT
    settings.META_GRAPH_URL = CLOSED_PORT
    settings.TWILIO_API_URL = CLOSED_PORT
    # A request's end would close the test's connection, and with it the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield seeded_shop()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def collection_of(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


@schema.parametrize()
@schema.given(data=st.data())
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=os.environ.get("SCHEMATHESIS_RANDOM") != "1",
)
def test_api_answers_as_its_schema_says(case, data, seeded):
    existing = seeded.ids.get(collection_of(case.path), [])
    if (
        case.path_parameters
        and isinstance(case.path_parameters.get("id"), int)
        and existing
        and data.draw(st.booleans(), label="use an existing id")
    ):
        # Random ids are almost never found; half the cases act on the seeded objects.
        case.path_parameters["id"] = data.draw(st.sampled_from(existing), label="id")
    case.call_and_validate(
        headers={"Authorization": f"Bearer {seeded.raw_key}"},
        checks=CHECKS,
    )
