"""A shopper on a phone, in a real browser: opens the demo shop's web chat, browses, picks a
dress and a size, and finds it in the cart."""

import pytest
from playwright.sync_api import Page, expect

from catalog.demo_seed import SHOP_SLUG, demo_seed
from channels_adapters.models import InboundEvent
from conversations.models import Message
from tests.browser.pay_page import expect_paid, pay_with_card

SCREENSHOT = "/tmp/webchat.png"
DRESS = "Robe portefeuille rouge"


@pytest.fixture
def browser_context_args(browser_context_args, playwright):
    # A French shopper: the chat answers in the browser's language (navigator.languages).
    return {**browser_context_args, **playwright.devices["Pixel 7"], "locale": "fr-FR"}


@pytest.fixture
def demo_chat(live_server, settings):
    """The demo shop on the live server, its images at the live server's /media/."""
    settings.SOUK_PUBLIC_URL = live_server.url
    demo_seed()
    return f"{live_server.url}/chat/{SHOP_SLUG}/"


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def chat(page: Page, demo_chat, console_errors):
    # A CSP violation or a script error shows up in the console: the page must have none.
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    expect.set_options(timeout=10_000)
    page.goto(demo_chat)
    yield page
    assert console_errors == []


def tap(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).last.click()


def test_a_shopper_browses_and_fills_the_cart_on_a_phone(chat: Page):
    page = chat
    # The page taps "start" itself: the greeting and the menu.
    expect(page.get_by_text("Bienvenue chez Maison Souk")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Maison Souk")

    tap(page, "Parcourir")
    expect(page.locator(".msg-in .bubble").last).to_have_text("Parcourir")
    tap(page, "Robes")

    cards = page.locator(".carousel").last.locator(".card")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 3
    first_image = cards.first.locator("img.card-image")
    expect(first_image).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=first_image.element_handle()
    )
    dress = cards.filter(has_text=DRESS)
    expect(dress.locator(".card-price")).to_have_text("89,90\xa0€")
    expect(dress.get_by_role("button", name="Acheter")).to_be_visible()
    dress.get_by_role("button", name="Ajouter au panier").click()
    expect(page.locator(".msg-in .bubble").last).to_have_text(f"Ajouter au panier — {DRESS}")

    # Only which one is asked (the card is not sent again); the quantity is one.
    expect(page.get_by_text(f"{DRESS}\u00a0: lequel\u202f?")).to_be_visible()
    tap(page, "Rouge · 38")

    expect(page.get_by_text(f"1 x {DRESS} (Rouge · 38) ajouté au panier")).to_be_visible()
    tap(page, "Voir le panier")

    line = page.locator(".carousel").last.locator(".card-title")
    expect(line).to_have_count(1)  # the cart's carousel, after the search's
    expect(line).to_have_text(f"1 x {DRESS} (Rouge · 38)")
    expect(page.get_by_text("Total : 89,90\xa0€")).to_be_visible()
    page.screenshot(path=SCREENSHOT)


def test_typing_searches_and_the_keyboard_can_tap(chat: Page):
    page = chat
    expect(page.get_by_text("Bienvenue chez Maison Souk")).to_be_visible()

    page.get_by_label("Écrivez un message…").fill("robe rouge")
    page.keyboard.press("Enter")

    expect(page.locator(".msg-in .bubble").last).to_have_text("robe rouge")
    expect(page.get_by_text("Voici ce que j'ai trouvé pour « robe rouge »")).to_be_visible()
    cards = page.locator(".carousel").last
    choose = cards.get_by_role("button", name="Ajouter au panier").first
    choose.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("\u00a0: lequel\u202f?")).to_be_visible()

    # The answer's first chip takes the focus: the keyboard user carries on with Enter.
    first_size = page.locator(".chips .chip").first
    expect(first_size).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("ajouté au panier")).to_be_visible()
    expect(page.locator(".chips .chip").first).to_be_focused()


def test_a_message_whose_answer_was_lost_is_retried_and_stored_once(chat: Page, console_errors):
    page = chat
    expect(page.get_by_text("Bienvenue chez Maison Souk")).to_be_visible()
    network = {"down": False, "dropped": False}

    def drop_after_the_server(route):
        if network["down"]:
            return route.abort()
        if route.request.method == "POST" and not network["dropped"]:
            route.fetch()  # the server stores the message…
            network["down"] = network["dropped"] = True  # …and the connection drops
            return route.abort()
        return route.continue_()

    page.route("**/messages*", drop_after_the_server)
    page.get_by_label("Écrivez un message…").fill("robe rouge")
    page.keyboard.press("Enter")

    retry = page.get_by_role("button", name="Réessayer")
    expect(retry).to_be_visible()
    expect(page.locator(".msg-in.failed .bubble")).to_have_text("robe rouge")
    network["down"] = False
    retry.click()

    expect(page.get_by_text("Voici ce que j'ai trouvé pour « robe rouge »")).to_have_count(1)
    expect(page.locator(".msg-in.failed")).to_have_count(0)
    expect(page.locator(".msg-in .bubble", has_text="robe rouge")).to_have_count(1)
    texts = [e.payload.get("text") for e in InboundEvent.objects.all()]
    assert texts.count("robe rouge") == 1
    assert Message.objects.filter(direction="in", text="robe rouge").count() == 1
    # The requests cut on purpose are the only errors.
    console_errors[:] = [e for e in console_errors if "net::ERR_FAILED" not in e]


def test_a_shopper_checks_out_pays_and_gets_a_receipt(chat: Page, context):
    from orders.demo import demo_shipping_rates
    from orders.models import Order
    from shops.models import Shop

    demo_shipping_rates(Shop.objects.get(slug=SHOP_SLUG))
    page = chat
    expect(page.get_by_text("Bienvenue chez Maison Souk")).to_be_visible()
    page.get_by_label("Écrivez un message…").fill("robe rouge")
    page.keyboard.press("Enter")
    dress = page.locator(".carousel").last.locator(".card").filter(has_text=DRESS)
    dress.get_by_role("button", name="Acheter").click()
    tap(page, "Rouge · 38")

    # Buy now goes straight to the order: no question in the chat, the payment link at once
    # (the pay page asks the delivery option, name, phone and address in one form).
    # The delivery option is still to choose: the link shows the goods' total "plus delivery".
    expect(page.get_by_text("89,90\xa0€ plus la livraison")).to_be_visible()
    pay = page.get_by_role("link", name="Payer en sécurité")
    expect(pay).to_be_visible()
    expect(page.get_by_text("Au nom de qui")).to_have_count(0)
    with context.expect_page() as opened:
        pay.click()  # the hosted page opens in a new tab, as on a phone
    pay_page = opened.value
    pay_page.locator(".pay-choice", has_text="Colissimo 48 h").locator("input").check()
    pay_with_card(
        pay_page,
        contact_name="Léa Martin",
        contact_phone="+33 6 12 34 56 78",
        street="12 rue de la Paix",
        postal_code="75002",
        city="Paris",
    )
    expect_paid(pay_page)

    receipt = page.get_by_text("Merci\u202f! La commande n°1001 est réglée.", exact=False)
    expect(receipt).to_be_visible()
    expect(page.locator(".chip", has_text="Faire d'autres achats").last).to_be_visible()
    order = Order.objects.get()
    assert (order.payment_status, order.total) == ("paid", 9480)
