"""The hosted test pay page on a 390 px phone, in Chromium: every field fits and says what the
browser may fill, an expired card is refused beside its field, saving the card is unticked,
and the link back opens the conversation."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from catalog.services import product_create
from channels_adapters.setup import webchat_channel
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.providers.registry import provider_for
from tests.browser.pay_page import expect_paid, pay_with_card

SCREENSHOT = "/tmp/pay_page.png"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAST_YEAR = f"01 / {(date.today().year - 1) % 100:02d}"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PHONE}


@pytest.fixture
def pay_url(live_server, settings, shop):
    """An order placed in the web chat with name and phone but no address: the page asks it."""
    settings.SOUK_PUBLIC_URL = live_server.url
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[{"sku": "ROBE-R-38", "name": "Rouge 38", "price": 4990, "stock": 5}],
    )
    variant = product.variants.get()
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    cart = cart_open(shop=shop, owner_key="visitor")
    cart_add(cart=cart, variant=variant, quantity=1)
    checkout = checkout_start(
        cart=cart,
        customer=customer,
        channel=webchat_channel(shop=shop),
        contact_name="Léa Martin",
        contact_phone="+33612345678",
    )
    order = checkout_complete(checkout=checkout, require_details=False)
    return provider_for("test").link_create(payments.payment_link_start(order=order))


@pytest.fixture
def pay_page(pay_url, page: Page, console_errors):
    # pay_url (with the live server and its database) is set up before the page, so the page
    # is closed before the database is flushed: a test that ends on the web chat left it
    # polling, and a poll served during the flush's TRUNCATE once deadlocked with it.
    def watch(msg):
        # A refused form is answered 400 on purpose, which Chromium reports; anything else
        # (a CSP violation, a script error) counts.
        if msg.type == "error" and "status of 400" not in msg.text:
            console_errors.append(msg.text)

    page.on("console", watch)
    page.goto(pay_url)
    yield page
    page.goto("about:blank")  # no more polling while the test's data is torn down


def test_the_pay_page_on_a_phone(pay_page: Page, shop):
    page = pay_page
    expect(page.locator("h1")).to_have_text(shop.name)
    expect(page.locator("#pay-total")).to_have_text("49,90\xa0€")
    # Nothing wider than the phone: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    for name, autocomplete in {
        "card_number": "cc-number",
        "expiry": "cc-exp",
        "cvc": "cc-csc",
        "street": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
        "country": "country",
    }.items():
        field = page.locator(f'[name="{name}"]')
        expect(field).to_be_visible()
        expect(field).to_have_attribute("autocomplete", autocomplete)
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, name
        assert box["height"] >= 44, name  # a finger's target

    save = page.locator('[name="save_card"]')
    expect(save).not_to_be_checked()
    expect(page.locator(f'label[for="{save.get_attribute("id")}"]')).to_contain_text(shop.name)

    back = page.locator("a.pay-back")
    expect(back).to_have_attribute("href", re.compile(rf"/chat/{shop.slug}/$"))
    page.screenshot(path=SCREENSHOT, full_page=True)  # to look at, not compared


def test_an_expired_card_is_refused_beside_its_field_then_a_good_one_pays(pay_page: Page, shop):
    page = pay_page
    page.locator('[name="street"]').fill("12 rue de la Paix")
    page.locator('[name="postal_code"]').fill("75002")
    page.locator('[name="city"]').fill("Paris")
    page.locator('[name="card_number"]').fill("4242 4242 4242 4242")
    page.locator('[name="expiry"]').fill(LAST_YEAR)
    page.locator('[name="cvc"]').fill("123")
    page.locator("button.pay-button").click()

    expiry = page.locator('[name="expiry"]')
    expect(expiry).to_have_attribute("aria-invalid", "true")
    error = page.locator("#pay-expiry-error")
    expect(error).not_to_be_empty()
    # Beside the field: right under it, not at the top of the page.
    field_box, error_box = expiry.bounding_box(), error.bounding_box()
    assert 0 <= error_box["y"] - (field_box["y"] + field_box["height"]) < 40
    # What was typed is still there; the card number is never sent back to the page.
    expect(page.locator('[name="street"]')).to_have_value("12 rue de la Paix")
    expect(page.locator('[name="card_number"]')).to_have_value("")

    pay_with_card(page)
    expect_paid(page)
    page.locator("a.pay-back").click()
    expect(page).to_have_url(re.compile(rf"/chat/{shop.slug}/$"))
    expect(page.locator(".msg-out").first).to_contain_text(shop.name)  # the bot greets
