"""The web chat in a real browser: the location button where the bot asks where to deliver
(geolocation granted, the browser's position sent to the bot), and the chat in the visitor's
own language (the browser's locale), whatever the shop's."""

import pytest
from playwright.sync_api import Browser, Page, expect

from catalog.services import product_create
from orders.models import Checkout, ShippingRate
from payments.providers.sandbox import SandboxProvider

HERE = {"latitude": 48.868612, "longitude": 2.331428}


def open_chat(browser: Browser, live_server, shop, console_errors, **context) -> Page:
    page = browser.new_context(**context).new_page()
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    expect.set_options(timeout=10_000)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(page.locator(".msg-out").first).to_be_visible()  # the page greets by itself
    return page


def write(page: Page, text: str) -> None:
    page.locator("#chat-input").fill(text)
    page.locator("#chat-input").press("Enter")


@pytest.fixture
def shirt_shop(shop, settings, live_server, monkeypatch):
    """A French shop whose payment page asks nothing: the chat asks where to deliver."""
    settings.SOUK_PUBLIC_URL = live_server.url
    monkeypatch.setattr(SandboxProvider, "collects_details", False)
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    product_create(
        shop=shop,
        title="Chemise blanche",
        description="Chemise en coton.",
        variants=[{"sku": "CH-1", "name": "Unique", "price": 4500, "stock": 5}],
    )
    return shop


def test_the_location_button_sends_where_the_shopper_is(
    browser, live_server, shirt_shop, console_errors
):
    page = open_chat(
        browser,
        live_server,
        shirt_shop,
        console_errors,
        locale="fr-FR",
        geolocation=HERE,
        permissions=["geolocation"],
    )
    location_button = page.locator("#chat-location")
    write(page, "chemise")
    page.locator(".card").filter(has_text="Chemise blanche").locator(".card-button").first.click()
    expect(page.locator(".msg-out").last).to_contain_text("Au nom de qui est la commande")
    expect(location_button).to_be_hidden()  # offered only where the bot asks where to deliver
    write(page, "Léa Martin")
    expect(page.locator(".msg-out").last).to_contain_text("numéro")
    write(page, "+33 6 12 34 56 78")

    chip = page.locator(".msg-out").last.locator(".chip-location")
    expect(chip).to_have_text("📍 Partager ma position")
    expect(location_button).to_be_visible()  # the composer's button says the same
    chip.click()

    expect(page.locator(".msg-in").last).to_have_text("📍 Position partagée")
    details = page.locator(".msg-out").last
    expect(details).to_contain_text("Pour le livreur")
    expect(location_button).to_be_hidden()
    details.get_by_role("button", name="C'est tout").click()

    expect(page.locator(".msg-out").last).to_contain_text("📍 48.86861, 2.33143")
    assert Checkout.objects.get().shipping_address == HERE


def test_a_refused_location_says_to_type_the_address(
    browser, live_server, shirt_shop, console_errors
):
    page = open_chat(browser, live_server, shirt_shop, console_errors, locale="fr-FR")
    write(page, "chemise")
    page.locator(".card").filter(has_text="Chemise blanche").locator(".card-button").first.click()
    write(page, "Léa Martin")
    expect(page.locator(".msg-out").last).to_contain_text("numéro")
    write(page, "+33 6 12 34 56 78")

    # No permission granted: the browser refuses, the page says what to do instead.
    page.locator(".msg-out").last.locator(".chip-location").click()

    expect(page.locator("#chat-too-long")).to_have_text(
        "Position non partagée\u00a0: tapez l'adresse."
    )
    write(page, "12 rue de la Paix, 75002 Paris")
    expect(page.locator(".msg-out").last).to_contain_text("12 rue de la Paix, 75002 Paris")


@pytest.mark.parametrize(
    ("shop_language", "locale", "greeting", "placeholder"),
    [
        ("en", "fr-FR", "Bonjour", "Écrivez un message…"),
        ("fr", "en-US", "Hello", "Write a message…"),
    ],
)
def test_the_chat_speaks_the_visitors_language(
    browser, live_server, make_shop, console_errors, shop_language, locale, greeting, placeholder
):
    shop = make_shop("Maison Bleue", currency="EUR", language=shop_language)

    page = open_chat(browser, live_server, shop, console_errors, locale=locale)

    expect(page.locator(".msg-out").first).to_contain_text(greeting)
    expect(page.locator("#chat-input")).to_have_attribute("placeholder", placeholder)
