"""Fuzzing the public web chat endpoint (no signature: anyone can post): whatever the body, the
answer is a clear 4xx or 202, never a server error, and what was accepted is processed and
answered."""

import json

import pytest
from django.test import Client
from hypothesis import given

from tests.fuzz import strategies as fuzz
from tests.fuzz.checks import (
    assert_answered_without_error,
    assert_every_event_processed,
    fresh_start,
    fuzz_settings,
)

# Real commits: intake enqueues processing on commit, and it runs in process.
pytestmark = pytest.mark.django_db(transaction=True)


def as_bytes(body) -> bytes:
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@fuzz_settings
@given(body=fuzz.st.one_of(fuzz.webchat_bodies, fuzz.raw_bodies))
def test_webchat_messages(shop, body):
    fresh_start()
    visitor = Client()  # a new visitor each time: the per-visitor rate limit stays out of the way
    assert visitor.get(f"/chat/{shop.slug}/").status_code == 200

    response = visitor.post(
        f"/chat/{shop.slug}/messages", as_bytes(body), content_type="application/json"
    )

    assert_answered_without_error(response)
    assert response.status_code in (202, 400, 413), response.content[:300]
    if response.status_code == 400:
        assert response.json()["error"] == "validation_error"
        assert response.json()["fields"], "a 400 names the field at fault"
    assert_every_event_processed()
