"""A manager imports a catalog CSV in a real browser: signs in, uploads a file with one bad
row, reads the preview naming it, confirms, watches the progress reach the end and reads the
error report. Then the progress bar's htmx polling, against the page's strict CSP."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import CatalogImport, ImportStatus, Product, Variant
from catalog.services import product_create
from shops.models import Role
from tests.browser.dashboard import signed_in_member

CSV = "\r\n".join(
    [
        "product_ref;title;category;sku;variant_name;option1_name;option1_value;price;stock",
        "ech;Écharpe soie;Accessoires;ECH-1;Bleue;couleur;bleu;19,90;10",
        "ech;Écharpe soie;Accessoires;ECH-2;Verte;couleur;vert;19,90;4",
        "top;Top lin;Hauts;TOP-S;S;taille;S;29,90;3",
        "top;Top lin;Hauts;TOP-M;M;taille;M;vingt-neuf;3",
        "{robe};Robe portefeuille;;ROBE-38;Rouge 38;taille;38;54,90;7",
    ]
)


@pytest.fixture
def manager_page(page: Page, live_server, shop, console_errors):
    """A manager of Maison Rouge, signed in through the sign-in page."""
    return signed_in_member(page, live_server.url, shop, Role.MANAGER, console_errors)


def test_a_manager_imports_a_file_with_one_bad_row(manager_page: Page, live_server, shop, tmp_path):
    page = manager_page
    robe = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[
            {
                "sku": "ROBE-38",
                "name": "Rouge 38",
                "options": {"taille": "38"},
                "price": 4990,
                "stock": 5,
            }
        ],
    )
    path = tmp_path / "catalogue.csv"
    path.write_bytes(CSV.format(robe=robe.pk).encode("utf-8-sig"))

    page.get_by_role("link", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Import products")).to_be_visible()
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    # The preview: what will change, and the bad row by its spreadsheet number and column.
    expect(page.get_by_role("heading", name="What this file will do")).to_be_visible()
    errors = page.locator("table.errors tbody tr")
    expect(errors.filter(has_text="You wrote “vingt-neuf”")).to_have_text(
        "5priceEnter an amount, such as 24,90. You wrote “vingt-neuf”."
    )
    expect(errors.filter(has_text="Not imported")).to_contain_text("4")
    expect(page.get_by_text("49,90\xa0€ → 54,90\xa0€")).to_be_visible()
    assert not Product.objects.filter(title="Écharpe soie").exists()  # nothing written yet
    page.screenshot(path="/tmp/import-preview.png", full_page=True)

    page.get_by_role("button", name="Import the rows without errors").click()

    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    bar = page.locator("progress#import-progress-bar")
    expect(bar).to_have_attribute("max", "5")
    expect(bar).to_have_attribute("value", "5")
    expect(page.get_by_text("5 of 5 rows processed")).to_be_visible()
    report = page.locator("table.errors tbody tr")
    expect(report.filter(has_text="vingt-neuf")).to_contain_text("5price")
    expect(page.get_by_role("link", name="Download the error report (CSV)")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path="/tmp/import-done-phone.png", full_page=True)

    # Nothing of the bad row's product; the good ones imported.
    assert not Product.objects.filter(title="Top lin").exists()
    assert not Variant.objects.filter(sku__startswith="TOP-").exists()
    assert Product.objects.get(title="Écharpe soie").variants.count() == 2
    assert Variant.objects.get(sku="ROBE-38").price == 5490
    assert CatalogImport.objects.get().status == ImportStatus.DONE


def test_the_progress_bar_follows_a_running_import_and_stops_polling(
    manager_page: Page, live_server, shop
):
    page = manager_page
    catalog_import = CatalogImport.objects.create(
        shop=shop,
        file_name="gros.csv",
        content="sku\n",
        status=ImportStatus.RUNNING,
        total_rows=200,
        processed_rows=50,
    )
    polls: list[str] = []
    page.on("request", lambda request: "/progress/" in request.url and polls.append(request.url))
    page.goto(f"{live_server.url}/dashboard/catalog/import/{catalog_import.pk}/")
    bar = page.locator("progress#import-progress-bar")
    expect(bar).to_have_attribute("value", "50")

    CatalogImport.objects.filter(pk=catalog_import.pk).update(processed_rows=120)
    expect(bar).to_have_attribute("value", "120")
    CatalogImport.objects.filter(pk=catalog_import.pk).update(
        processed_rows=200, status=ImportStatus.DONE, updated_count=200
    )
    expect(page.get_by_role("heading", name="Import finished")).to_be_visible()
    expect(bar).to_have_attribute("value", "200")
    settled = len(polls)
    page.wait_for_timeout(2500)
    assert len(polls) == settled  # the final panel has no trigger: polling stopped
