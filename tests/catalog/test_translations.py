"""Product and category text in the shop's other languages: written through the API and the
CSV import, read back by the export, found by search, and shown to a shopper in their language
(falling back to the shop's own text where a translation is missing)."""

import csv
import io

import pytest
from django.urls import reverse

from catalog import csv_format
from catalog.imports import catalog_import_create, catalog_import_start
from catalog.models import Category, Product
from catalog.services import category_create, product_create
from catalog.translations import (
    PRODUCT_FIELDS,
    TranslationError,
    category_name,
    product_description,
    product_title,
    translations_clean,
)
from shops.models import Membership, Role
from shops.services import shop_create

pytestmark = pytest.mark.django_db

DRESS = {
    "title": "Robe portefeuille",
    "description": "Une robe rouge en lin.",
    "translations": {"en": {"title": "Wrap dress", "description": "A red linen dress."}},
    "variants": [{"sku": "ROBE-R-38", "name": "Rouge 38", "price": 4990, "stock": 5}],
}


def test_the_api_stores_and_returns_both_languages(api):
    created = api.post("/api/v1/products/", DRESS, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["translations"] == DRESS["translations"]
    product = Product.objects.get(pk=created.json()["id"])
    assert product_title(product, "en") == "Wrap dress"
    assert product_title(product, "fr") == "Robe portefeuille"
    assert product_description(product, "en") == "A red linen dress."

    patched = api.patch(
        f"/api/v1/products/{product.pk}/",
        {"translations": {"en": {"title": "Red wrap dress"}}},
        format="json",
    )
    assert patched.status_code == 200
    assert patched.json()["translations"] == {"en": {"title": "Red wrap dress"}}
    # No English description now: an English shopper reads the French one, whole.
    product.refresh_from_db()
    assert product_description(product, "en") == "Une robe rouge en lin."


def test_a_category_name_in_another_language(api):
    response = api.post(
        "/api/v1/categories/",
        {"name": "Robes", "translations": {"en": {"name": "Dresses"}}},
        format="json",
    )

    assert response.status_code == 201, response.json()
    category = Category.objects.get(pk=response.json()["id"])
    assert category_name(category, "en") == "Dresses"
    assert category_name(category, "fr") == "Robes"


@pytest.mark.parametrize(
    "translations, fragment",
    [
        ({"fr": {"title": "Robe"}}, "shop's own language"),
        ({"de": {"title": "Kleid"}}, "Unknown language"),
        ({"en": {"price": "12"}}, "not translatable"),
        ({"en": {"title": 12}}, "must be a string"),
        ({"en": "Wrap dress"}, "must be an object"),
        ({"en": {"title": "x" * 201}}, "longer than 200"),
        (["en"], "Expected an object"),
    ],
)
def test_bad_translations_are_a_400_naming_the_field(api, translations, fragment):
    response = api.post("/api/v1/products/", {**DRESS, "translations": translations}, format="json")

    assert response.status_code == 400
    assert fragment in " ".join(response.json()["fields"]["translations"])
    assert not Product.objects.exists()


def test_a_null_character_is_refused_before_postgresql_sees_it():
    # The JSON parser already refuses it in a body; this holds for any other way in.
    with pytest.raises(TranslationError, match="null character"):
        translations_clean({"en": {"title": "Robe\x00"}}, fields=PRODUCT_FIELDS, shop_language="fr")


def test_an_english_shopper_finds_a_french_product_by_its_english_title(api, shop):
    api.post("/api/v1/products/", DRESS, format="json")

    found = api.get("/api/v1/products/", {"q": "wrap dress"}).json()["results"]

    assert [p["title"] for p in found] == ["Robe portefeuille"]


def _import(shop, text: str, capture):
    parsed = csv_format.parse_text(text)
    owner = Membership.objects.get(shop=shop, role=Role.OWNER).user
    catalog_import = catalog_import_create(
        shop=shop, user=owner, file_name="produits.csv", csv_file=parsed
    )
    # The task runs in the test's process (tests/conftest.py) once the confirmation commits.
    with capture(execute=True):
        catalog_import_start(catalog_import=catalog_import)
    catalog_import.refresh_from_db()
    return catalog_import


def test_the_csv_import_reads_the_english_columns_and_the_export_writes_them(
    shop, client, django_capture_on_commit_callbacks
):
    done = _import(
        shop,
        "sku;title;title_en;description;description_en;price;stock\n"
        "ROBE-38;Robe portefeuille;Wrap dress;Lin rouge.;Red linen.;49,90;3\n",
        django_capture_on_commit_callbacks,
    )

    assert done.error_count == 0, done.errors
    product = Product.objects.get(title="Robe portefeuille")
    assert product.translations == {"en": {"title": "Wrap dress", "description": "Red linen."}}

    # A blank English title in a later file removes that translation, keeps the other.
    _import(shop, "sku;title_en\nROBE-38;\n", django_capture_on_commit_callbacks)
    product.refresh_from_db()
    assert product.translations == {"en": {"description": "Red linen."}}

    owner = Membership.objects.get(shop=shop, role=Role.OWNER).user
    client.force_login(owner)
    response = client.get(reverse("dashboard:product_export"))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))
    cells = dict(zip(header, row, strict=True))
    assert "title_fr" not in header  # the shop's own language is the title column
    assert cells["title"] == "Robe portefeuille"
    assert cells["title_en"] == ""
    assert cells["description_en"] == "Red linen."


def test_a_translation_in_the_shops_own_language_is_a_row_error(
    shop, django_capture_on_commit_callbacks
):
    done = _import(
        shop,
        "sku;title;title_fr;price\nROBE-38;Robe;Robe rouge;49,90\n",
        django_capture_on_commit_callbacks,
    )

    assert [error["column"] for error in done.errors] == ["title_fr"]
    assert not Product.objects.exists()


def test_a_shop_in_english_translates_to_french(make_shop):
    shop = make_shop("Red House", language="en", currency="GBP")
    dresses = category_create(shop=shop, name="Dresses", translations={"fr": {"name": "Robes"}})
    product = product_create(
        shop=shop,
        title="Wrap dress",
        category=dresses,
        translations={"fr": {"title": "Robe portefeuille"}},
    )

    assert product_title(product, "fr") == "Robe portefeuille"
    assert product_title(product, "en") == "Wrap dress"
    assert product_title(product, "") == "Wrap dress"
    assert category_name(dresses, "fr") == "Robes"


def test_a_demo_seeded_with_two_languages_in_each_title_gets_one_each(settings, tmp_path):
    from catalog import demo_seed

    settings.MEDIA_ROOT = tmp_path
    shop = shop_create(
        name=demo_seed.SHOP_NAME,
        slug=demo_seed.SHOP_SLUG,
        owner_email="old-demo@souk.test",
        currency="EUR",
        language="fr",
    )
    old_category = category_create(shop=shop, name="Robes · Dresses")
    dress = demo_seed.PRODUCTS[0]
    product_create(
        shop=shop,
        title=f"{dress.title} · {dress.title_en}",
        description=f"{dress.description} {dress.description_en}",
        category=old_category,
        variants=demo_seed.variant_rows(dress),
    )

    demo_seed.demo_seed()

    product = Product.objects.get(shop=shop, variants__sku=demo_seed.variant_rows(dress)[0]["sku"])
    assert product.title == "Robe portefeuille rouge"
    assert product_title(product, "en") == "Red wrap dress"
    assert product_description(product, "en") == dress.description_en
    old_category.refresh_from_db()
    assert old_category.name == "Robes"
    assert category_name(old_category, "en") == "Dresses"
    assert not Category.objects.filter(shop=shop, name__contains="·").exists()
