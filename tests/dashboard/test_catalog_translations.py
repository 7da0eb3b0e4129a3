"""A brand writes a product's title and description, and a category's name, in each language its
shop offers, from the dashboard: one field per language beside the shop's own, checked by the
same rules as the API and the CSV import, errors beside the field, nothing half-saved. `shop` is
a French shop, so the other language is English."""

import pytest

from catalog.models import Category, Product
from catalog.selectors import ShopperSearch, product_search
from catalog.services import category_create
from catalog.translations import category_name, product_description, product_title
from tests.conftest import client_for
from tests.dashboard.catalog_helpers import edit_rows, make_product, product_form_data

pytestmark = pytest.mark.django_db

NEW = "/dashboard/products/new/"
CATEGORIES = "/dashboard/categories/"
ROW = {"name": "38", "sku": "ROBE-38", "price": "49,90", "stock": "3"}


def edit_url(product) -> str:
    return f"/dashboard/products/{product.pk}/"


def field_block(html: str, name: str) -> str:
    marker = f'name="{name}"'
    assert marker in html, f"no field {name}"
    start = html.rfind('<div class="field', 0, html.index(marker))
    return html[start : html.index("</div>", html.index(marker))]


def test_the_product_form_offers_english_beside_the_shops_french(shop, manager_client):
    page = manager_client.get(NEW).content.decode()

    assert "Title in English" in page and "Description in English" in page
    assert 'name="title_en"' in page and 'lang="en"' in page
    assert 'name="title_fr"' not in page  # French is the shop's own: the main title


def test_a_product_created_with_its_english_title_reads_in_english(shop, manager_client):
    response = manager_client.post(
        NEW,
        product_form_data(
            title="Robe portefeuille rouge",
            description="Robe en lin",
            title_en=" Red wrap dress ",
            description_en="Linen dress",
            variants=[ROW],
        ),
    )

    assert response.status_code == 302
    product = Product.objects.get()
    assert product.translations == {"en": {"title": "Red wrap dress", "description": "Linen dress"}}
    assert product_title(product, "en") == "Red wrap dress"
    assert product_title(product, "fr") == "Robe portefeuille rouge"
    # Search finds it by its English title too, as for a product from the API.
    assert list(product_search(shop=shop, search=ShopperSearch(query="wrap dress"))) == [product]


def test_the_edit_page_shows_the_translation_and_a_blank_one_removes_it(shop, manager_client):
    product = make_product(
        shop, translations={"en": {"title": "Wrap dress", "description": "Linen"}}
    )

    page = manager_client.get(edit_url(product)).content.decode()
    assert 'value="Wrap dress"' in field_block(page, "title_en")

    response = manager_client.post(
        edit_url(product),
        product_form_data(
            title=product.title,
            title_en="Red wrap dress",
            description_en="",
            variants=edit_rows(product),
            initial_count=1,
        ),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.translations == {"en": {"title": "Red wrap dress"}}
    assert product_description(product, "en") == ""  # the shop's own (empty) description


def test_an_english_title_too_long_is_refused_beside_it_and_nothing_is_saved(shop, manager_client):
    product = make_product(shop, translations={"en": {"title": "Wrap dress"}})

    response = manager_client.post(
        edit_url(product),
        product_form_data(
            title="Renamed", title_en="x" * 201, variants=edit_rows(product), initial_count=1
        ),
    )

    assert response.status_code == 200
    block = field_block(response.content.decode(), "title_en")
    assert "has-error" in block and "at most 200 characters" in block
    assert "Nothing was saved" in response.content.decode()
    product.refresh_from_db()
    assert (product.title, product.translations) == (
        "Robe portefeuille",
        {"en": {"title": "Wrap dress"}},
    )


def test_what_the_dashboard_saves_the_api_returns(shop, manager_client):
    manager_client.post(
        NEW, product_form_data(title="Sac cabas", title_en="Tote bag", variants=[ROW])
    )

    product = Product.objects.get()
    body = client_for(shop).get(f"/api/v1/products/{product.pk}/").json()

    assert body["title"] == "Sac cabas"
    assert body["translations"] == {"en": {"title": "Tote bag"}}


def test_an_agent_reads_the_translation_without_a_field_to_change_it(shop, agent_client):
    product = make_product(shop, translations={"en": {"title": "Wrap dress"}})

    page = agent_client.get(edit_url(product)).content.decode()

    assert "Title in English" in page and "Wrap dress" in page
    assert 'name="title_en"' not in page


def test_a_category_is_created_and_renamed_with_its_english_name(shop, manager_client):
    manager_client.post(CATEGORIES, {"new-name": "Robes", "new-name_en": "Dresses"})
    dresses = Category.objects.get()
    assert category_name(dresses, "en") == "Dresses"

    page = manager_client.get(CATEGORIES).content.decode()
    assert 'value="Dresses"' in field_block(page, f"category-{dresses.pk}-name_en")

    manager_client.post(
        f"/dashboard/categories/{dresses.pk}/",
        {f"category-{dresses.pk}-name": "Robes d'été", f"category-{dresses.pk}-name_en": ""},
    )
    dresses.refresh_from_db()
    assert (dresses.name, dresses.translations) == ("Robes d'été", {})
    assert category_name(dresses, "en") == "Robes d'été"


def test_a_category_name_too_long_in_english_is_refused_on_its_row(shop, manager_client):
    dresses = category_create(shop=shop, name="Robes", translations={"en": {"name": "Dresses"}})

    response = manager_client.post(
        f"/dashboard/categories/{dresses.pk}/",
        {f"category-{dresses.pk}-name": "Robes", f"category-{dresses.pk}-name_en": "x" * 121},
    )

    assert response.status_code == 200
    block = field_block(response.content.decode(), f"category-{dresses.pk}-name_en")
    assert "has-error" in block and "at most 120 characters" in block
    dresses.refresh_from_db()
    assert dresses.translations == {"en": {"name": "Dresses"}}


def test_an_english_shop_offers_french_fields(other_shop, dashboard_client):
    manager = dashboard_client("manager", of=other_shop)
    manager.post(CATEGORIES, {"new-name": "Dresses", "new-name_fr": "Robes"})

    page = manager.get(NEW).content.decode()

    assert "Title in French" in page and 'lang="fr"' in page
    assert Category.objects.get(shop=other_shop).translations == {"fr": {"name": "Robes"}}
