"""Drill: Stripe events out of order, redelivered and concurrent (PostgreSQL, threads).

Stripe sends each event at least once and in no particular order. Here the shopper pays on a
Checkout page (fake Stripe, real stripe-python), and the events about it reach
/webhooks/stripe/ in the wrong order, each twice, from several threads at once (each with its
own database connection, as web server threads would). The order must end paid, Stripe must hold
one charge for it, and the shopper, in their Telegram chat, must get one receipt and no word
of a failure that was already overtaken.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from catalog.services import product_create
from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Customer, CustomerIdentity
from conversations.phrases import say
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.models import Order
from orders.services import cart_add, cart_open
from orders.transitions import OrderStatus, PaymentStatus
from payments import services
from payments.models import Payment, PaymentState, ProviderEvent
from tests.fakes.conftest_plugin import fake_stripe, fake_telegram  # noqa: F401

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True)]

CHAT = "4242001"
DECLINED = "4000000000000002"


@pytest.fixture
def shopper_order(shop, settings, fake_telegram, fake_stripe, require_postgres):  # noqa: F811
    """An order placed from a Telegram conversation, awaiting payment on a Checkout page."""
    settings.TELEGRAM_API_URL = fake_telegram.url
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id=fake_telegram.token.split(":")[0],
        credentials={"token": fake_telegram.token},
    )
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=CHAT
    )
    Conversation.objects.create(shop=shop, customer=customer, identity=identity, channel=account)
    product = product_create(
        shop=shop,
        title="Robe portefeuille",
        variants=[{"sku": "ROBE-38", "name": "Rouge 38", "price": 4990, "stock": 5}],
    )
    cart = cart_open(shop=shop, owner_key=str(customer.pk))
    cart_add(cart=cart, variant=product.variants.get(), quantity=2)
    checkout = checkout_start(cart=cart, customer=customer)
    checkout_update(checkout=checkout, contact_name=customer.name, contact_phone="+33612345678")
    order = checkout_complete(checkout=checkout, require_details=False)
    Order.objects.filter(pk=order.pk).update(channel=account)
    payment = services.payment_link_start(order=Order.objects.get(pk=order.pk))
    payment.refresh_from_db()
    assert payment.provider_ref.startswith("cs_"), "the Checkout Session was not created"
    return payment


def _deliver_at_once(deliveries) -> list[int]:
    """Posts every delivery from its own thread, all released together; returns the statuses."""
    barrier = threading.Barrier(len(deliveries))
    statuses: list[int] = []

    def post(delivery) -> None:
        try:
            barrier.wait()
            response = Client().post(
                "/webhooks/stripe/",
                delivery.body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=delivery.signature,
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(d,)) for d in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


def _texts_to_shopper(fake_telegram) -> list[str]:  # noqa: F811
    return [
        str(r.params.get("text", ""))
        for r in fake_telegram.requests_for("sendMessage")
        if str(r.params.get("chat_id")) == CHAT and r.status == 200
    ]


def _assert_paid_once_and_told_once(payment, fake_stripe, fake_telegram):  # noqa: F811
    order = Order.objects.get(pk=payment.order_id)
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.PAID)
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED
    assert Payment.objects.filter(order=order, state=PaymentState.SUCCEEDED).count() == 1
    intent_id = fake_stripe.sessions[payment.provider_ref]["payment_intent"]
    charges = [c for c in fake_stripe.charges.values() if c["payment_intent"] == intent_id]
    assert len(charges) == 1
    assert ProviderEvent.objects.filter(processed_at__isnull=True).count() == 0
    heading = say("receipt_heading", order.shop.language, number=order.number)
    texts = _texts_to_shopper(fake_telegram)
    receipts = [t for t in texts if t.startswith(heading)]
    assert len(receipts) == 1, f"receipts sent to the shopper: {texts}"
    # The address Stripe's page asked is on the order and its receipt, written once, and the
    # total is what Stripe charged.
    assert order.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"
    assert "12 rue de la Paix, 75002 Paris, FR" in receipts[0]
    assert order.total == fake_stripe.sessions[payment.provider_ref]["amount_total"]
    assert order.total == charges[0]["amount"]
    return order, texts


def test_succeeded_before_completed_each_twice_at_once_pays_and_tells_once(
    shopper_order,
    fake_stripe,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    completed = fake_stripe.complete_session(shopper_order.provider_ref)
    succeeded = fake_stripe.sign(fake_stripe.events_of("payment_intent.succeeded")[-1])

    statuses = _deliver_at_once([succeeded, completed, succeeded, completed])

    assert statuses == [200, 200, 200, 200]
    assert ProviderEvent.objects.count() == 2
    _assert_paid_once_and_told_once(shopper_order, fake_stripe, fake_telegram)


def test_a_stale_decline_arriving_after_the_success_changes_nothing(
    shopper_order,
    fake_stripe,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    # On Stripe: declined first, then paid with another card on the same page.
    declined = fake_stripe.complete_session(shopper_order.provider_ref, card=DECLINED)
    completed = fake_stripe.complete_session(shopper_order.provider_ref)
    succeeded = fake_stripe.sign(fake_stripe.events_of("payment_intent.succeeded")[-1])

    # Delivered: the success first, the stale decline last, each twice.
    assert _deliver_at_once([completed, succeeded, completed, succeeded]) == [200] * 4
    assert _deliver_at_once([declined, declined]) == [200, 200]

    order, texts = _assert_paid_once_and_told_once(shopper_order, fake_stripe, fake_telegram)
    failed = say("payment_failed", order.shop.language, number=order.number, reason="")
    assert not [t for t in texts if t.startswith(failed[:40])], texts
