"""The categories page: counts, create, rename inline, delete, order with arrows."""

import pytest

from catalog.models import Category, Product
from catalog.services import category_create
from tests.dashboard.catalog_helpers import make_product

pytestmark = pytest.mark.django_db

LIST = "/dashboard/categories/"


def url(category, action="") -> str:
    return f"{LIST}{category.pk}/{action}"


def names(shop) -> list[str]:
    return list(
        Category.objects.for_shop(shop).order_by("position", "id").values_list("name", flat=True)
    )


def test_the_list_shows_categories_in_order_with_product_counts(shop, agent_client):
    dresses, scarves = (
        category_create(shop=shop, name="Robes"),
        category_create(shop=shop, name="Écharpes"),
    )
    make_product(shop, "A", skus=("A",), category=dresses)
    make_product(shop, "B", skus=("B",), category=dresses)

    response = agent_client.get(LIST)

    assert response.status_code == 200
    rows = [(c.name, c.product_count) for c, _ in response.context["rows"]]
    assert rows == [("Robes", 2), ("Écharpes", 0)]
    page = response.content.decode()
    assert f'href="/dashboard/products/?category={dresses.pk}"' in page
    assert "Add category" not in page and "Rename" not in page  # agents read only
    assert scarves.name in page


def test_create_a_category(shop, manager_client):
    category_create(shop=shop, name="Robes")
    response = manager_client.post(LIST, {"new-name": "  Écharpes "}, follow=True)
    assert "Category “Écharpes” was created." in response.content.decode()
    assert names(shop) == ["Robes", "Écharpes"]


def test_a_duplicate_or_empty_name_is_shown_beside_the_field(shop, manager_client):
    category_create(shop=shop, name="Robes")
    response = manager_client.post(LIST, {"new-name": "Robes"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A category named &#x27;Robes&#x27; already exists." in page
    assert 'class="field has-error"' in page
    assert (
        "This field is required." in manager_client.post(LIST, {"new-name": " "}).content.decode()
    )
    assert names(shop) == ["Robes"]


def test_rename_inline(shop, manager_client):
    dresses = category_create(shop=shop, name="Robes")
    response = manager_client.post(url(dresses), {f"category-{dresses.pk}-name": "Robes d'été"})
    assert response.status_code == 302
    assert names(shop) == ["Robes d'été"]


def test_rename_to_a_taken_name_is_shown_on_that_row(shop, manager_client):
    dresses = category_create(shop=shop, name="Robes")
    category_create(shop=shop, name="Écharpes")
    response = manager_client.post(url(dresses), {f"category-{dresses.pk}-name": "Écharpes"})
    assert response.status_code == 200
    forms = {c.pk: form for c, form in response.context["rows"]}
    assert forms[dresses.pk].errors["name"] == ["A category named 'Écharpes' already exists."]
    assert 'value="Écharpes"' in response.content.decode()
    assert names(shop) == ["Robes", "Écharpes"]


def test_delete_keeps_the_products_uncategorised(shop, manager_client, caplog):
    dresses = category_create(shop=shop, name="Robes")
    product = make_product(shop, category=dresses)
    page = manager_client.get(LIST).content.decode()
    assert "Delete the category “Robes”? Its 1 product stay in the shop" in page

    response = manager_client.post(url(dresses, "delete/"), follow=True)

    assert "1 product is now uncategorised" in response.content.decode()
    assert not Category.objects.exists()
    product.refresh_from_db()
    assert product.category is None and Product.objects.count() == 1
    assert f"category deleted shop={shop.pk} category={dresses.pk} name='Robes' products=1" in (
        caplog.text
    )


def test_arrows_move_a_category_up_and_down(shop, manager_client):
    a, b, c = (category_create(shop=shop, name=n) for n in "ABC")

    manager_client.post(url(c, "move/"), {"direction": "up"})
    assert names(shop) == ["A", "C", "B"]
    manager_client.post(url(a, "move/"), {"direction": "down"})
    assert names(shop) == ["C", "A", "B"]
    manager_client.post(url(c, "move/"), {"direction": "up"})  # already first: nothing moves
    assert names(shop) == ["C", "A", "B"]
    response = manager_client.post(url(b, "move/"), {"direction": "sideways"})
    assert response.status_code == 302
    assert names(shop) == ["C", "A", "B"]


def test_arrows_sort_out_categories_sharing_a_position(shop, manager_client):
    *_, c = (category_create(shop=shop, name=n, position=0) for n in "ABC")
    manager_client.post(url(c, "move/"), {"direction": "up"})
    assert names(shop) == ["A", "C", "B"]
    assert list(Category.objects.order_by("position").values_list("position", flat=True)) == [
        0,
        1,
        2,
    ]


def test_the_first_up_and_last_down_arrows_are_disabled(shop, manager_client):
    category_create(shop=shop, name="A")
    category_create(shop=shop, name="B")
    page = manager_client.get(LIST).content.decode()
    assert 'disabled aria-label="Move A up"' in page
    assert 'disabled aria-label="Move B down"' in page
    assert 'disabled aria-label="Move A down"' not in page


def test_agents_cannot_change_categories(shop, agent_client):
    dresses = category_create(shop=shop, name="Robes")
    assert agent_client.post(LIST, {"new-name": "X"}).status_code == 403
    assert agent_client.post(url(dresses), {f"category-{dresses.pk}-name": "X"}).status_code == 403
    assert agent_client.post(url(dresses, "move/"), {"direction": "up"}).status_code == 403
    assert agent_client.post(url(dresses, "delete/")).status_code == 403
    assert names(shop) == ["Robes"]


def test_another_shops_category_is_not_found(shop, other_shop, manager_client):
    theirs = category_create(shop=other_shop, name="Leur")
    for action, data in [
        ("", {f"category-{theirs.pk}-name": "Mine"}),
        ("move/", {"direction": "up"}),
        ("delete/", {}),
    ]:
        assert manager_client.post(url(theirs, action), data).status_code == 404
        assert manager_client.get(url(theirs, action)).status_code == 404
    assert Category.objects.get(pk=theirs.pk).name == "Leur"


def test_the_list_costs_the_same_queries_for_3_or_40_categories(shop, manager_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert manager_client.get(LIST).status_code == 200
        return len(captured)

    for n in range(3):
        make_product(
            shop, f"P{n}", skus=(f"P{n}",), category=category_create(shop=shop, name=f"C{n}")
        )
    few = queries()
    for n in range(3, 40):
        category_create(shop=shop, name=f"C{n}")
    many = queries()
    assert few == many and many < 15, (few, many)
