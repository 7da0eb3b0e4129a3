"""The cart, the payment request and order actions from the inbox sidebar: the bot's cart, the
bot's checkout and payment link (so the link, the receipt, a decline and the expiry land in the
conversation), and the order page's actions with the same rules and roles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.services import product_create
from channels_adapters import messages as m
from conversations.models import Conversation
from conversations.services import inbound_handle
from orders.models import Checkout, Order, OrderEvent, ShippingRate
from orders.reservations import reservations_expire
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.models import Payment
from payments.providers.registry import provider_for
from shops.models import Role
from tests.dashboard.sidebar_fixtures import (  # noqa: F401
    HTMX,
    chat,
    goods,
    on_telegram,
    sent,
    url,
    web_chat,
)
from tests.orders.conftest import buy, pay


def cart_of(conversation):
    return cart_open(shop=conversation.shop, owner_key=f"customer:{conversation.customer_id}")


def lines(conversation) -> list[tuple[str, int]]:
    return [(line.variant.sku, line.quantity) for line in cart_of(conversation).lines.all()]


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POSTs as htmx does, running what waits for the commit (the payment link, the chat) as a
    worker would."""

    def send(client, path: str, data: dict | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, **HTMX)

    return send


# -- The cart ------------------------------------------------------------------------------------
def test_the_agent_fills_the_shoppers_cart(agent_client, chat, goods, post):  # noqa: F811
    response = post(
        agent_client,
        url("inbox_cart_add", chat),
        {"variant": goods["r38"].pk, "quantity": 2, "q": "robe"},
    )
    page = response.content.decode()
    assert "Added to the cart: 2 x Robe portefeuille rouge (Rouge 38)." in page
    assert '<span class="cs-line-name">2 x Robe portefeuille rouge (Rouge 38)</span>' in page
    post(agent_client, url("inbox_cart_add", chat), {"variant": goods["r38"].pk, "quantity": 1})
    assert lines(chat) == [("ROBE-38", 3)]
    # The bot's cart: what the shopper sees when they tap "My cart".
    inbound_handle(
        account=chat.channel,
        events=[m.ButtonPressed(sender=m.Sender(external_id="visitor-1"), payload="cart")],
    )
    assert sent(chat)[-2].body["cards"][0]["title"] == "3 x Robe portefeuille rouge (Rouge 38)"


def test_more_than_in_stock_is_refused(agent_client, chat, goods, post):  # noqa: F811
    response = post(
        agent_client, url("inbox_cart_add", chat), {"variant": goods["r40"].pk, "quantity": 3}
    )
    assert "Only 2 of Robe portefeuille rouge (Rouge 40) in stock" in response.content.decode()
    assert lines(chat) == []


@pytest.mark.parametrize("quantity", ["0", "100", "", "deux"])
def test_a_bad_quantity_is_refused(agent_client, chat, goods, post, quantity):  # noqa: F811
    response = post(
        agent_client, url("inbox_cart_add", chat), {"variant": goods["ch"].pk, "quantity": quantity}
    )
    assert response.status_code == 200 and 'class="cs-notice cs-bad"' in response.content.decode()
    assert lines(chat) == []


def test_inactive_or_foreign_variants_are_not_added(agent_client, chat, goods, other_shop, post):  # noqa: F811
    theirs = product_create(
        shop=other_shop, title="Theirs", variants=[{"sku": "T", "price": 100, "stock": 5}]
    ).variants.get()
    for variant in (goods["hidden"].variants.get(), theirs):
        response = post(
            agent_client, url("inbox_cart_add", chat), {"variant": variant.pk, "quantity": 1}
        )
        assert "That item is not for sale any more." in response.content.decode()
    assert lines(chat) == []


def test_a_line_changes_and_goes(agent_client, chat, goods, post):  # noqa: F811
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=3)
    line = url("inbox_cart_line", chat, variant_id=goods["ch"].pk)

    page = post(agent_client, line, {"quantity": 2}).content.decode()
    assert "In the cart: 2 x Chemise blanche (Unique)." in page
    assert "data-confirm=\"Take Chemise blanche (Unique) out of Léa Martin's cart?" in page
    assert lines(chat) == [("CH-1", 2)]
    page = post(agent_client, line, {"quantity": 0}).content.decode()
    assert "Taken out of the cart: Chemise blanche (Unique)." in page
    assert lines(chat) == []
    assert (
        "is not in the cart any more" in post(agent_client, line, {"quantity": 1}).content.decode()
    )


def test_another_shops_variant_is_not_found(agent_client, chat, other_shop, post):  # noqa: F811
    theirs = product_create(
        shop=other_shop, title="Theirs", variants=[{"sku": "T", "price": 100, "stock": 5}]
    ).variants.get()
    response = post(
        agent_client, url("inbox_cart_line", chat, variant_id=theirs.pk), {"quantity": 0}
    )
    assert response.status_code == 404


# -- Asking for payment --------------------------------------------------------------------------
@pytest.fixture
def rates(shop):
    colissimo = ShippingRate.objects.create(shop=shop, name="Colissimo 48 h", amount=490)
    pickup = ShippingRate.objects.create(shop=shop, name="Retrait boutique", kind="pickup")
    return {"colissimo": colissimo, "pickup": pickup}


def details(rate, **changes) -> dict:
    return {
        "contact_name": "Léa Martin",
        "contact_phone": "+33 6 12 34 56 78",
        "shipping_rate": rate.pk,
        "address": "12 rue de la Paix, 75002 Paris",
        **changes,
    }


def test_the_form_is_prefilled_with_what_the_shop_knows(agent_client, chat, goods, rates):  # noqa: F811
    chat.customer.preferences = {
        "address": {"text": "3 place des Vosges, 75004 Paris"},
        "shipping_rate": rates["pickup"].pk,
    }
    chat.customer.save(update_fields=["preferences"])
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)

    page = agent_client.get(url("inbox_sidebar", chat), **HTMX).content.decode()

    assert 'value="Léa Martin"' in page and 'value="+33 6 12 34 56 78"' in page
    assert f'<option value="{rates["pickup"].pk}" selected>Retrait boutique</option>' in page
    assert "3 place des Vosges, 75004 Paris</textarea>" in page


def test_a_payment_request_places_the_order_and_sends_the_link(
    agent_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
    rates,
    post,
    django_capture_on_commit_callbacks,
):
    on_telegram(shop, chat.customer)  # the same shopper elsewhere: the link comes here
    cart_add(cart=cart_of(chat), variant=goods["r38"], quantity=2)

    response = post(agent_client, url("inbox_payment_request", chat), details(rates["colissimo"]))

    order = Order.objects.get()
    assert "Order #1001 placed (184,70\xa0€): the payment link is on its way to Léa Martin." in (
        response.content.decode()
    )
    assert (order.customer_id, order.channel_id, order.channel_kind) == (
        chat.customer_id,
        chat.channel_id,
        "webchat",
    )
    assert (order.total, order.shipping_method, order.shipping_address) == (
        18470,
        "Colissimo 48 h",
        {"text": "12 rue de la Paix, 75002 Paris"},
    )
    assert order.payment_status == "awaiting" and lines(chat) == []  # the cart became the order
    placed = OrderEvent.objects.get(order=order, type="order.created")
    assert (placed.actor, placed.source) == (agent_client.user, "dashboard")  # on its timeline
    link = sent(chat)[-1]
    assert link.text.startswith("Commande n°1001\xa0: 184,70\xa0€. Payez en toute sécurité ici")
    payment = Payment.objects.get(order=order)
    assert link.body["options"][0]["url"] == payment.url != ""
    assert link.outbound.status == "sent"  # the web chat shows it
    chat.refresh_from_db()
    assert (chat.bot_state["order"], chat.bot_state["checkout"]) == (order.pk, order.checkout_id)
    chat.customer.refresh_from_db()
    assert chat.customer.preferences["shipping_rate"] == rates["colissimo"].pk

    # The shopper pays with the test card on the hosted page: the receipt lands here.
    outcome = provider_for("test").pay_on_page(payment, "4242 4242 4242 4242", save=True)
    with django_capture_on_commit_callbacks(execute=True):
        payments.payment_outcome_record(payment=payment, outcome=outcome)
    receipt, next_steps = sent(chat)[-2:]  # the receipt, then what to do next
    assert next_steps.kind == "quick_replies"
    assert receipt.kind == "receipt" and receipt.body["order_number"] == "#1001"
    order.refresh_from_db()
    assert order.payment_status == "paid"
    page = agent_client.get(url("inbox_sidebar", chat), **HTMX).content.decode()
    assert "Visa •••• 4242" in page and '<span class="badge badge-ok">Paid</span>' in page


def test_a_declined_card_and_the_expiry_are_told_in_the_conversation(
    agent_client,
    chat,  # noqa: F811
    goods,  # noqa: F811
    rates,
    post,
    django_capture_on_commit_callbacks,
):
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)
    post(agent_client, url("inbox_payment_request", chat), details(rates["pickup"], address=""))
    order = Order.objects.get()
    assert order.shipping_method == "Retrait boutique" and order.shipping_address == {}
    payment = Payment.objects.get(order=order)

    outcome = provider_for("test").pay_on_page(payment, "4000 0000 0000 0002", save=False)
    with django_capture_on_commit_callbacks(execute=True):
        payments.payment_outcome_record(payment=payment, outcome=outcome)
    assert sent(chat)[-1].text.startswith("Le paiement de la commande n°1001 n'a pas abouti")

    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire(now=timezone.now() + timedelta(hours=2))
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert sent(chat)[-1].text.startswith("La commande n°1001 n'a pas été payée à temps")


def test_the_links_cancel_button_works_while_a_person_has_the_conversation(
    agent_client,
    chat,  # noqa: F811
    goods,  # noqa: F811
    rates,
    post,
    django_capture_on_commit_callbacks,
):
    Conversation.objects.filter(pk=chat.pk).update(handed_off=True)
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)
    post(agent_client, url("inbox_payment_request", chat), details(rates["colissimo"]))
    [_, cancel] = sent(chat)[-1].body["options"]

    with django_capture_on_commit_callbacks(execute=True):
        inbound_handle(
            account=chat.channel,
            events=[
                m.ButtonPressed(sender=m.Sender(external_id="visitor-1"), payload=cancel["payload"])
            ],
        )

    assert Order.objects.get().status == "cancelled"
    goods["ch"].refresh_from_db()
    assert goods["ch"].stock == 10  # given back


def test_an_open_checkout_of_the_bot_is_replaced(agent_client, shop, chat, goods, rates, post):  # noqa: F811
    from orders import checkout as checkouts

    telegram = on_telegram(shop, chat.customer)
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)
    left_open = checkouts.checkout_start(
        cart=cart_of(chat), customer=chat.customer, channel=telegram.channel
    )

    post(agent_client, url("inbox_payment_request", chat), details(rates["colissimo"]))

    left_open.refresh_from_db()
    order = Order.objects.get()
    assert left_open.status == "cancelled" and order.channel_id == chat.channel_id
    goods["ch"].refresh_from_db()
    assert goods["ch"].stock == 9  # reserved once, for the order


def test_missing_details_are_errors_beside_their_fields(agent_client, chat, goods, rates, post):  # noqa: F811
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)

    response = post(
        agent_client,
        url("inbox_payment_request", chat),
        details(rates["colissimo"], contact_name="", contact_phone="call me", address=""),
    )

    page = response.content.decode()
    assert response.status_code == 200 and "The payment link was not sent" in page
    assert page.count('class="field has-error"') == 3
    assert "This delivery needs an address." in page
    assert "Enter a phone number" in page
    assert 'value="call me"' in page  # what was typed stays
    assert '<details class="cs-fold" open>' in page
    assert not Order.objects.exists() and not Checkout.objects.exists()


def test_an_empty_cart_or_too_little_stock_places_nothing(
    agent_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
    rates,
    post,
):
    response = post(agent_client, url("inbox_payment_request", chat), details(rates["colissimo"]))
    assert "The cart is empty" in response.content.decode()

    cart_add(cart=cart_of(chat), variant=goods["r40"], quantity=2)
    goods["r40"].stock = 1
    goods["r40"].save(update_fields=["stock"])
    response = post(agent_client, url("inbox_payment_request", chat), details(rates["colissimo"]))
    assert "Only 1 of Robe portefeuille rouge (Rouge 40) left" in response.content.decode()
    assert not Order.objects.exists() and sent(chat) == []


def test_without_shipping_rates_an_address_is_enough(agent_client, chat, goods, post):  # noqa: F811
    cart_add(cart=cart_of(chat), variant=goods["ch"], quantity=1)
    data = {
        "contact_name": "Léa Martin",
        "contact_phone": "+33 6 12 34 56 78",
        "address": "12 rue de la Paix, 75002 Paris",
    }
    post(agent_client, url("inbox_payment_request", chat), data)
    order = Order.objects.get()
    assert (order.total, order.shipping_method) == (4500, "")


# -- Order actions -------------------------------------------------------------------------------
@pytest.fixture
def paid(shop, chat, goods, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        order = buy(shop, goods["ch"], 2, customer=chat.customer, channel=chat.channel)
        pay(order)
    return order


def test_shipping_from_the_conversation(manager_client, chat, paid, post):  # noqa: F811
    response = post(
        manager_client,
        url("inbox_order_fulfil", chat, order_id=paid.pk),
        {"fulfil-carrier": "Colissimo", "fulfil-tracking_number": "6A123456"},
    )

    page = response.content.decode()
    assert "Order #1001 is marked shipped." in page
    assert '<span class="badge badge-ok">Shipped</span>' in page
    assert sent(chat)[-1].text.endswith("en route\u202f!\nSuivi\u00a0: 6A123456")
    event = OrderEvent.objects.get(order=paid, type="order.fulfilled")
    assert event.actor == manager_client.user


def test_a_part_refund_and_a_bad_amount(manager_client, chat, paid, post):  # noqa: F811
    refund = url("inbox_order_refund", chat, order_id=paid.pk)
    page = post(manager_client, refund, {"refund-amount": "500,00"}).content.decode()
    assert "At most 90,00\xa0€ can be refunded." in page
    assert 'value="500,00"' in page and "Nothing was refunded" in page

    page = post(manager_client, refund, {"refund-amount": "10,00"}).content.decode()
    assert "Refund of 10,00\xa0€ requested for order #1001." in page
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_total) == ("partially_refunded", 1000)
    assert sent(chat)[-1].text == "Nous avons remboursé 10,00\xa0€ pour la commande n°1001."


def test_cancel_refunds_a_paid_order(manager_client, chat, paid, post):  # noqa: F811
    page = post(
        manager_client, url("inbox_order_cancel", chat, order_id=paid.pk), {"cancel-reason": "x"}
    ).content.decode()
    assert "Order #1001 is cancelled." in page
    assert '<span class="badge badge-muted">Cancelled</span>' in page
    paid.refresh_from_db()
    assert (paid.status, paid.payment_status) == ("cancelled", "refunded")


def test_a_stale_action_is_refused_with_the_reason(manager_client, shop, chat, goods, post):  # noqa: F811
    unpaid = buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    page = post(
        manager_client, url("inbox_order_fulfil", chat, order_id=unpaid.pk), {}
    ).content.decode()
    assert "Nothing was changed" in page
    unpaid.refresh_from_db()
    assert unpaid.fulfillment_status == "unfulfilled"


@pytest.mark.parametrize("action", ["fulfil", "refund", "cancel"])
def test_agents_may_not_act_on_orders(agent_client, chat, paid, post, action):  # noqa: F811
    response = post(agent_client, url(f"inbox_order_{action}", chat, order_id=paid.pk), {})
    assert response.status_code == 403
    paid.refresh_from_db()
    assert (paid.status, paid.payment_status, paid.fulfillment_status) == (
        "confirmed",
        "paid",
        "unfulfilled",
    )


def test_another_shops_order_or_conversation_is_not_found(
    dashboard_client,
    shop,
    other_shop,
    chat,  # noqa: F811
    paid,
    post,
):
    manager = dashboard_client(Role.MANAGER)
    theirs = web_chat(other_shop)
    their_order = Order.objects.create(
        shop=other_shop, number=1001, currency="USD", subtotal=100, total=100
    )
    for action in ("fulfil", "refund", "cancel"):
        assert (
            post(manager, url(f"inbox_order_{action}", chat, order_id=their_order.pk)).status_code
            == 404
        )
        assert (
            post(manager, url(f"inbox_order_{action}", theirs, order_id=paid.pk)).status_code == 404
        )
    assert post(manager, url("inbox_payment_request", theirs)).status_code == 404
    assert post(manager, url("inbox_send_product", theirs)).status_code == 404
