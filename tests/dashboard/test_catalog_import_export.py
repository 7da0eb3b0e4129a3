"""The product list exported as CSV, in the import's format: filtered like the list, safe to
open in a spreadsheet, and imported back unchanged."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.csv_format import columns_for
from catalog.models import CatalogImport, Product, Variant
from catalog.services import category_create, product_create

EXPORT = reverse("dashboard:product_export")
# The `shop` fixture writes in French and offers English: its file has title_en and
# description_en, no title_fr (nor the Chinese it does not offer).
COLUMNS = columns_for("fr", offered=("en",))


def exported(client, **params) -> tuple[bytes, list[list[str]]]:
    response = client.get(EXPORT, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="maison-rouge-products-'
    )
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    text = body.decode("utf-8-sig")
    return body, list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def catalog(shop):
    robes = category_create(shop=shop, name="Robes")
    robe = product_create(
        shop=shop,
        title="Robe portefeuille",
        description="Lin rouge.\nLavable à 30°.",
        category=robes,
        tags=["lin", "été"],
        variants=[
            {
                "sku": "ROBE-38",
                "name": "Rouge 38",
                "options": {"taille": "38", "couleur": "rouge"},
                "price": 4990,
                "stock": 5,
            },
            {
                "sku": "ROBE-40",
                "name": "Rouge 40",
                "options": {"taille": "40", "couleur": "rouge"},
                "price": 123456,
                "stock": 0,
                "track_stock": False,
            },
        ],
    )
    sneaky = product_create(
        shop=shop,
        title='=HYPERLINK("http://evil.example","Click")',
        description="+33 1 23 45 67 89",
        active=False,
        variants=[{"sku": "@SUM(A1)", "name": "-20% promo", "price": 100, "stock": 1}],
    )
    empty = product_create(shop=shop, title="Bientôt", description="")
    return robe, sneaky, empty


def test_the_export_is_the_import_format_one_row_per_variant(agent_client, catalog):
    robe, _sneaky, empty = catalog
    _, rows = exported(agent_client, sort="created_at")  # agents may read the catalog
    assert rows[0] == list(COLUMNS)
    by_sku = {row[COLUMNS.index("sku")]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    assert by_sku["ROBE-38"] == {
        "product_ref": str(robe.pk),
        "title": "Robe portefeuille",
        "description": "Lin rouge.\nLavable à 30°.",
        "category": "Robes",
        "active": "yes",
        "tags": "lin, été",
        "sku": "ROBE-38",
        "variant_name": "Rouge 38",
        "option1_name": "taille",
        "option1_value": "38",
        "option2_name": "couleur",
        "option2_value": "rouge",
        "option3_name": "",
        "option3_value": "",
        "price": "49,90",
        "stock": "5",
        "track_stock": "yes",
        "title_en": "",
        "description_en": "",
        "variant_name_en": "",
    }
    assert by_sku["ROBE-40"]["price"] == "1234,56"
    assert by_sku["ROBE-40"]["track_stock"] == "no"
    # A product without variants still has its row (no SKU).
    assert by_sku[""]["product_ref"] == str(empty.pk)
    assert len(rows) == 1 + 4


def test_formula_like_cells_are_escaped(owner_client, catalog):
    body, rows = exported(owner_client, active="no")
    (row,) = rows[1:]
    cells = dict(zip(COLUMNS, row, strict=True))
    assert cells["title"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert cells["description"] == "'+33 1 23 45 67 89"
    assert cells["sku"] == "'@SUM(A1)"
    assert cells["variant_name"] == "'-20% promo"
    assert cells["active"] == "no"
    assert b";=HYPERLINK" not in body and b'"=HYPERLINK' not in body


def test_the_export_follows_the_list_filters(owner_client, catalog):
    _, rows = exported(owner_client, q="robe")
    assert {row[COLUMNS.index("sku")] for row in rows[1:]} == {"ROBE-38", "ROBE-40"}
    _, rows = exported(owner_client, active="no")
    assert [row[COLUMNS.index("title")] for row in rows[1:]] == [
        '\'=HYPERLINK("http://evil.example","Click")'
    ]


def test_an_unchanged_export_imports_back_unchanged(
    manager_client, catalog, django_capture_on_commit_callbacks
):
    body, _ = exported(manager_client)
    before = {v.pk: (v.updated_at, v.price, v.stock, v.options) for v in Variant.objects.all()}
    products = {p.pk: (p.updated_at, p.title, p.description) for p in Product.objects.all()}

    response = manager_client.post(
        reverse("dashboard:import_start"),
        {"file": SimpleUploadedFile("export.csv", body, content_type="text/csv")},
    )
    assert response.status_code == 302
    catalog_import = CatalogImport.objects.get()
    assert catalog_import.errors == []
    assert (catalog_import.created_count, catalog_import.updated_count) == (0, 0)
    assert catalog_import.unchanged_count == 4
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("dashboard:import_run", args=[catalog_import.pk]))
    catalog_import.refresh_from_db()
    assert (catalog_import.created_count, catalog_import.updated_count) == (0, 0)
    assert catalog_import.unchanged_count == 4
    after = {v.pk: (v.updated_at, v.price, v.stock, v.options) for v in Variant.objects.all()}
    assert after == before
    assert {p.pk: (p.updated_at, p.title, p.description) for p in Product.objects.all()} == products


def test_an_edited_export_changes_what_was_edited(
    manager_client, catalog, django_capture_on_commit_callbacks
):
    _, rows = exported(manager_client)
    sku, price = COLUMNS.index("sku"), COLUMNS.index("price")
    for row in rows[1:]:
        if row[sku] == "ROBE-38":
            row[price] = "59,90"
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    response = manager_client.post(
        reverse("dashboard:import_start"),
        {"file": SimpleUploadedFile("e.csv", buffer.getvalue().encode(), content_type="text/csv")},
    )
    catalog_import = CatalogImport.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])
    assert (catalog_import.updated_count, catalog_import.unchanged_count) == (1, 3)
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("dashboard:import_run", args=[catalog_import.pk]))
    assert Variant.objects.get(sku="ROBE-38").price == 5990
    assert Variant.objects.get(sku="ROBE-40").price == 123456


def test_english_shops_export_with_commas_and_dot_prices(make_shop, dashboard_client):
    shop = make_shop("Blue Shop", currency="USD", language="en")
    product_create(shop=shop, title="Cap", variants=[{"sku": "CAP", "name": "One", "price": 1250}])
    client = dashboard_client("agent", of=shop)
    text = b"".join(client.get(EXPORT).streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][COLUMNS.index("price")] == "12.50"


def test_the_export_query_count_stays_flat(owner_client, shop, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            product_create(
                shop=shop,
                title=f"P{i}",
                variants=[{"sku": f"S{i}-{n}-{j}", "name": "x", "price": 1} for j in range(2)],
            )

    add(2)
    with django_assert_max_num_queries(14) as few:
        b"".join(owner_client.get(EXPORT).streaming_content)
    add(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = b"".join(owner_client.get(EXPORT).streaming_content)
    assert body.count(b"\r\n") == 1 + 2 * 32
