"""A variant's name ("Rouge · 38", what the shopper picks) in the shop's other languages:
written through the API (inside a product or on the variant's own endpoint), the dashboard's
product form and the CSV import (which the export feeds back), refused with a message naming
the field when wrong, found by search, and read for a shopper in their language (the shop's
own name where none was written)."""

import csv
import io

import pytest
from django.urls import reverse

from catalog import csv_format
from catalog.imports import catalog_import_create, catalog_import_start
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


def _import(shop, text: str, capture):
    parsed = csv_format.parse_text(text)
    owner = Membership.objects.get(shop=shop, role=Role.OWNER).user
    catalog_import = catalog_import_create(
        shop=shop, user=owner, file_name="produits.csv", csv_file=parsed
    )
    with capture(execute=True):  # the import's task runs once the confirmation commits
        catalog_import_start(catalog_import=catalog_import)
    catalog_import.refresh_from_db()
    return catalog_import


def test_the_csv_import_reads_variant_name_en_and_the_export_writes_it(
    shop, client, django_capture_on_commit_callbacks
):
    done = _import(
        shop,
        "sku;title;variant_name;variant_name_en;price;stock\n"
        "ROBE-38;Robe portefeuille;Rouge · 38;Red · 38;49,90;3\n"
        "ROBE-40;Robe portefeuille;Rouge · 40;;49,90;3\n",
        django_capture_on_commit_callbacks,
    )

    assert done.error_count == 0, done.errors
    assert Variant.objects.get(sku="ROBE-38").translations == {"en": {"name": "Red · 38"}}
    assert Variant.objects.get(sku="ROBE-40").translations == {}

    # A later file: one translation added, the other removed by a blank cell.
    _import(
        shop,
        "sku;variant_name_en\nROBE-38;\nROBE-40;Red · 40\n",
        django_capture_on_commit_callbacks,
    )
    assert Variant.objects.get(sku="ROBE-38").translations == {}
    assert variant_label(Variant.objects.get(sku="ROBE-40"), "en") == "Red · 40"

    client.force_login(Membership.objects.get(shop=shop, role=Role.OWNER).user)
    response = client.get(reverse("dashboard:product_export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "variant_name_fr" not in header  # the shop's own language is variant_name
    cells = {row[header.index("sku")]: dict(zip(header, row, strict=True)) for row in rows}
    assert cells["ROBE-40"]["variant_name_en"] == "Red · 40"
    assert cells["ROBE-38"]["variant_name_en"] == ""

    # The export imports back unchanged.
    again = _import(shop, text, django_capture_on_commit_callbacks)
    assert (again.error_count, again.updated_count) == (0, 0), again.errors


def test_a_variant_name_in_the_shops_own_language_is_a_row_error(
    shop, django_capture_on_commit_callbacks
):
    done = _import(
        shop,
        "sku;title;variant_name_fr;price\nROBE-38;Robe;Rouge · 38;49,90\n",
        django_capture_on_commit_callbacks,
    )

    assert [error["column"] for error in done.errors] == ["variant_name_fr"]
    assert "variant_name column" in done.errors[0]["message"]
    assert not Product.objects.exists()
