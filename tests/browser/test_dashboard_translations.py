"""A brand gives a product of its French shop an English title in a real browser, and a shopper
whose browser speaks English sees that title in the web chat, while a French-speaking shopper
still sees the French one. No page logs an error (a CSP violation would)."""

import pytest
from playwright.sync_api import Page, expect

from catalog.models import Product
from catalog.services import category_create
from shops.models import Role
from tests.browser.dashboard import signed_in_member, watch_console

FRENCH_TITLE = "Robe portefeuille rouge"
ENGLISH_TITLE = "Red wrap dress"


@pytest.fixture
def manager_page(page: Page, live_server, shop, console_errors):
    return signed_in_member(page, live_server.url, shop, Role.MANAGER, console_errors)


def open_chat(browser, url: str, locale: str, errors: list[str]):
    """A phone whose browser speaks `locale` (navigator.languages), on the shop's web chat."""
    context = browser.new_context(locale=locale, viewport={"width": 412, "height": 915})
    chat = context.new_page()
    watch_console(chat, errors)
    chat.goto(url)
    return context, chat


def test_an_english_title_typed_in_the_dashboard_is_what_an_english_shopper_sees(
    manager_page: Page, live_server, shop, browser, console_errors
):
    category_create(shop=shop, name="Robes", translations={"en": {"name": "Dresses"}})
    page = manager_page

    page.goto(f"{live_server.url}/dashboard/products/new/")
    page.get_by_label("Title", exact=True).fill(FRENCH_TITLE)
    page.get_by_label("Title in English").fill(ENGLISH_TITLE)
    page.get_by_label("Description in English").fill("Linen, wraps and ties at the waist.")
    page.get_by_label("Category").select_option(label="Robes")
    row = page.locator("#variants-rows .variant-row").first
    row.get_by_label("Name", exact=True).fill("38")
    row.get_by_label("SKU").fill("ROBE-38")
    row.get_by_label("Price").fill("89,90")
    row.get_by_label("Stock", exact=True).fill("4")
    page.get_by_role("button", name="Create product").click()

    expect(page.get_by_text(f"“{FRENCH_TITLE}” was created.")).to_be_visible()
    expect(page.get_by_label("Title in English")).to_have_value(ENGLISH_TITLE)
    page.screenshot(path="/tmp/dashboard-product-translations.png", full_page=True)
    assert Product.objects.get().translations["en"]["title"] == ENGLISH_TITLE

    chat_url = f"{live_server.url}/chat/{shop.slug}/"
    english, chat = open_chat(browser, chat_url, "en-GB", console_errors)
    try:
        expect(chat.get_by_text("Welcome to Maison Rouge")).to_be_visible()
        chat.get_by_role("button", name="Browse", exact=True).last.click()
        card = chat.locator(".carousel").last.locator(".card")
        expect(card.locator(".card-title")).to_have_text(ENGLISH_TITLE)
        expect(card).to_contain_text("Linen, wraps and ties at the waist.")
        expect(card.locator(".card-price")).to_have_text("€89.90")
        expect(chat.locator("body")).not_to_contain_text(FRENCH_TITLE)
        chat.screenshot(path="/tmp/webchat-english-card.png")
    finally:
        english.close()

    french, chat = open_chat(browser, chat_url, "fr-FR", console_errors)
    try:
        expect(chat.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
        chat.get_by_role("button", name="Parcourir", exact=True).last.click()
        card = chat.locator(".carousel").last.locator(".card")
        expect(card.locator(".card-title")).to_have_text(FRENCH_TITLE)
    finally:
        french.close()
