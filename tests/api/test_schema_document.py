"""What /api/schema/ promises integrators, checked on the document itself (schemathesis then
holds the API to it: tests/api/test_schemathesis.py)."""

import pytest

WRITES = {"post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document():
    from django.test import Client

    return Client().get("/api/schema/?format=json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_the_errors_it_can_answer(document):
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, method, operation in operations(document):
        responses = operation["responses"]
        expected = {"401", "429"}
        if method in WRITES:
            expected |= {"400", "403"}
        if "{id}" in path:
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            schema = responses[code]["content"]["application/json"]["schema"]
            assert schema == error_ref, (method, path, code)
    assert set(document["components"]["schemas"]["Error"]["required"]) == {"error", "message"}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("delete", "/api/v1/api-keys/{id}/", "200"),
        ("post", "/api/v1/conversations/{id}/reply/", "201"),
        ("post", "/api/v1/orders/{id}/refund/", "202"),
        ("post", "/api/v1/webhooks/{id}/test/", "202"),
        ("delete", "/api/v1/products/{id}/", "204"),
    ],
)
def test_success_statuses_are_the_ones_served(document, method, path, status):
    successes = [code for code in document["paths"][path][method]["responses"] if code < "300"]
    assert successes == [status]


@pytest.mark.parametrize(
    ("action", "conflicts"),
    [("fulfil", True), ("cancel", True), ("refund", True), ("hand-off", False)],
)
def test_conflicts_are_documented_where_a_state_can_forbid_the_move(document, action, conflicts):
    path = next(p for p in document["paths"] if p.endswith(f"/{action}/"))
    assert ("409" in document["paths"][path]["post"]["responses"]) is conflicts


def test_fields_stored_blank_may_be_empty_strings(document):
    schemas = document["components"]["schemas"]
    for schema, field, fmt in [("Order", "tracking_url", "uri"), ("Customer", "email", "email")]:
        declared = schemas[schema]["properties"][field]
        assert {"type": "string", "maxLength": 0} in declared["oneOf"]
        assert any(option.get("format") == fmt for option in declared["oneOf"])


def test_list_filters_are_offered_on_lists_only(document):
    product = document["paths"]["/api/v1/products/{id}/"]
    for method in ("get", "patch", "put", "delete"):
        names = {p["name"] for p in product[method].get("parameters", [])}
        assert names == {"id"}, (method, names)
    listing = {p["name"] for p in document["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"q", "category", "cursor", "ordering"} <= listing


def test_a_position_is_bounded_on_input_not_on_output(document):
    schemas = document["components"]["schemas"]
    assert schemas["CategoryRequest"]["properties"]["position"]["maximum"] == 1_000_000
    assert schemas["Category"]["properties"]["position"]["maximum"] == 2**31 - 1
