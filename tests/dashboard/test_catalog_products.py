"""The product pages: the list (filters, sorting, pages, bulk actions), creating and editing a
product with its variants in one form, deleting it; who may do what."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Product, ProductImage, Variant
from catalog.services import category_create, image_add
from tests.conftest import image_bytes
from tests.dashboard.catalog_helpers import edit_rows, make_product, product_form_data

pytestmark = pytest.mark.django_db

LIST = "/dashboard/products/"
NEW = "/dashboard/products/new/"
BULK = "/dashboard/products/bulk/"


def edit_url(product) -> str:
    return f"/dashboard/products/{product.pk}/"


def listed_titles(response) -> list[str]:
    return [row.product.title for row in response.context["rows"]]


# --- The list -----------------------------------------------------------------------------------


def test_the_list_shows_price_range_stock_category_and_status(shop, agent_client):
    dresses = category_create(shop=shop, name="Robes")
    product = make_product(shop, "Robe lin", skus=("L-38", "L-40"), category=dresses, stock=2)
    Variant.objects.filter(sku="L-40").update(price=5990, stock=0)
    make_product(shop, "Écharpe", skus=("E-1",), active=False)

    response = agent_client.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Robe lin" in page and "Écharpe" in page
    assert "49,90\xa0€ \u2013 59,90\xa0€" in page
    assert "1 sold out" in page
    assert "Robes" in page
    assert "Inactive" in page
    assert f'href="/dashboard/products/{product.pk}/"' in page
    # An agent reads the catalog but has no buttons to change it.
    assert 'name="product"' not in page and "New product" not in page


def test_a_manager_gets_checkboxes_bulk_actions_and_a_new_product_button(shop, manager_client):
    make_product(shop)
    page = manager_client.get(LIST).content.decode()
    assert 'form="bulk-form"' in page
    assert 'value="delete"' in page and "data-confirm=" in page
    assert "New product" in page


def test_search_filters_and_sort(shop, owner_client):
    scarves = category_create(shop=shop, name="Écharpes")
    make_product(shop, "Robe rouge", skus=("R-1",), stock=0)
    make_product(shop, "Robe bleue", skus=("B-1",), stock=2, active=False)
    make_product(shop, "Foulard soie", skus=("S-1",), stock=50, category=scarves)

    assert listed_titles(owner_client.get(LIST, {"q": "robe"})) == ["Robe bleue", "Robe rouge"]
    assert listed_titles(owner_client.get(LIST, {"category": "none", "sort": "title"})) == [
        "Robe bleue",
        "Robe rouge",
    ]
    assert listed_titles(owner_client.get(LIST, {"category": scarves.pk})) == ["Foulard soie"]
    assert listed_titles(owner_client.get(LIST, {"active": "no"})) == ["Robe bleue"]
    assert listed_titles(owner_client.get(LIST, {"stock": "out"})) == ["Robe rouge"]
    assert listed_titles(owner_client.get(LIST, {"stock": "low"})) == ["Robe bleue"]
    assert listed_titles(owner_client.get(LIST, {"sort": "-title"}))[0] == "Robe rouge"
    empty = owner_client.get(LIST, {"q": "chapeau"}).content.decode()
    assert "No product matches these filters." in empty


def test_filters_stay_chosen_and_the_export_link_keeps_them(shop, owner_client):
    category_create(shop=shop, name="Robes")
    make_product(shop, "Robe rouge", stock=0)
    page = owner_client.get(LIST, {"stock": "out", "q": "robe"}).content.decode()
    assert '<option value="out" selected>Sold out</option>' in page
    assert 'value="robe"' in page
    export = reverse("dashboard:product_export")
    assert f'href="{export}?stock=out&amp;q=robe"' in page


def test_the_list_has_pages_of_25(shop, owner_client):
    for n in range(27):
        make_product(shop, f"Produit {n:02d}", skus=(f"P-{n}",))
    first = owner_client.get(LIST, {"sort": "title"})
    second = owner_client.get(LIST, {"sort": "title", "page": 2})
    assert len(first.context["rows"]) == 25
    assert listed_titles(second) == ["Produit 25", "Produit 26"]
    assert "page 2 of 2" in second.content.decode()
    assert "sort=title&amp;page=2" in first.content.decode()


def seed_products(shop, count: int, offset: int = 0):
    category = category_create(shop=shop, name=f"Catégorie {offset}")
    for n in range(offset, offset + count):
        product = make_product(
            shop, f"Produit {n}", skus=(f"P{n}-38", f"P{n}-40"), category=category
        )
        image_add(product=product, upload=SimpleUploadedFile("p.jpg", image_bytes(size=(64, 64))))


def test_the_list_costs_the_same_queries_for_5_or_30_products(
    shop, owner_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(LIST).status_code == 200
        return len(captured)

    with django_capture_on_commit_callbacks(execute=True):
        seed_products(shop, 5)
    few = queries()
    with django_capture_on_commit_callbacks(execute=True):
        seed_products(shop, 25, offset=5)
    many = queries()

    assert few == many, (few, many)
    with django_assert_max_num_queries(14):
        owner_client.get(LIST, {"q": "produit", "stock": "low", "sort": "title"})


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Bulk actions -------------------------------------------------------------------------------


def test_bulk_deactivate_and_activate(shop, manager_client):
    one, two, three = (make_product(shop, f"P{n}", skus=(f"S{n}",)) for n in range(3))
    response = manager_client.post(
        BULK, {"action": "deactivate", "product": [one.pk, two.pk], "query": "sort=title&page=1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}?sort=title&page=1"
    assert set(Product.objects.filter(active=False).values_list("pk", flat=True)) == {
        one.pk,
        two.pk,
    }
    page = manager_client.get(response["Location"]).content.decode()
    assert "2 products deactivated" in page

    manager_client.post(BULK, {"action": "activate", "product": [one.pk]})
    assert set(Product.objects.filter(active=False).values_list("pk", flat=True)) == {two.pk}
    three.refresh_from_db()
    assert three.active


def test_bulk_move_to_a_category_and_out_of_it(shop, manager_client):
    scarves = category_create(shop=shop, name="Écharpes")
    one, two = make_product(shop, "A", skus=("A",)), make_product(shop, "B", skus=("B",))

    manager_client.post(
        BULK, {"action": "move", "category": scarves.pk, "product": [one.pk, two.pk]}
    )
    assert set(Product.objects.values_list("category", flat=True)) == {scarves.pk}
    # The category's name is searchable at once.
    assert "echarpes" in Product.objects.get(pk=one.pk).search_document

    manager_client.post(BULK, {"action": "move", "category": "none", "product": [one.pk]})
    one.refresh_from_db()
    assert one.category is None


def test_bulk_move_without_a_category_changes_nothing(shop, manager_client):
    scarves = category_create(shop=shop, name="Écharpes")
    product = make_product(shop, category=scarves)
    response = manager_client.post(BULK, {"action": "move", "product": [product.pk]}, follow=True)
    assert "Choose the category to move the products to." in response.content.decode()
    product.refresh_from_db()
    assert product.category == scarves


def test_bulk_delete(shop, manager_client, caplog):
    one, two = make_product(shop, "A", skus=("A",)), make_product(shop, "B", skus=("B",))
    response = manager_client.post(BULK, {"action": "delete", "product": [one.pk]}, follow=True)
    assert "1 product deleted." in response.content.decode()
    assert list(Product.objects.values_list("pk", flat=True)) == [two.pk]
    assert not Variant.objects.filter(sku="A").exists()
    assert f"product deleted shop={shop.pk} product={one.pk} title='A'" in caplog.text


def test_bulk_with_nothing_ticked_says_so(shop, manager_client):
    make_product(shop)
    response = manager_client.post(BULK, {"action": "delete"}, follow=True)
    assert "Tick at least one product first." in response.content.decode()
    assert Product.objects.count() == 1


def test_bulk_refuses_another_shops_products(shop, other_shop, manager_client):
    mine, theirs = make_product(shop, skus=("M",)), make_product(other_shop, skus=("T",))
    response = manager_client.post(
        BULK, {"action": "delete", "product": [mine.pk, theirs.pk]}, follow=True
    )
    assert "no longer exist" in response.content.decode()
    assert Product.objects.count() == 2


def test_agents_cannot_run_bulk_actions(shop, agent_client):
    product = make_product(shop)
    response = agent_client.post(BULK, {"action": "delete", "product": [product.pk]})
    assert response.status_code == 403
    assert Product.objects.filter(pk=product.pk).exists()


# --- Creating a product -------------------------------------------------------------------------


def test_create_a_product_with_two_variants_and_an_image(shop, manager_client):
    dresses = category_create(shop=shop, name="Robes")
    data = product_form_data(
        title="Robe lin",
        description="En lin lavé.",
        category=str(dresses.pk),
        tags="lin, été, lin",
        variants=[
            {"name": "38", "sku": "LIN-38", "price": "24,90", "stock": "3", "options": "size=38"},
            {"name": "40", "sku": "LIN-40", "price": "26", "stock": "0", "track_stock": False},
        ],
    )
    data["images"] = SimpleUploadedFile("robe.jpg", image_bytes(), content_type="image/jpeg")

    response = manager_client.post(NEW, data)

    product = Product.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(product)
    assert (product.title, product.category, product.tags) == ("Robe lin", dresses, ["lin", "été"])
    variants = list(
        product.variants.order_by("position").values_list(
            "sku", "price", "stock", "track_stock", "options"
        )
    )
    assert variants == [
        ("LIN-38", 2490, 3, True, {"size": "38"}),
        ("LIN-40", 2600, 0, False, {}),
    ]
    assert product.images.count() == 1
    page = manager_client.get(response["Location"]).content.decode()
    assert "“Robe lin” was created." in page


def test_a_bad_price_is_shown_beside_it_and_nothing_is_written(shop, manager_client):
    data = product_form_data(
        title="Robe lin",
        variants=[
            {"name": "38", "sku": "LIN-38", "price": "24,90"},
            {"name": "40", "sku": "LIN-40", "price": "abc"},
        ],
    )
    response = manager_client.post(NEW, data)

    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.forms[1].errors["price"]
    assert not formset.forms[0].errors
    page = response.content.decode()
    assert "Nothing was saved" in page
    assert 'value="abc"' in page and 'value="Robe lin"' in page  # what was typed stays
    assert 'class="field has-error"' in page
    assert not Product.objects.exists() and not Variant.objects.exists()


def test_a_sku_already_used_is_shown_beside_that_row(shop, manager_client):
    make_product(shop, "Autre", skus=("TAKEN",))
    data = product_form_data(
        variants=[
            {"name": "38", "sku": "FREE", "price": "10"},
            {"name": "40", "sku": "TAKEN", "price": "10"},
        ]
    )
    response = manager_client.post(NEW, data)

    rows = response.context["formset"].forms
    assert rows[1].errors["sku"] == ["SKU 'TAKEN' is already used by another product."]
    assert not rows[0].errors
    assert Product.objects.count() == 1


def test_a_sku_typed_twice_is_shown_beside_the_second_row(shop, manager_client):
    data = product_form_data(
        variants=[
            {"name": "38", "sku": "SAME", "price": "10"},
            {"name": "40", "sku": "SAME", "price": "10"},
        ]
    )
    rows = manager_client.post(NEW, data).context["formset"].forms
    assert "appears twice" in rows[1].errors["sku"][0]
    assert not Product.objects.exists()


def test_removed_and_blank_rows_are_ignored(shop, manager_client):
    data = product_form_data(
        variants=[
            {"name": "38", "sku": "KEEP", "price": "10"},
            {"name": "40", "sku": "GONE", "price": "abc", "DELETE": "on"},
            {"name": "", "sku": "", "price": ""},  # added with "Add a variant", left blank
        ]
    )
    response = manager_client.post(NEW, data)
    assert response.status_code == 302
    assert list(Variant.objects.values_list("sku", flat=True)) == ["KEEP"]


def test_a_product_needs_a_variant(shop, manager_client):
    data = product_form_data(variants=[{"name": "38", "sku": "A", "price": "1", "DELETE": "on"}])
    response = manager_client.post(NEW, data)
    assert "Add at least one variant" in response.content.decode()
    assert not Product.objects.exists()


def test_bad_options_and_a_missing_title_are_form_errors(shop, manager_client):
    data = product_form_data(
        title="",
        variants=[{"name": "38", "sku": "A", "price": "1", "options": "a=1, b=2, c=3, d=4"}],
    )
    response = manager_client.post(NEW, data)
    assert response.context["form"].errors["title"]
    assert "At most 3 options" in response.context["formset"].forms[0].errors["options"][0]
    assert not Product.objects.exists()


def test_a_file_that_is_not_an_image_creates_nothing(shop, manager_client):
    data = product_form_data(variants=[{"name": "38", "sku": "A", "price": "1"}])
    data["images"] = SimpleUploadedFile("notes.jpg", b"not an image", content_type="image/jpeg")
    response = manager_client.post(NEW, data)
    assert response.status_code == 200
    assert response.context["form"].errors["images"] == [
        "notes.jpg: The file is not a valid image."
    ]
    assert not Product.objects.exists() and not ProductImage.objects.exists()


def test_another_shops_category_cannot_be_chosen(shop, other_shop, manager_client):
    theirs = category_create(shop=other_shop, name="Leur")
    data = product_form_data(
        category=str(theirs.pk), variants=[{"name": "38", "sku": "A", "price": "1"}]
    )
    response = manager_client.post(NEW, data)
    assert response.context["form"].errors["category"]
    assert not Product.objects.exists()


def test_agents_cannot_create_products(shop, agent_client):
    assert agent_client.get(NEW).status_code == 403
    data = product_form_data(variants=[{"name": "38", "sku": "A", "price": "1"}])
    assert agent_client.post(NEW, data).status_code == 403
    assert not Product.objects.exists()


# --- Editing a product --------------------------------------------------------------------------


def test_the_edit_page_is_prefilled(shop, manager_client):
    product = make_product(shop, "Robe lin", skus=("L-38", "L-40"), tags=["lin"])
    page = manager_client.get(edit_url(product)).content.decode()
    assert 'value="Robe lin"' in page
    assert 'value="L-38"' in page and 'value="L-40"' in page
    assert 'value="49,90"' in page
    assert 'value="lin"' in page
    assert "Save product" in page and "Delete product" in page


def test_edit_changes_the_product_and_its_variants(shop, manager_client):
    product = make_product(shop, "Robe", skus=("R-38", "R-40", "R-42"), stock=4)
    rows = edit_rows(product)
    rows[0]["price"] = "59,90"
    rows[0]["stock"] = "999"  # ignored: an existing variant's stock changes through "Adjust"
    rows[1]["DELETE"] = "on"
    data = product_form_data(
        title="Robe longue",
        active=False,
        initial_count=3,
        variants=[*rows, {"name": "44", "sku": "R-44", "price": "61", "stock": "2"}],
    )

    response = manager_client.post(edit_url(product), data)

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.active) == ("Robe longue", False)
    variants = {v.sku: v for v in product.variants.all()}
    assert set(variants) == {"R-38", "R-42", "R-44"}
    assert (variants["R-38"].price, variants["R-38"].stock) == (5990, 4)
    assert (variants["R-44"].price, variants["R-44"].stock) == (6100, 2)
    assert "“Robe longue” was saved." in manager_client.get(edit_url(product)).content.decode()


def test_edit_with_a_sku_of_another_product_writes_nothing(shop, manager_client):
    make_product(shop, "Autre", skus=("TAKEN",))
    product = make_product(shop, "Robe", skus=("R-38", "R-40"))
    rows = edit_rows(product)
    rows[1]["sku"] = "TAKEN"
    data = product_form_data(title="Renamed", initial_count=2, variants=rows)

    response = manager_client.post(edit_url(product), data)

    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[1].errors["sku"] == ["SKU 'TAKEN' is already used by another product."]
    page = response.content.decode()
    assert "<h1>Robe</h1>" in page
    product.refresh_from_db()
    assert product.title == "Robe"
    assert sorted(product.variants.values_list("sku", flat=True)) == ["R-38", "R-40"]


def test_an_id_of_another_products_variant_is_refused(shop, manager_client):
    other = make_product(shop, "Autre", skus=("O-1",))
    product = make_product(shop, "Robe", skus=("R-38",))
    rows = edit_rows(product)
    rows[0]["id"] = str(other.variants.get().pk)
    response = manager_client.post(
        edit_url(product), product_form_data(initial_count=1, variants=rows)
    )
    assert response.status_code == 200
    assert "is not a variant of this product" in response.content.decode()
    assert other.variants.get().product_id == other.pk


def test_agents_see_the_product_read_only(shop, agent_client):
    product = make_product(shop, "Robe lin", skus=("L-38",), stock=7)
    response = agent_client.get(edit_url(product))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Robe lin" in page and "L-38" in page and "49,90\xa0€" in page
    assert '<form method="post" novalidate id="product-form"' not in page
    assert "Save product" not in page and "Delete product" not in page
    assert "Adjust stock" not in page and "Upload" not in page


def test_agents_cannot_edit(shop, agent_client):
    product = make_product(shop, "Robe")
    data = product_form_data(title="Changed", initial_count=1, variants=edit_rows(product))
    assert agent_client.post(edit_url(product), data).status_code == 403
    product.refresh_from_db()
    assert product.title == "Robe"


def test_another_shops_product_is_not_found(shop, other_shop, owner_client):
    theirs = make_product(other_shop, "Leur robe")
    data = product_form_data(title="Mine now", initial_count=1, variants=edit_rows(theirs))
    assert owner_client.get(edit_url(theirs)).status_code == 404
    assert owner_client.post(edit_url(theirs), data).status_code == 404
    assert owner_client.post(f"{edit_url(theirs)}delete/").status_code == 404
    assert Product.objects.get(pk=theirs.pk).title == "Leur robe"


def test_the_edit_page_stays_under_15_queries(
    shop, manager_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    from catalog.services import variant_stock_adjust_logged

    category_create(shop=shop, name="Robes")
    product = make_product(shop, skus=tuple(f"R-{n}" for n in range(8)))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            image_add(product=product, upload=SimpleUploadedFile("p.jpg", image_bytes()))
    for variant in product.variants.all():
        variant_stock_adjust_logged(variant=variant, delta=1, reason="Received")
    with django_assert_max_num_queries(14):
        response = manager_client.get(edit_url(product))
    assert response.status_code == 200


# --- Deleting a product -------------------------------------------------------------------------


def test_delete_a_product(shop, manager_client, caplog):
    product = make_product(shop, "Robe")
    page = manager_client.get(edit_url(product)).content.decode()
    assert "Delete “Robe” with its 1 variant and 0 images?" in page  # the confirm dialog's text

    response = manager_client.post(f"{edit_url(product)}delete/", follow=True)

    assert response.redirect_chain[-1][0] == LIST
    assert "“Robe” was deleted." in response.content.decode()
    assert not Product.objects.exists() and not Variant.objects.exists()
    assert f"product deleted shop={shop.pk} product={product.pk} title='Robe'" in caplog.text
    assert f"actor={manager_client.user.pk}" in caplog.text


def test_agents_cannot_delete(shop, agent_client):
    product = make_product(shop)
    assert agent_client.post(f"{edit_url(product)}delete/").status_code == 403
    assert Product.objects.exists()
