"""A variant's name ("Rouge · 38", what the shopper picks) in the shop's other languages:
written through the API (inside a product or on the variant's own endpoint) and the
dashboard's product form, refused with a message naming the field when wrong, found by
search, and read for a shopper in their language (the shop's own name where none was written)."""

import pytest
from django.urls import reverse

from catalog.models import Product, Variant
from catalog.services import product_create
from catalog.translations import variant_label
from shops.models import Membership, Role

pytestmark = pytest.mark.django_db

DRESS = {
    "title": "Robe portefeuille",
    "translations": {"en": {"title": "Wrap dress"}},
    "variants": [
        {
            "sku": "ROBE-R-38",
            "name": "Rouge · 38",
            "translations": {"en": {"name": "Red · 38"}},
            "options": {"colour": "Rouge", "size": "38"},
            "price": 4990,
            "stock": 5,
        },
        {"sku": "ROBE-R-40", "name": "Rouge · 40", "price": 4990, "stock": 5},
    ],
}


def test_the_api_stores_and_returns_a_variants_name_in_both_languages(api):
    created = api.post("/api/v1/products/", DRESS, format="json")

    assert created.status_code == 201, created.json()
    variants = created.json()["variants"]
    assert [v["translations"] for v in variants] == [{"en": {"name": "Red · 38"}}, {}]
    first, second = Variant.objects.order_by("position")
    assert variant_label(first, "en") == "Red · 38"
    assert variant_label(first, "fr") == "Rouge · 38"
    # Not translated: an English shopper reads the shop's name rather than nothing.
    assert variant_label(second, "en") == "Rouge · 40"

    patched = api.patch(
        f"/api/v1/variants/{second.pk}/",
        {"translations": {"en": {"name": "Red · 40"}}},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    assert patched.json()["translations"] == {"en": {"name": "Red · 40"}}
    second.refresh_from_db()
    assert variant_label(second, "en") == "Red · 40"
    assert api.get(f"/api/v1/variants/{second.pk}/").json()["translations"] == {
        "en": {"name": "Red · 40"}
    }


@pytest.mark.parametrize(
    "translations, fragment",
    [
        ({"fr": {"name": "Rouge"}}, "shop's own language"),
        ({"en": {"title": "Red"}}, "not translatable"),
        ({"en": {"name": "x" * 121}}, "longer than 120"),
        ({"en": "Red"}, "must be an object"),
    ],
)
def test_a_bad_variant_translation_is_a_400_naming_the_field(api, translations, fragment):
    variant = {**DRESS["variants"][0], "translations": translations}

    response = api.post("/api/v1/products/", {**DRESS, "variants": [variant]}, format="json")

    assert response.status_code == 400
    errors = response.json()["fields"]["variants.0.translations"]
    assert fragment in " ".join(errors)
    assert not Product.objects.exists()


def test_an_english_shopper_finds_a_product_by_its_variants_english_name(api):
    api.post(
        "/api/v1/products/",
        {
            "title": "Pull col rond",
            "variants": [
                {
                    "sku": "PULL-GC",
                    "name": "Gris chiné",
                    "translations": {"en": {"name": "Heather grey"}},
                    "price": 5900,
                }
            ],
        },
        format="json",
    )

    found = api.get("/api/v1/products/", {"q": "heather"}).json()["results"]

    assert [p["title"] for p in found] == ["Pull col rond"]


def test_the_product_form_writes_a_variants_english_name_beside_its_own(shop, client):
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[{"sku": "ROBE-R-38", "name": "Rouge · 38", "price": 4990, "stock": 5}],
    )
    variant = product.variants.get()
    client.force_login(Membership.objects.get(shop=shop, role=Role.OWNER).user)
    url = reverse("dashboard:product_edit", kwargs={"product_id": product.pk})

    page = client.get(url).content.decode()
    assert 'name="variants-0-name_en"' in page
    assert "Name in English" in page

    form = {
        "title": "Robe portefeuille",
        "active": "on",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "1",
        "variants-MIN_NUM_FORMS": "1",
        "variants-MAX_NUM_FORMS": "100",
        "variants-0-id": str(variant.pk),
        "variants-0-name": "Rouge · 38",
        "variants-0-sku": "ROBE-R-38",
        "variants-0-price": "49,90",
        "variants-0-track_stock": "on",
        "variants-0-name_en": "x" * 121,
    }
    refused = client.post(url, form)

    assert refused.status_code == 200  # the form again, with the error beside the field
    refused_page = refused.content.decode()
    assert "Ensure this value has at most 120 characters" in refused_page
    assert 'id="id_variants-0-name_en"' in refused_page
    variant.refresh_from_db()
    assert variant.translations == {}

    saved = client.post(url, {**form, "variants-0-name_en": " Red · 38 "})

    assert saved.status_code == 302
    variant.refresh_from_db()
    assert variant.translations == {"en": {"name": "Red · 38"}}
    assert 'value="Red · 38"' in client.get(url).content.decode()
