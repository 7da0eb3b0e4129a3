"""Commerce from the inbox, in real browsers: a shopper chats on the web chat (a phone) while an
agent has their conversation open. From the sidebar the agent sends a product card, fills the
cart and sends a payment request; the shopper sees both in the chat, opens the link and pays
with the test card 4242 4242 4242 4242; the paid outcome (the receipt, the order's badge)
appears in the agent's open conversation without reloading it."""

import pytest
from playwright.sync_api import Page, expect

from catalog.services import product_create
from conversations.models import Conversation, Message
from orders.models import Order, ShippingRate
from shops.models import Role
from tests.browser.dashboard import signed_in_member, watch_console
from tests.browser.pay_page import expect_paid, pay_with_card


@pytest.fixture
def shopper(browser, live_server, shop, playwright, console_errors):
    context = browser.new_context(**playwright.devices["Pixel 7"], locale="fr-FR")
    page = watch_console(context.new_page(), console_errors)
    page.goto(f"{live_server.url}/chat/{shop.slug}/")
    expect(page.get_by_text("Bienvenue chez Maison Rouge")).to_be_visible()
    page.shop_context = context
    yield page
    context.close()


@pytest.fixture
def agent(browser, live_server, shop, console_errors):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = signed_in_member(context.new_page(), live_server.url, shop, Role.AGENT, console_errors)
    yield page
    context.close()


def test_an_agent_sells_from_the_sidebar_and_sees_the_payment_land(
    shop, shopper: Page, agent: Page, live_server, settings
):
    settings.SOUK_PUBLIC_URL = live_server.url
    expect.set_options(timeout=15_000)
    product_create(
        shop=shop,
        title="Sac cabas",
        description="Toile naturelle",
        variants=[{"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 10}],
    )
    ShippingRate.objects.create(shop=shop, name="Colissimo 48 h", amount=490)
    conversation = Conversation.objects.get(shop=shop)  # opened by the chat page

    agent.goto(f"{live_server.url}/dashboard/inbox/{conversation.pk}/")
    side = agent.locator("#sidebar")
    expect(side.get_by_role("heading", name="Cart")).to_be_visible()

    # A product card, found by search.
    # Submitted as well as typed (as an agent would): once, in a loaded CI run, the debounced
    # search-as-you-type never showed its results within 15 s.
    side.get_by_label("Find a product").fill("sac")
    side.get_by_label("Find a product").press("Enter")
    result = side.locator(".cs-product", has_text="Sac cabas")
    expect(result).to_be_visible()
    result.get_by_role("button", name="Send the card of Sac cabas").click()
    expect(side.get_by_text("Product card sent: Sac cabas.")).to_be_visible()
    card = shopper.locator(".carousel").last.locator(".card", has_text="Sac cabas")
    expect(card).to_be_visible()
    expect(card.locator(".card-price")).to_have_text("24,99\xa0€")
    expect(card.get_by_role("button", name="Acheter")).to_be_visible()
    expect(card.get_by_role("button", name="Ajouter au panier")).to_be_visible()

    # The cart, built by the agent; then the payment request.
    result = side.locator(".cs-product", has_text="Sac cabas")  # the sidebar came back
    result.get_by_label("Quantity of Naturel").fill("2")
    result.get_by_role("button", name="Add to cart").click()
    expect(side.get_by_text("Added to the cart: 2 x Sac cabas (Naturel).")).to_be_visible()
    expect(side.locator("#cs-cart")).to_contain_text("49,98\xa0€")
    side.get_by_text("Send a payment link for the cart (49,98\xa0€)").click()
    side.get_by_label("Name").fill("Léa Martin")
    side.get_by_label("Phone").fill("+33 6 12 34 56 78")
    side.get_by_label("Delivery address").fill("12 rue de la Paix, 75002 Paris")
    side.get_by_role("button", name="Place the order and send the link").click()
    expect(side.get_by_text("Order #1001 placed (54,88\xa0€)")).to_be_visible()
    expect(side.locator("#cs-orders")).to_contain_text("Awaiting payment")
    order = Order.objects.get()
    assert (order.channel_id, order.customer_id) == (
        conversation.channel_id,
        conversation.customer_id,
    )

    # The shopper pays on the hosted page with the test card.
    pay = shopper.get_by_role("link", name="Payer 54,88\xa0€")
    expect(pay).to_be_visible()
    with shopper.shop_context.expect_page() as opened:
        pay.click()
    pay_page = opened.value
    pay_page.locator('[name="save_card"]').check()  # an explicit choice, never pre-ticked
    pay_with_card(pay_page)
    expect_paid(pay_page)
    expect(
        shopper.get_by_text("Merci ! La commande n°1001 est réglée.", exact=False)
    ).to_be_visible()

    # The agent's page, never reloaded: the receipt in the thread, the order paid beside it.
    receipt = agent.locator(".msg-out .receipt")
    expect(receipt).to_contain_text("n°1001")
    expect(receipt).to_contain_text("Paid with Visa •••• 4242")
    expect(side.locator("#cs-orders")).to_contain_text("Paid")
    expect(side.locator("#cs-cart")).to_contain_text("The cart is empty.")
    expect(side.locator("#cs-who")).to_contain_text("Visa •••• 4242")  # the card just saved
    assert Message.objects.filter(conversation=conversation, author=agent.user).count() == 1
    order.refresh_from_db()
    assert order.payment_status == "paid"
