"""Stock adjusted on the product page: ±N with a reason, one atomic update and its log line
(also for the REST API), errors beside the field, in place with htmx."""

import re

import pytest

from catalog.models import StockAdjustment, Variant
from catalog.services import StockWouldGoNegative, variant_stock_adjust_logged
from tests.conftest import client_for
from tests.dashboard.catalog_helpers import make_product

pytestmark = pytest.mark.django_db


def stock_url(variant) -> str:
    return f"/dashboard/products/{variant.product_id}/variants/{variant.pk}/stock/"


def adjust(client, variant, delta, reason="Received", **headers):
    prefix = f"stock-{variant.pk}"
    return client.post(
        stock_url(variant), {f"{prefix}-delta": delta, f"{prefix}-reason": reason}, **headers
    )


def test_adding_stock_updates_it_and_logs_who_and_why(shop, manager_client):
    variant = make_product(shop, stock=5).variants.get()

    response = adjust(manager_client, variant, "+3", "Livraison fournisseur")

    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/products/{variant.product_id}/#stock"
    variant.refresh_from_db()
    assert variant.stock == 8
    entry = StockAdjustment.objects.get()
    assert (entry.delta, entry.stock_after, entry.reason, entry.source) == (
        3,
        8,
        "Livraison fournisseur",
        "dashboard",
    )
    assert entry.actor == manager_client.user
    page = manager_client.get(response["Location"]).content.decode()
    assert "Stock of 38 (ROBE-38) is now 8." in page
    assert "Livraison fournisseur" in page and manager_client.user.email in page


def test_removing_more_than_there_is_is_an_error_beside_the_field(shop, manager_client):
    variant = make_product(shop, stock=2).variants.get()

    response = adjust(manager_client, variant, "-3", "Damaged")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Only 2 in stock: you can remove at most 2." in page
    assert 'value="-3"' in page  # what was typed stays
    variant.refresh_from_db()
    assert variant.stock == 2
    assert not StockAdjustment.objects.exists()


@pytest.mark.parametrize(
    ("delta", "reason", "message"),
    [
        ("0", "Correction", "other than 0"),
        ("abc", "Correction", "Enter a whole number."),
        ("2", "", "This field is required."),
    ],
)
def test_bad_input_writes_nothing(shop, manager_client, delta, reason, message):
    variant = make_product(shop, stock=2).variants.get()
    response = adjust(manager_client, variant, delta, reason)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Variant.objects.get().stock == 2 and not StockAdjustment.objects.exists()


def test_with_htmx_the_line_and_the_log_change_in_place(shop, manager_client):
    variant = make_product(shop, stock=5).variants.get()

    response = adjust(manager_client, variant, "-2", "Damaged", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    fragment = response.content.decode()
    assert f'id="stock-row-{variant.pk}"' in fragment
    assert "Saved: -2, stock is now 3." in fragment
    assert '<div id="stock-log" hx-swap-oob="true">' in fragment
    assert "<html" not in fragment
    assert Variant.objects.get().stock == 3

    refused = adjust(manager_client, variant, "-9", "Damaged", HTTP_HX_REQUEST="true")
    assert "Only 3 in stock" in refused.content.decode()
    assert Variant.objects.get().stock == 3


def test_the_page_lists_the_latest_adjustments(shop, manager_client):
    variant = make_product(shop, stock=5).variants.get()
    variant_stock_adjust_logged(variant=variant, delta=4, reason="Inventaire", source="import")
    page = manager_client.get(f"/dashboard/products/{variant.product_id}/").content.decode()
    assert "Inventaire" in page and "CSV import" in page and "+4" in page
    assert 'list="stock-reasons"' in page and '<datalist id="stock-reasons">' in page


def test_agents_see_stock_but_cannot_adjust_it(shop, agent_client):
    variant = make_product(shop, stock=5).variants.get()
    page = agent_client.get(f"/dashboard/products/{variant.product_id}/").content.decode()
    assert "in stock" in page and "Adjust stock" not in page
    assert adjust(agent_client, variant, "5").status_code == 403
    assert Variant.objects.get().stock == 5


def test_another_shops_variant_or_a_variant_of_another_product_is_not_found(
    shop, other_shop, manager_client
):
    theirs = make_product(other_shop, skus=("T",)).variants.get()
    mine = make_product(shop, skus=("M",))
    other_of_mine = make_product(shop, "Autre", skus=("A",)).variants.get()

    assert adjust(manager_client, theirs, "5").status_code == 404
    mismatched = f"/dashboard/products/{mine.pk}/variants/{other_of_mine.pk}/stock/"
    response = manager_client.post(
        mismatched,
        {f"stock-{other_of_mine.pk}-delta": "5", f"stock-{other_of_mine.pk}-reason": "x"},
    )
    assert response.status_code == 404
    assert manager_client.get(mismatched).status_code == 404
    assert not StockAdjustment.objects.exists()


def test_the_service_logs_nothing_when_stock_would_go_negative(shop):
    variant = make_product(shop, stock=1).variants.get()
    with pytest.raises(StockWouldGoNegative):
        variant_stock_adjust_logged(variant=variant, delta=-2, reason="Lost")
    assert Variant.objects.get().stock == 1 and not StockAdjustment.objects.exists()


def test_the_api_records_its_adjustments_too(shop):
    api = client_for(shop)
    variant = make_product(shop, stock=5).variants.get()
    url = f"/api/v1/variants/{variant.pk}/stock/"

    assert api.post(url, {"delta": -2}, format="json").json()["stock"] == 3
    assert api.post(url, {"delta": -9}, format="json").status_code == 409

    entry = StockAdjustment.objects.get()
    assert (entry.delta, entry.stock_after, entry.source, entry.actor) == (-2, 3, "api", None)


# --- From the product list ------------------------------------------------------------------


def test_the_list_opens_a_products_stock_lines_in_place(shop, manager_client, agent_client):
    product = make_product(shop, skus=("R-38", "R-40"), stock=4)
    panel_url = f"/dashboard/products/{product.pk}/stock/"

    page = manager_client.get("/dashboard/products/").content.decode()
    assert f'hx-get="{panel_url}"' in page
    assert f'href="/dashboard/products/{product.pk}/#stock"' in page  # without JavaScript
    assert f'<td colspan="8" id="stock-panel-{product.pk}"></td>' in page

    panel = manager_client.get(panel_url, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in panel
    assert panel.count('class="stock-form"') == 2
    assert panel.count('name="in_list" value="1"') == 2

    # Agents read the stock without a form, and get no "Adjust" link in the list.
    assert "stock-form" not in agent_client.get(panel_url).content.decode()
    assert f'hx-get="{panel_url}"' not in agent_client.get("/dashboard/products/").content.decode()


def test_an_adjustment_from_the_list_updates_the_products_total(shop, manager_client):
    product = make_product(shop, skus=("R-38", "R-40"), stock=4)
    variant = product.variants.get(sku="R-40")
    prefix = f"stock-{variant.pk}"

    response = manager_client.post(
        stock_url(variant),
        {f"{prefix}-delta": "-4", f"{prefix}-reason": "Damaged", "in_list": "1"},
        HTTP_HX_REQUEST="true",
    )

    fragment = response.content.decode()
    assert "Saved: -4, stock is now 0." in fragment
    # The product's total (4 + 0) and its badge, swapped out of band into the list's cell.
    total = re.search(
        rf'<span id="stock-total-{product.pk}" hx-swap-oob="true">\s*(\d+)\s*<br>'
        r'<span class="badge badge-bad">([^<]+)</span>',
        fragment,
    )
    assert total and total.groups() == ("4", "1 sold out")
    assert "stock-log" not in fragment  # the list has no log to update
    assert StockAdjustment.objects.get().stock_after == 0
