"""The languages a shop offers its shoppers besides its own (Shop.languages): chosen in
Settings → Shop and through the shop API, checked against the languages Souk speaks; the
dashboard's translation fields and the CSV export's columns follow them. Existing shops keep
offering what they offered before (English and French); a shop can be Chinese."""

import csv
import io
import re
from importlib import import_module

import pytest
from django.apps import apps
from django.urls import reverse

from catalog.services import product_create
from shops.models import Role, Shop
from tests.conftest import client_for
from tests.dashboard.catalog_helpers import edit_rows, make_product, product_form_data
from tests.dashboard.conftest import member, signed_in

pytestmark = pytest.mark.django_db

SETTINGS = "/dashboard/settings/shop/"
NEW_PRODUCT = "/dashboard/products/new/"
EXPORT = reverse("dashboard:product_export")
PROFILE = {"name": "Maison Rouge", "language": "fr", "currency": "EUR", "timezone": "Europe/Paris"}


@pytest.fixture
def owner(shop):
    return signed_in(member(shop, Role.OWNER))


def test_a_new_shop_offers_english_and_french_as_every_shop_did(shop):
    assert shop.languages == ["en", "fr"]


def test_the_migration_gives_existing_shops_english_and_french(shop):
    Shop.objects.filter(pk=shop.pk).update(languages=[])
    migration = import_module("shops.migrations.0007_shop_languages_and_chinese")

    migration.offer_what_they_offered(apps, None)

    shop.refresh_from_db()
    assert shop.languages == ["en", "fr"]


def test_the_settings_page_lists_the_languages_and_ticks_the_offered_ones(owner):
    page = owner.get(SETTINGS).content.decode()

    ticked = set(re.findall(r'name="languages" value="([\w-]+)"[^>]* checked', page))
    listed = set(re.findall(r'name="languages" value="([\w-]+)"', page))

    assert "Languages offered" in page
    assert listed == {"en", "fr", "zh-hans"}
    assert ticked == {"en", "fr"}


def test_offering_chinese_instead_of_english_changes_the_fields_and_keeps_the_english(shop, owner):
    shop.translations = {"en": {"delivery_info": "Delivered in 2 days."}}
    shop.save()

    # As the page posts it: English unticked, its answer still in the field shown.
    response = owner.post(
        SETTINGS,
        {**PROFILE, "languages": ["zh-hans"], "delivery_info_en": "Delivered in 2 days."},
    )

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.languages == ["zh-hans"]
    page = owner.get(SETTINGS).content.decode()
    assert 'name="delivery_info_zh-hans"' in page and 'lang="zh-hans"' in page
    assert "Delivery: the bot&#x27;s answer in Simplified Chinese" in page
    assert 'name="delivery_info_en"' not in page
    # Not offered any more, the English answer waits for English to be offered again.
    assert shop.translations == {"en": {"delivery_info": "Delivered in 2 days."}}


def test_the_product_form_has_fields_only_for_the_offered_languages(shop):
    shop.languages = ["zh-hans"]
    shop.save()

    page = signed_in(member(shop, Role.MANAGER)).get(NEW_PRODUCT).content.decode()

    assert "Title in Simplified Chinese" in page and 'name="title_zh-hans"' in page
    assert 'name="title_en"' not in page and "Title in English" not in page


def test_a_french_shop_that_offers_no_other_language_has_no_translation_fields(shop):
    shop.languages = []
    shop.save()

    page = signed_in(member(shop, Role.MANAGER)).get(NEW_PRODUCT).content.decode()

    assert 'name="title_en"' not in page and 'name="title_zh-hans"' not in page


def test_a_shop_can_be_chinese(owner, shop):
    response = owner.post(SETTINGS, {**PROFILE, "language": "zh-hans", "languages": ["en"]})

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.language, shop.languages) == ("zh-hans", ["en"])


def test_the_export_has_columns_for_the_offered_languages_only(shop, owner):
    shop.languages = ["zh-hans"]
    shop.save()
    product_create(
        shop=shop,
        title="Robe en soie",
        translations={"zh-hans": {"title": "真丝连衣裙"}, "en": {"title": "Silk dress"}},
        variants=[{"sku": "SOIE-1", "price": 19900, "stock": 2}],
    )

    text = b"".join(owner.get(EXPORT).streaming_content).decode("utf-8-sig")
    header, row = list(csv.reader(io.StringIO(text), delimiter=";"))

    assert "title_zh_hans" in header and "title_en" not in header
    assert row[header.index("title_zh_hans")] == "真丝连衣裙"


def test_the_api_reads_and_writes_the_offered_languages(shop):
    api = client_for(shop)
    assert api.get("/api/v1/shop/").json()["languages"] == ["en", "fr"]

    written = api.patch("/api/v1/shop/", {"languages": ["zh-hans", "en", "en"]}, format="json")

    assert written.status_code == 200, written.json()
    # Each once, in the order of the languages Souk speaks.
    assert written.json()["languages"] == ["en", "zh-hans"]
    assert api.get("/api/v1/shop/").json()["languages"] == ["en", "zh-hans"]
    shop.refresh_from_db()
    assert shop.languages == ["en", "zh-hans"]


@pytest.mark.parametrize(
    ("languages", "message"),
    [
        (["en", "de"], "Unknown language “de”"),
        ("en", "Expected a list"),
    ],
)
def test_the_api_refuses_an_unknown_language_naming_it(shop, languages, message):
    api = client_for(shop)

    refused = api.patch("/api/v1/shop/", {"name": "Renamed", "languages": languages}, format="json")

    assert refused.status_code == 400
    assert message in refused.json()["fields"]["languages"][0]
    shop.refresh_from_db()
    assert (shop.name, shop.languages) == ("Maison Rouge", ["en", "fr"])


def test_editing_a_product_keeps_its_texts_in_a_language_no_longer_offered(shop):
    shop.languages = ["zh-hans"]
    shop.save()
    product = make_product(shop, translations={"en": {"title": "Wrap dress"}})
    manager = signed_in(member(shop, Role.MANAGER))

    response = manager.post(
        f"/dashboard/products/{product.pk}/",
        product_form_data(
            title=product.title,
            **{"title_zh-hans": "裹身连衣裙"},
            variants=edit_rows(product),
            initial_count=1,
        ),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.translations == {
        "en": {"title": "Wrap dress"},  # no field for it, kept for when English is back
        "zh-hans": {"title": "裹身连衣裙"},
    }
