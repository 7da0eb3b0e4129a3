"""Bad input: each a clear 4xx naming what is wrong, and nothing written."""

import copy

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Product, ProductImage, Variant
from tests.conftest import PRODUCT_BODY, image_bytes

pytestmark = pytest.mark.django_db


def body_with_variant(**variant_changes) -> dict:
    body = copy.deepcopy(PRODUCT_BODY)
    body["variants"][0].update(variant_changes)
    return body


def assert_rejected(response, field: str, status: int = 400, fragment: str = ""):
    assert response.status_code == status, response.content
    body = response.json()
    assert field in body["fields"], body
    assert body["error"] == "validation_error"
    assert body["message"].startswith(field)
    assert fragment.lower() in " ".join(body["fields"][field]).lower()
    assert Product.objects.count() == 0
    assert Variant.objects.count() == 0


@pytest.mark.parametrize(
    ("price", "fragment"),
    [
        (-1, "greater than or equal to 0"),
        (19.99, "whole number in minor units"),
        (1999.0, "whole number in minor units"),
        ("1999", "whole number in minor units"),
        (True, "whole number in minor units"),
        (None, "may not be null"),
        (10**15, "less than or equal to"),
    ],
)
def test_bad_price_is_rejected(api, price, fragment):
    response = api.post("/api/v1/products/", body_with_variant(price=price), format="json")
    assert_rejected(response, "variants.0.price", fragment=fragment)


def test_missing_price_is_rejected(api):
    body = copy.deepcopy(PRODUCT_BODY)
    del body["variants"][0]["price"]
    assert_rejected(api.post("/api/v1/products/", body, format="json"), "variants.0.price")


def test_stock_below_zero_is_rejected(api):
    response = api.post("/api/v1/products/", body_with_variant(stock=-3), format="json")
    assert_rejected(response, "variants.0.stock", fragment="greater than or equal to 0")


def test_unknown_fields_are_rejected_at_every_level(api):
    top = copy.deepcopy(PRODUCT_BODY) | {"colour": "red"}
    assert_rejected(api.post("/api/v1/products/", top, format="json"), "colour", fragment="unknown")

    nested = body_with_variant(weight=12)
    assert_rejected(
        api.post("/api/v1/products/", nested, format="json"),
        "variants.0.weight",
        fragment="unknown",
    )


def test_one_megabyte_title_is_rejected(api):
    body = copy.deepcopy(PRODUCT_BODY) | {"title": "x" * 1_000_000}
    assert_rejected(
        api.post("/api/v1/products/", body, format="json"), "title", fragment="200 characters"
    )


def test_body_over_the_limit_is_413(api, settings):
    body = copy.deepcopy(PRODUCT_BODY) | {
        "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    }
    response = api.post("/api/v1/products/", body, format="json")
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert Product.objects.count() == 0


def test_malformed_json_is_400(api):
    response = api.post("/api/v1/products/", b'{"title": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"] == "parse_error"
    assert "JSON" in response.json()["message"]


def test_form_encoded_body_is_415(api):
    response = api.post("/api/v1/products/", {"title": "x"}, format="multipart")
    assert response.status_code == 415


def test_second_variant_error_names_its_index_and_first_is_not_written(api):
    body = copy.deepcopy(PRODUCT_BODY)
    body["variants"].append({"sku": "B", "name": "b", "price": -5})
    assert_rejected(api.post("/api/v1/products/", body, format="json"), "variants.1.price")


def test_variants_must_be_a_list_of_objects(api):
    body = copy.deepcopy(PRODUCT_BODY) | {"variants": "many"}
    response = api.post("/api/v1/products/", body, format="json")
    assert response.status_code == 400
    assert "variants" in response.json()["fields"]


def test_unknown_currency_is_rejected_and_shop_unchanged(api, shop):
    response = api.patch("/api/v1/shop/", {"currency": "XYZ"}, format="json")

    assert_rejected(response, "currency", fragment="ISO 4217")
    shop.refresh_from_db()
    assert shop.currency == "EUR"


def test_unknown_timezone_and_language_are_rejected(api, shop):
    assert (
        api.patch("/api/v1/shop/", {"timezone": "Mars/Olympus"}, format="json").status_code == 400
    )
    assert api.patch("/api/v1/shop/", {"language": "de"}, format="json").status_code == 400
    shop.refresh_from_db()
    assert (shop.timezone, shop.language) == ("Europe/Paris", "fr")


def test_update_with_bad_variant_changes_nothing(api):
    product = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()

    response = api.put(
        f"/api/v1/products/{product['id']}/",
        {"title": "Renamed", "variants": [{"sku": "N", "name": "n", "price": -1}]},
        format="json",
    )

    assert response.status_code == 400
    fresh = api.get(f"/api/v1/products/{product['id']}/").json()
    assert fresh["title"] == "Robe portefeuille"
    assert [v["sku"] for v in fresh["variants"]] == ["ROBE-R-38"]


@pytest.mark.parametrize("delta", [1.5, "3", None])
def test_stock_adjustment_needs_a_whole_delta(api, delta):
    variant_id = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()["variants"][0][
        "id"
    ]
    response = api.post(f"/api/v1/variants/{variant_id}/stock/", {"delta": delta}, format="json")
    assert response.status_code == 400
    assert "delta" in response.json()["fields"]
    assert Variant.objects.get(pk=variant_id).stock == 5


def product_id(api) -> int:
    return api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()["id"]


def test_non_image_upload_is_rejected(api):
    pid = product_id(api)
    upload = SimpleUploadedFile("evil.jpg", b"<?php echo 'hi'; ?>", content_type="image/jpeg")

    response = api.post("/api/v1/images/", {"product": pid, "image": upload}, format="multipart")

    assert response.status_code == 400
    assert response.json()["fields"] == {"image": ["The file is not a valid image."]}
    assert ProductImage.objects.count() == 0


def test_twenty_megabyte_upload_is_rejected_before_it_is_stored(api, settings):
    pid = product_id(api)
    big = SimpleUploadedFile("huge.jpg", image_bytes() + b"\0" * (20 * 1024 * 1024))

    response = api.post("/api/v1/images/", {"product": pid, "image": big}, format="multipart")

    assert response.status_code == 413
    assert "images may be at most" in response.json()["message"]
    assert ProductImage.objects.count() == 0


def test_image_just_over_the_size_limit_names_the_field(api, settings):
    settings.SOUK_MAX_IMAGE_BYTES = 50_000
    pid = product_id(api)
    big = SimpleUploadedFile("big.jpg", image_bytes() + b"\0" * 60_000)

    response = api.post("/api/v1/images/", {"product": pid, "image": big}, format="multipart")

    assert response.status_code == 400
    assert "the limit is" in response.json()["fields"]["image"][0]
    assert ProductImage.objects.count() == 0


def test_upload_without_product_or_file_names_them(api):
    response = api.post("/api/v1/images/", {}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"product", "image"}


@pytest.mark.parametrize("path", ["/api/v1/products/abc/", "/api/v1/products/99999/"])
def test_unknown_product_is_404_json(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
