"""What an attacker or a broken client sends the REST API: each answered with a 4xx JSON error
naming the problem, never a 500 or an HTML page, and nothing of a refused request written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.models import Product, ProductImage
from catalog.services import product_create
from tests.conftest import PRODUCT_BODY, client_for, image_bytes
from tests.orders.conftest import buy, hot, pay  # noqa: F401  (hot: a fixture)

pytestmark = pytest.mark.django_db

JSON = "application/json"


def post_raw(api, path: str, raw: bytes):
    return api.generic("POST", path, raw, content_type=JSON)


def assert_error(response, status: int, error: str, fragment: str = ""):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(JSON)
    body = response.json()
    assert body["error"] == error, body
    assert fragment.lower() in body["message"].lower(), body
    return body


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"[" * 8000 + b"]" * 8000, "nested more than"),
        (b'{"title": "x", "variants": [], "tags": [' * 40 + b"]}" * 40, "nested more than"),
        (b'{"title": NaN, "variants": []}', "NaN is not a JSON number"),
        (b'{"title": "x", "variants": [{"price": Infinity}]}', "Infinity is not a JSON number"),
        (b'{"title": "\xff\xfe", "variants": []}', "not valid UTF-8"),
        (b'{"title": "\\ud800", "variants": []}', "lone surrogate"),
        (b'{"title": "a\\u0000b", "variants": []}', "NUL"),
        (b'{"title": "x"', "not valid JSON"),
    ],
)
def test_bodies_json_cannot_carry_are_400_and_write_nothing(api, raw, fragment):
    response = post_raw(api, "/api/v1/products/", raw)
    assert_error(response, 400, "parse_error", fragment)
    assert Product.objects.count() == 0


def test_a_body_over_the_limit_is_still_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post_raw(api, "/api/v1/products/", b'{"title": "' + b"x" * 2000 + b'"}')
    assert_error(response, 413, "payload_too_large")


def test_a_form_field_with_a_nul_is_400_and_no_image_is_stored(api, shop):
    product = product_create(shop=shop, title="Sac", variants=[])
    upload = SimpleUploadedFile("front.jpg", image_bytes(), content_type="image/jpeg")
    response = api.post(
        "/api/v1/images/",
        {"product": product.pk, "image": upload, "alt": "vue\x00de face"},
        format="multipart",
    )
    assert_error(response, 400, "parse_error", "alt contains a NUL")
    assert ProductImage.objects.count() == 0


# --- Writes answer what they wrote, whatever the query string says ---------------------------


def test_create_with_a_search_in_the_query_string_answers_the_new_product(api):
    response = api.post("/api/v1/products/?q=nothing-matches-this", PRODUCT_BODY, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["title"] == PRODUCT_BODY["title"]
    assert Product.objects.get().title == PRODUCT_BODY["title"]


def test_update_with_a_search_that_no_longer_matches_answers_the_change(api):
    created = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()
    response = api.patch(
        f"/api/v1/products/{created['id']}/?q=robe&active=true&category=99",
        {"title": "Chemise"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Chemise"
    assert Product.objects.get().title == "Chemise"


def test_an_order_action_ignores_list_filters(api, shop, hot):  # noqa: F811
    order = buy(shop, hot["tracked"])
    pay(order)
    response = api.post(
        f"/api/v1/orders/{order.pk}/fulfil/?status=cancelled&payment_status=refunded",
        {"tracking_number": "6A1"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["fulfillment_status"] == "fulfilled"


# --- Paths and methods ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT", "PATCH"])
def test_a_malformed_id_is_a_json_404_even_with_csrf_checks(shop, method):
    browser_like = Client(enforce_csrf_checks=True)
    key = client_for(shop).raw_key
    response = browser_like.generic(
        method,
        "/api/v1/products/abc/",
        b"{}",
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert_error(response, 404, "not_found", "/api/v1/products/abc/")


def test_a_method_an_endpoint_does_not_have_is_a_json_405(api, shop, hot):  # noqa: F811
    order = buy(shop, hot["tracked"])
    response = api.put(f"/api/v1/orders/{order.pk}/", {}, format="json")
    assert_error(response, 405, "method_not_allowed", "PUT")


# --- Query strings -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"category": "abc"}, "category"),
        ({"category": "-5.049123841957103e+66"}, "category"),
        ({"category": str(2**70)}, "category"),
        ({"q": "robe\x00"}, "q"),
        ({"tag": "lin\x00"}, "tag"),
    ],
)
def test_bad_filter_values_are_400_naming_the_parameter(api, query, field):
    body = assert_error(api.get("/api/v1/products/", query), 400, "validation_error")
    assert field in body["fields"]


def test_filters_on_ids_answer_alike_for_another_shops_object_and_a_missing_one(api, other_shop):
    foreign = product_create(shop=other_shop, title="Secret", variants=[])
    by_foreign = api.get("/api/v1/variants/", {"product": foreign.pk})
    by_missing = api.get("/api/v1/variants/", {"product": foreign.pk + 1000})
    assert by_foreign.status_code == by_missing.status_code == 200
    assert by_foreign.json()["results"] == by_missing.json()["results"] == []


def test_a_garbled_cursor_is_a_json_404(api):
    assert_error(api.get("/api/v1/products/", {"cursor": "garbage"}), 404, "not_found", "cursor")


def test_a_huge_page_size_is_capped_and_an_unknown_ordering_ignored(api, shop):
    for n in range(3):
        product_create(shop=shop, title=f"P{n}", variants=[])
    response = api.get("/api/v1/products/", {"page_size": 10**12, "ordering": "secret_field"})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3


def test_a_nested_list_ignores_an_ordering_meant_for_its_parent(api, shop, hot):  # noqa: F811
    order = buy(shop, hot["tracked"])
    response = api.get(
        f"/api/v1/customers/{order.customer_id}/orders/", {"ordering": "last_seen_at"}
    )
    assert response.status_code == 200, response.content
    assert [o["id"] for o in response.json()["results"]] == [order.pk]


@pytest.mark.parametrize(
    "instant", ["0467-01-12T19:41:57+22:18", "0001-01-01T00:00:00+01:00", "yesterday"]
)
def test_instants_postgresql_cannot_take_are_400_or_moved_to_utc(api, instant):
    response = api.get("/api/v1/orders/", {"created_before": instant})
    if instant.startswith("0467"):  # a valid ISO 8601 instant: in UTC, simply long ago
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
    else:
        body = assert_error(response, 400, "validation_error")
        assert "created_before" in body["fields"]


@pytest.mark.parametrize("position", [2**52, 2**31 - 1])
def test_positions_past_any_real_list_are_400(api, position):
    response = api.post(
        "/api/v1/categories/", {"name": "Sacs", "position": position}, format="json"
    )
    body = assert_error(response, 400, "validation_error", "position")
    assert "less than or equal to 1000000" in body["fields"]["position"][0]


def test_the_last_position_still_leaves_room_for_one_more(api):
    last = api.post("/api/v1/categories/", {"name": "A", "position": 1_000_000}, format="json")
    assert last.status_code == 201, last.content
    after = api.post("/api/v1/categories/", {"name": "B"}, format="json")
    assert after.status_code == 201, after.content
    assert after.json()["position"] == 1_000_001


def test_stock_added_beyond_what_a_variant_holds_is_a_conflict_on_postgresql(
    api, shop, require_postgres
):
    product = product_create(
        shop=shop, title="Sac", variants=[{"sku": "S", "name": "S", "price": 1, "stock": 5}]
    )
    variant = product.variants.get()
    path = f"/api/v1/variants/{variant.pk}/stock/"
    assert api.post(path, {"delta": 10**9}, format="json").status_code == 200
    assert api.post(path, {"delta": 10**9}, format="json").status_code == 200
    response = api.post(path, {"delta": 10**9}, format="json")
    assert_error(response, 409, "conflict", "largest stock")
    variant.refresh_from_db()
    assert variant.stock == 5 + 2 * 10**9
