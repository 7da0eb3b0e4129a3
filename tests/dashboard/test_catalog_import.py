"""The catalog CSV import in the dashboard: upload → preview (nothing written) → confirm → the
task applies it product by product → progress and the per-row error report."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog import imports
from catalog.models import (
    CatalogImport,
    Category,
    ImportStatus,
    Product,
    StockAdjustment,
    Variant,
)
from catalog.selectors import product_list
from catalog.services import category_create, product_create
from shops.models import Role
from tests.dashboard.conftest import member, signed_in

START = reverse("dashboard:import_start")

HEADER = (
    "product_ref;title;description;category;active;tags;sku;variant_name;"
    "option1_name;option1_value;price;stock;track_stock"
)


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def upload(client, text: str, name: str = "produits.csv"):
    file = SimpleUploadedFile(name, text.encode("utf-8-sig"), content_type="text/csv")
    return client.post(START, {"file": file})


def uploaded(client, text: str, name: str = "produits.csv") -> CatalogImport:
    response = upload(client, text, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return CatalogImport.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[1])


def run(client, catalog_import, capture) -> CatalogImport:
    with capture(execute=True):
        response = client.post(reverse("dashboard:import_run", args=[catalog_import.pk]))
    assert response.status_code == 302
    catalog_import.refresh_from_db()
    return catalog_import


def detail(client, catalog_import) -> str:
    response = client.get(reverse("dashboard:import_detail", args=[catalog_import.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def robe(shop):
    category = category_create(shop=shop, name="Robes")
    return product_create(
        shop=shop,
        title="Robe portefeuille",
        description="Lin rouge.",
        category=category,
        tags=["lin"],
        variants=[
            {
                "sku": "ROBE-38",
                "name": "Rouge 38",
                "options": {"taille": "38"},
                "price": 4990,
                "stock": 5,
            },
            {
                "sku": "ROBE-40",
                "name": "Rouge 40",
                "options": {"taille": "40"},
                "price": 4990,
                "stock": 2,
            },
        ],
    )


def robe_rows(robe, *, price_38="49,90", stock_38="5", title="Robe portefeuille") -> list[str]:
    return [
        f"{robe.pk};{title};Lin rouge.;Robes;yes;lin;ROBE-38;Rouge 38;taille;38;{price_38};"
        f"{stock_38};yes",
        f"{robe.pk};{title};Lin rouge.;Robes;yes;lin;ROBE-40;Rouge 40;taille;40;49,90;2;yes",
    ]


NEW_PRODUCT = [
    "ech;Écharpe soie;Douce.;Accessoires;yes;soie, été;ECH-1;Bleue;couleur;bleu;19,90;10;yes",
    "ech;Écharpe soie;;;;;ECH-2;Verte;couleur;vert;19,90;0;yes",
]


# --- Upload and preview --------------------------------------------------------------------


def test_the_preview_shows_what_will_change_and_writes_nothing(manager_client, robe):
    text = csv_text(*robe_rows(robe, price_38="54,90", stock_38="7"), *NEW_PRODUCT)
    catalog_import = uploaded(manager_client, text)

    assert catalog_import.status == ImportStatus.PREVIEWED
    assert (catalog_import.products_created, catalog_import.created_count) == (1, 2)
    assert (catalog_import.updated_count, catalog_import.unchanged_count) == (1, 1)
    page = detail(manager_client, catalog_import)
    assert "What this file will do" in page
    assert "price:</span> 49,90\xa0€ → <strong>54,90\xa0€</strong>" in page
    assert "stock:</span> 5 → <strong>7</strong>" in page
    assert "New product" in page and "Écharpe soie" in page
    assert "Bleue · 19,90\xa0€ · stock 10" in page
    assert "New category: Accessoires." in page
    # Nothing written yet.
    assert Variant.objects.get(sku="ROBE-38").price == 4990
    assert not Product.objects.filter(title="Écharpe soie").exists()
    assert not Category.objects.filter(name="Accessoires").exists()
    assert not StockAdjustment.objects.exists()


def test_the_preview_lists_every_row_error_with_spreadsheet_row_numbers(manager_client, robe):
    text = csv_text(
        *NEW_PRODUCT,
        "top;Top;;;;;TOP-1;S;;;douze;1;yes",
        "top;Top;;;;;TOP-2;M;;;12;-1;yes",
    )
    catalog_import = uploaded(manager_client, text)
    page = detail(manager_client, catalog_import)

    errors = [(e["row"], e["column"]) for e in catalog_import.errors]
    assert errors == [(4, "price"), (5, "stock")]
    assert "Enter an amount, such as 24,90. You wrote “douze”." in page
    assert '<td class="num">4</td><td>price</td>' in page
    assert catalog_import.skipped_count == 2
    assert catalog_import.products_created == 1
    assert "Import the rows without errors" in page


def test_an_unreadable_file_is_a_form_error_and_stores_nothing(manager_client):
    response = upload(manager_client, "sku,colour\nA,red\n")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="field has-error"' in page
    assert "Unknown column colour" in page
    assert not CatalogImport.objects.exists()


def test_no_file_chosen(manager_client):
    page = manager_client.post(START, {}).content.decode()
    assert 'class="field has-error"' in page
    assert "This field is required." in page


def test_a_file_over_the_limit_is_refused_before_reading(manager_client, monkeypatch):
    from catalog import csv_format

    monkeypatch.setattr(csv_format, "MAX_FILE_BYTES", 1024 * 1024)
    response = upload(manager_client, "sku\n" + "A\n" * 600_000)
    assert "an import takes at most 1 MB" in response.content.decode()
    assert not CatalogImport.objects.exists()


def test_a_file_with_only_errors_offers_no_import(manager_client):
    catalog_import = uploaded(manager_client, csv_text(";Top;;;;;TOP-1;S;;;;1;yes"))
    page = detail(manager_client, catalog_import)
    assert "A new variant needs a price." in page
    assert "Nothing can be imported from this file" in page
    assert reverse("dashboard:import_run", args=[catalog_import.pk]) not in page


# --- Applying ------------------------------------------------------------------------------


def test_confirming_applies_the_file(
    manager_client, robe, shop, django_capture_on_commit_callbacks
):
    text = csv_text(*robe_rows(robe, price_38="54,90", stock_38="7"), *NEW_PRODUCT)
    catalog_import = run(
        manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks
    )

    assert catalog_import.status == ImportStatus.DONE
    assert catalog_import.processed_rows == catalog_import.total_rows == 4
    assert (catalog_import.products_created, catalog_import.created_count) == (1, 2)
    assert (catalog_import.updated_count, catalog_import.unchanged_count) == (1, 1)
    assert catalog_import.errors == []

    robe_38 = Variant.objects.get(sku="ROBE-38")
    assert (robe_38.price, robe_38.stock) == (5490, 7)
    scarf = Product.objects.get(title="Écharpe soie")
    assert scarf.category.name == "Accessoires"
    assert scarf.tags == ["soie", "été"]
    assert scarf.description == "Douce."
    assert [(v.sku, v.name, v.options, v.price, v.stock) for v in scarf.variants.all()] == [
        ("ECH-1", "Bleue", {"couleur": "bleu"}, 1990, 10),
        ("ECH-2", "Verte", {"couleur": "vert"}, 1990, 0),
    ]
    # Through the services: the search document knows the new product.
    assert list(product_list(shop=shop, query="echarpe")) == [scarf]
    # Stock changes are logged as coming from the import, by the person who confirmed.
    logged = {
        (a.variant.sku, a.delta, a.stock_after, a.source, a.actor_id)
        for a in StockAdjustment.objects.select_related("variant")
    }
    user_id = manager_client.user.pk
    assert logged == {
        ("ROBE-38", 2, 7, "import", user_id),
        ("ECH-1", 10, 10, "import", user_id),
    }
    page = detail(manager_client, catalog_import)
    assert "Import finished" in page
    assert 'value="4" max="4"' in page
    assert "hx-trigger" not in page


def test_the_same_file_twice_changes_nothing(
    manager_client, robe, django_capture_on_commit_callbacks
):
    text = csv_text(*robe_rows(robe, price_38="54,90"), *NEW_PRODUCT)
    run(manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks)
    products = {p.pk: p.updated_at for p in Product.objects.all()}
    variants = {v.pk: v.updated_at for v in Variant.objects.all()}
    adjustments = StockAdjustment.objects.count()

    second = uploaded(manager_client, text)
    assert (second.products_created, second.created_count, second.updated_count) == (0, 0, 0)
    assert second.unchanged_count == 4
    second = run(manager_client, second, django_capture_on_commit_callbacks)

    assert (second.created_count, second.updated_count, second.unchanged_count) == (0, 0, 4)
    assert {p.pk: p.updated_at for p in Product.objects.all()} == products
    assert {v.pk: v.updated_at for v in Variant.objects.all()} == variants
    assert StockAdjustment.objects.count() == adjustments
    assert Product.objects.filter(title="Écharpe soie").count() == 1


def test_a_product_with_one_bad_row_is_skipped_entirely_and_the_others_import(
    manager_client, robe, django_capture_on_commit_callbacks
):
    text = csv_text(
        *NEW_PRODUCT,
        "top;Top lin;;Hauts;;;TOP-S;S;taille;S;29,90;3;yes",
        "top;Top lin;;;;;TOP-M;M;taille;M;vingt;3;yes",
        "top;Top lin;;;;;TOP-L;L;taille;L;29,90;3;yes",
        *robe_rows(robe, price_38="51,00"),
    )
    catalog_import = run(
        manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks
    )

    assert not Product.objects.filter(title="Top lin").exists()
    assert not Variant.objects.filter(sku__startswith="TOP-").exists()
    assert not Category.objects.filter(name="Hauts").exists()
    assert Product.objects.filter(title="Écharpe soie").exists()
    assert Variant.objects.get(sku="ROBE-38").price == 5100
    assert catalog_import.skipped_count == 3
    assert [(e["row"], e["column"]) for e in catalog_import.errors] == [
        (4, ""),
        (5, "price"),
        (6, ""),
    ]
    assert "row 5 of the same product has an error" in catalog_import.errors[0]["message"]

    page = detail(manager_client, catalog_import)
    assert "Rows with errors" in page
    assert "You wrote “vingt”" in page
    report = manager_client.get(reverse("dashboard:import_errors", args=[catalog_import.pk]))
    assert report["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert lines[0] == ["row", "column", "message"]
    assert lines[2][:2] == ["5", "price"]
    assert "vingt" in lines[2][2]


def test_a_partial_file_changes_only_its_columns(
    manager_client, robe, django_capture_on_commit_callbacks
):
    text = "sku,stock\r\nROBE-40,9\r\n"
    catalog_import = run(
        manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks
    )
    assert catalog_import.updated_count == 1
    robe.refresh_from_db()
    variant = Variant.objects.get(sku="ROBE-40")
    assert (variant.stock, variant.price, variant.name) == (9, 4990, "Rouge 40")
    assert robe.title == "Robe portefeuille" and robe.tags == ["lin"]
    assert Variant.objects.filter(product=robe).count() == 2


def test_a_new_sku_with_the_product_ref_adds_a_variant_and_keeps_the_others(
    manager_client, robe, django_capture_on_commit_callbacks
):
    text = csv_text(f"{robe.pk};;;;;;ROBE-42;Rouge 42;taille;42;49,90;1;yes")
    catalog_import = run(
        manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks
    )
    assert catalog_import.created_count == 1
    assert list(robe.variants.values_list("sku", "position")) == [
        ("ROBE-38", 0),
        ("ROBE-40", 1),
        ("ROBE-42", 2),
    ]


def test_a_new_sku_under_an_existing_title_joins_that_product(
    manager_client, robe, django_capture_on_commit_callbacks
):
    text = "title,sku,price\r\nRobe portefeuille,ROBE-44,49.90\r\n"
    run(manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks)
    assert Variant.objects.get(sku="ROBE-44").product == robe
    assert Product.objects.count() == 1


def test_a_sku_of_another_product_under_one_ref_is_an_error(manager_client, robe, shop):
    other = product_create(
        shop=shop, title="Jupe", variants=[{"sku": "JUPE-1", "name": "S", "price": 100}]
    )
    text = csv_text(
        f"{robe.pk};Robe portefeuille;;;;;ROBE-38;Rouge 38;;;49,90;5;yes",
        f"{robe.pk};Robe portefeuille;;;;;JUPE-1;S;;;1,00;0;yes",
    )
    catalog_import = uploaded(manager_client, text)
    assert catalog_import.errors[1] == {
        "row": 3,
        "column": "sku",
        "message": f"SKU “JUPE-1” belongs to product {other.pk}, not to product {robe.pk} "
        "like the other rows of this product.",
    }
    assert catalog_import.skipped_count == 2


def test_a_new_variant_without_a_name_is_named_after_its_options_or_the_title(
    manager_client, django_capture_on_commit_callbacks
):
    long_title = "T" * 200
    text = csv_text(
        "p;Robe;;;;;R-1;;taille;38;10;1;yes",
        f"q;{long_title};;;;;Q-1;;;;10;1;yes",
    )
    run(manager_client, uploaded(manager_client, text), django_capture_on_commit_callbacks)
    assert Variant.objects.get(sku="R-1").name == "38"
    assert Variant.objects.get(sku="Q-1").name == "T" * 120


def test_a_row_without_sku_title_or_reference_is_an_error(manager_client):
    text = "sku,title,price\r\nNEW-1,,10\r\n"
    catalog_import = uploaded(manager_client, text)
    assert catalog_import.errors == [
        {"row": 2, "column": "title", "message": "A new product needs a title."}
    ]


def test_a_sku_twice_in_the_file_is_an_error(manager_client):
    text = "title,sku,price\r\nA,X-1,1\r\nB,X-1,2\r\n"
    catalog_import = uploaded(manager_client, text)
    assert catalog_import.errors == [
        {"row": 3, "column": "sku", "message": "SKU “X-1” is also on row 2; SKUs are unique."}
    ]


def test_differing_product_cells_on_rows_of_one_product_are_an_error(manager_client):
    text = csv_text(
        "p;Robe;Lin.;;;;R-1;S;;;10;1;yes",
        "p;Robe;Coton.;;;;R-2;M;;;10;1;yes",
    )
    catalog_import = uploaded(manager_client, text)
    assert [(e["row"], e["column"]) for e in catalog_import.errors] == [(2, ""), (3, "description")]


def test_confirming_twice_runs_once(manager_client, robe, django_capture_on_commit_callbacks):
    catalog_import = uploaded(manager_client, csv_text(*NEW_PRODUCT))
    run(manager_client, catalog_import, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = manager_client.post(
            reverse("dashboard:import_run", args=[catalog_import.pk]), follow=True
        )
    assert callbacks == []
    assert "This import has already been started." in response.content.decode()
    assert Product.objects.filter(title="Écharpe soie").count() == 1


def test_an_import_that_stops_is_marked_failed_and_can_be_run_again(
    manager_client, robe, django_capture_on_commit_callbacks, monkeypatch
):
    text = csv_text(*NEW_PRODUCT, *robe_rows(robe, price_38="54,90"))
    catalog_import = uploaded(manager_client, text)
    original = imports._apply_group
    calls = []

    def crash_on_second(group, *args):
        calls.append(group)
        if len(calls) == 2:
            raise RuntimeError("worker lost its database")
        return original(group, *args)

    monkeypatch.setattr(imports, "_apply_group", crash_on_second)
    catalog_import = run(manager_client, catalog_import, django_capture_on_commit_callbacks)
    assert catalog_import.status == ImportStatus.FAILED
    assert catalog_import.processed_rows == 2
    assert Product.objects.filter(title="Écharpe soie").exists()
    page = detail(manager_client, catalog_import)
    assert "The import stopped unexpectedly after 2 rows" in page
    assert "Run it again" in page

    monkeypatch.setattr(imports, "_apply_group", original)
    catalog_import = run(manager_client, catalog_import, django_capture_on_commit_callbacks)
    assert catalog_import.status == ImportStatus.DONE
    assert (catalog_import.created_count, catalog_import.updated_count) == (0, 1)
    assert catalog_import.unchanged_count == 3
    assert Product.objects.filter(title="Écharpe soie").count() == 1
    assert Variant.objects.get(sku="ROBE-38").price == 5490


# --- Progress ------------------------------------------------------------------------------


def test_the_progress_partial_polls_while_running_and_stops_when_done(manager_client, shop):
    catalog_import = CatalogImport.objects.create(
        shop=shop,
        file_name="big.csv",
        content="sku\n",
        status=ImportStatus.RUNNING,
        total_rows=10,
        processed_rows=3,
    )
    url = reverse("dashboard:import_progress", args=[catalog_import.pk])

    running = manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert f'hx-get="{url}" hx-trigger="every 1s" hx-swap="outerHTML"' in running
    assert '<progress id="import-progress-bar" value="3" max="10"' in running
    assert "3 of 10 rows processed" in running
    assert "<html" not in running  # the partial alone
    assert 'hx-trigger="every 1s"' in detail(manager_client, catalog_import)

    CatalogImport.objects.filter(pk=catalog_import.pk).update(
        status=ImportStatus.DONE, processed_rows=10, updated_count=10
    )
    done = manager_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in done and "hx-get" not in done
    assert 'value="10" max="10"' in done
    assert "Import finished" in done


# --- Past imports, roles, other shops --------------------------------------------------------


def test_past_imports_are_listed(manager_client, shop):
    catalog_import = uploaded(manager_client, csv_text(*NEW_PRODUCT), name="printemps.csv")
    page = manager_client.get(START).content.decode()
    assert "printemps.csv" in page
    assert manager_client.user.email in page
    assert reverse("dashboard:import_detail", args=[catalog_import.pk]) in page
    assert "Ready to import" in page


def test_the_import_list_query_count_stays_flat(
    manager_client, shop, django_assert_max_num_queries
):
    def add(n):
        CatalogImport.objects.bulk_create(
            CatalogImport(
                shop=shop,
                file_name=f"f{i}.csv",
                content="sku\n",
                status=ImportStatus.DONE,
                created_by=manager_client.user,
            )
            for i in range(n)
        )

    add(2)
    with django_assert_max_num_queries(14) as few:
        assert manager_client.get(START).status_code == 200
    add(40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(START)
    page = response.content.decode()
    assert page.count(".csv</td>") == 25
    assert "Page 1 of 2" in page


def test_agents_cannot_import(agent_client, shop):
    assert agent_client.get(START).status_code == 403
    response = agent_client.post(
        START, {"file": SimpleUploadedFile("a.csv", b"sku\nA\n", content_type="text/csv")}
    )
    assert response.status_code == 403
    catalog_import = CatalogImport.objects.create(shop=shop, file_name="x.csv", content="")
    for name in ("import_detail", "import_run", "import_progress", "import_errors"):
        assert (
            agent_client.get(reverse(f"dashboard:{name}", args=[catalog_import.pk])).status_code
            == 403
        )
    assert (
        agent_client.post(reverse("dashboard:import_run", args=[catalog_import.pk])).status_code
        == 403
    )


def test_owners_can_import(owner_client):
    assert owner_client.get(START).status_code == 200


def test_another_shops_import_is_not_found(manager_client, other_shop):
    theirs = CatalogImport.objects.create(
        shop=other_shop, file_name="theirs.csv", content="sku\n", status=ImportStatus.PREVIEWED
    )
    for name in ("import_detail", "import_progress", "import_errors", "import_run"):
        url = reverse(f"dashboard:{name}", args=[theirs.pk])
        assert manager_client.get(url).status_code == 404
    assert manager_client.post(reverse("dashboard:import_run", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.PREVIEWED
    assert "theirs.csv" not in manager_client.get(START).content.decode()


def test_the_import_uses_the_current_shops_currency(make_shop, django_capture_on_commit_callbacks):
    yen_shop = make_shop("Kyoto", currency="JPY", language="en")
    client = signed_in(member(yen_shop, Role.MANAGER))
    catalog_import = uploaded(client, "title,sku,price\r\nTenugui,TE-1,1500\r\n")
    run(client, catalog_import, django_capture_on_commit_callbacks)
    assert Variant.objects.get(sku="TE-1").price == 1500


def test_the_import_pages_stay_under_the_query_budget(
    manager_client, robe, django_assert_max_num_queries
):
    rows = [f"n{i};Nouveau {i};;Cat {i};yes;;N-{i};V;;;1{i},00;{i};yes" for i in range(60)]
    catalog_import = uploaded(manager_client, csv_text(*rows, "bad;Bad;;;;;B-1;;;;x;1;yes"))
    assert catalog_import.summary["changes_total"] == 60
    with django_assert_max_num_queries(14):
        page = detail(manager_client, catalog_import)
    assert page.count('<td class="num">') >= 50
    url = reverse("dashboard:import_progress", args=[catalog_import.pk])
    with django_assert_max_num_queries(14):
        manager_client.get(url)


def test_file_contents_are_escaped_on_the_pages(manager_client):
    catalog_import = uploaded(
        manager_client,
        csv_text(
            "x;<script>alert(1)</script>;;;;;<b>SKU</b>;;;;1;1;yes",
            "y;Autre;;;;;Y-1;;;;<i>cher</i>;1;yes",
        ),
        name="<img src=x>.csv",
    )
    page = detail(manager_client, catalog_import)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>SKU</b>" not in page and "&lt;b&gt;SKU&lt;/b&gt;" in page
    assert "<i>cher</i>" not in page and "You wrote “&lt;i&gt;cher&lt;/i&gt;”" in page
    assert "<img src=x>" not in page and "&lt;img src=x&gt;.csv" in page
