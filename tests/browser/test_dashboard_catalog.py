"""An owner adds a product in a real browser, and a shopper finds it in the web chat.

The owner signs in through the sign-in page, opens Products → New, types a product with two
variants (prices as a French person writes them, "24,90"), picks an image (previewed before
upload), saves, adjusts a stock in place (htmx), finds the product in the list and adjusts a
stock from there too. Then a shopper on a phone opens the shop's web chat, browses the
category and searches, and sees the product's card with its price and picture. No page logs
an error (CSP violations would)."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product, StockAdjustment
from catalog.services import category_create
from shops.models import Role
from tests.browser.dashboard import signed_in_member, watch_console
from tests.conftest import image_bytes

TITLE = "Robe lin lavé"


@pytest.fixture
def owner_page(page: Page, live_server, shop, console_errors):
    return signed_in_member(
        page, live_server.url, shop, Role.OWNER, console_errors, email="lea@maison-rouge.example"
    )


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name=name).click()


def fill_variant(page: Page, index: int, *, name: str, sku: str, price: str, stock: str):
    row = page.locator("#variants-rows .variant-row").nth(index)
    row.get_by_label("Name", exact=True).fill(name)
    row.get_by_label("SKU").fill(sku)
    row.get_by_label("Price").fill(price)
    row.get_by_label("Options").fill(f"taille={name}")
    row.get_by_label("Stock", exact=True).fill(stock)


def test_an_owner_adds_a_product_that_shoppers_then_find_in_the_chat(
    owner_page: Page, live_server, shop, settings, browser, playwright, console_errors, tmp_path
):
    settings.SOUK_PUBLIC_URL = live_server.url  # cards' images are fetched from the live server
    category_create(shop=shop, name="Robes")
    picture = tmp_path / "robe-lin.jpg"
    picture.write_bytes(image_bytes(size=(900, 1200), color=(190, 160, 120)))
    page = owner_page

    # Products → New
    menu(page, "Products")
    expect(page.get_by_role("heading", name="Products")).to_be_visible()
    page.get_by_role("link", name="New product").click()
    expect(page.get_by_role("heading", name="New product")).to_be_visible()

    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description", exact=True).fill("Lin lavé, coupe ample.")
    page.get_by_label("Category").select_option(label="Robes")
    page.get_by_label("Tags").fill("lin, été")
    fill_variant(page, 0, name="38", sku="LIN-38", price="24,90", stock="3")
    page.get_by_role("button", name="Add a variant").click()
    expect(page.locator("#variants-rows .variant-row")).to_have_count(2)
    expect(page.locator("#id_variants-1-name")).to_be_focused()  # the new row takes the focus
    fill_variant(page, 1, name="40", sku="LIN-40", price="24,90", stock="0")

    page.get_by_label("Choose images").set_input_files(str(picture))
    expect(page.locator("#new-image-preview img")).to_have_count(1)  # shown before upload
    page.get_by_role("button", name="Create product").click()

    # The product's page: saved, with its image cut into a thumbnail.
    expect(page.get_by_text(f"“{TITLE}” was created.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    thumbnail = page.locator("#images img.image-thumb")
    expect(thumbnail).to_have_count(1)
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    product = Product.objects.get(title=TITLE)
    assert sorted(product.variants.values_list("sku", "price", "stock")) == [
        ("LIN-38", 2490, 3),
        ("LIN-40", 2490, 0),
    ]

    # Stock adjusted in place: the line and the log change without a page load.
    stock = page.locator(f"#stock-row-{product.variants.get(sku='LIN-40').pk}")
    stock.get_by_label("Adjust by").fill("2")
    stock.get_by_label("Reason").fill("Received")
    stock.get_by_role("button", name="Adjust stock").click()
    expect(stock.get_by_text("Saved: +2, stock is now 2.")).to_be_visible()
    expect(page.locator("#stock-log")).to_contain_text("Received")
    assert StockAdjustment.objects.get().actor.email == "lea@maison-rouge.example"

    # The list shows it, with its price.
    menu(page, "Products")
    row = page.locator("table.products tbody tr", has_text=TITLE)
    expect(row).to_contain_text("24,90\xa0€")
    expect(row).to_contain_text("Robes")
    expect(row.locator("img.thumb")).to_be_visible()
    expect(row.locator(f"#stock-total-{product.pk}")).to_contain_text("5")

    # …and adjusts a stock from the list: the lines open under the row, the total follows.
    row.get_by_role("link", name="Adjust").click()
    panel = page.locator(f"#stock-panel-{product.pk}")
    line = panel.locator(".stock-row", has_text="LIN-38")
    line.get_by_label("Adjust by").fill("-3")
    line.get_by_label("Reason").fill("Damaged")
    line.get_by_role("button", name="Adjust stock").click()
    expect(line.get_by_text("Saved: -3, stock is now 0.")).to_be_visible()
    expect(row.locator(f"#stock-total-{product.pk}")).to_contain_text("1 sold out")
    page.screenshot(path="/tmp/dashboard-products.png", full_page=True)
    panel.get_by_role("button", name="Close").click()
    expect(panel.locator(".stock-row")).to_have_count(0)
    expect(row.get_by_role("link", name="Adjust")).to_be_focused()

    # A shopper on a phone, in the web chat of the shop.
    phone = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR")
    chat = phone.new_page()
    watch_console(chat, console_errors)
    try:
        chat.goto(f"{live_server.url}/chat/{shop.slug}/")
        expect(chat.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
        # The shop's one category is not asked: Browse shows its products.
        chat.get_by_role("button", name="Parcourir", exact=True).last.click()
        card = chat.locator(".carousel").last.locator(".card", has_text=TITLE)
        expect(card.locator(".card-price")).to_have_text("24,90\xa0€")
        image = card.locator("img.card-image")
        expect(image).to_be_visible()
        chat.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=image.element_handle()
        )

        chat.get_by_label("Écrivez un message…").fill("lin lavé")
        chat.keyboard.press("Enter")
        expect(chat.get_by_text("Voici ce que j'ai trouvé pour « lin lavé »")).to_be_visible()
        found = chat.locator(".carousel").last.locator(".card")
        expect(found).to_have_count(1)
        expect(found.locator(".card-title")).to_have_text(TITLE)
        expect(found.locator(".card-price")).to_have_text("24,90\xa0€")
        chat.screenshot(path="/tmp/webchat-new-product.png")
    finally:
        phone.close()
