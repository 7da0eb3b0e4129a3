"""An owner refunds part of a shopper's web chat order from the dashboard, in a real browser:
the confirmation dialog, the order's new payment status and timeline, and the message the
shopper finds in their chat."""

import pytest
from playwright.sync_api import Page, expect

from catalog.services import product_create
from conversations.models import Conversation
from orders.models import Order
from shops.models import Role
from tests.browser.dashboard import signed_in_member, watch_console
from tests.orders.conftest import buy, pay


@pytest.fixture
def shopper(browser, live_server, shop, playwright, console_errors):
    """A shopper on a phone with the shop's web chat open (their visitor cookie lives in this
    browser context)."""
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR")
    page = watch_console(context.new_page(), console_errors)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(page.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
    yield page
    context.close()


@pytest.fixture
def owner(browser, live_server, shop, console_errors):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.OWNER, console_errors)
    expect(page.locator("h1")).to_have_text("Maison Rouge")
    yield page
    context.close()


def test_an_owner_refunds_part_of_a_web_chat_order(
    shop, shopper: Page, owner: Page, live_server, settings, console_errors
):
    settings.SOUK_PUBLIC_URL = live_server.url
    expect.set_options(timeout=15_000)
    bag = product_create(
        shop=shop,
        title="Sac cabas",
        variants=[{"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 10}],
    ).variants.get()
    # The shopper's conversation was opened by the chat page; their order comes through the
    # checkout services and is paid with the test provider.
    conversation = Conversation.objects.select_related("customer").get(shop=shop)
    conversation.customer.name = "Léa Martin"  # what the bot asks at checkout
    conversation.customer.save(update_fields=["name"])
    order = buy(shop, bag, 2, customer=conversation.customer, channel=conversation.channel)
    pay(order)
    expect(shopper.get_by_text("Merci ! La commande n°1001 est réglée.")).to_be_visible()

    owner.goto(f"{live_server.url}/dashboard/orders/")
    owner.get_by_role("link", name="#1001").click()
    expect(owner.locator("h1")).to_have_text("Order #1001")
    amount = owner.get_by_label("Amount to refund")
    expect(amount).to_have_value("49,98")
    amount.fill("10,00")
    owner.get_by_label("Reason (for your records)").first.fill("Strap frayed")
    owner.get_by_role("button", name="Refund", exact=True).click()

    dialog = owner.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Refund the amount entered to Léa Martin for #1001?")
    dialog.get_by_role("button", name="Confirm").click()

    expect(owner.get_by_text("Refund of 10,00\xa0€ requested for order #1001.")).to_be_visible()
    statuses = owner.get_by_label("Statuses")
    expect(statuses).to_contain_text("Partially refunded")
    timeline = owner.locator(".timeline")
    expect(timeline.locator("li").first).to_contain_text("Refund confirmed by the provider")
    expect(timeline.locator("li").first).to_contain_text("Payment: Paid → Partially refunded")
    requested = timeline.locator("li", has_text="Refund requested")
    expect(requested).to_contain_text("10,00\xa0€")
    expect(requested).to_contain_text(owner.user.email)
    order.refresh_from_db()
    assert (order.payment_status, order.refunded_total) == ("partially_refunded", 1000)

    refund_message = "Nous avons remboursé 10,00\xa0€ pour la commande n°1001."
    expect(shopper.get_by_text(refund_message)).to_be_visible()
    assert Order.objects.get().refunded_total == 1000
