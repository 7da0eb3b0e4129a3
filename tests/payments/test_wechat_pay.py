"""WeChat Pay on Stripe Checkout for a shopper buying in WeChat: the real stripe-python client
talks HTTP to FakeStripe, which checks the parameters as Stripe does; webhooks are signed and
posted to /webhooks/stripe/; orders are placed through the real checkout services."""

import pytest

from channels_adapters.models import ChannelAccount
from orders.checkout import checkout_complete, checkout_start, checkout_update
from orders.models import OrderEvent
from orders.services import cart_add, cart_open
from orders.transitions import OrderStatus, PaymentStatus
from payments import services
from payments.models import Payment, PaymentMethod, PaymentState

pytestmark = pytest.mark.django_db

WEBHOOK = "/webhooks/stripe/"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def deliver(client, on_commit):
    def post(delivery):
        with on_commit():
            return client.post(
                WEBHOOK,
                delivery.body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=delivery.signature,
            )

    return post


def channel_of(shop, kind: str) -> ChannelAccount:
    channel, _ = ChannelAccount.objects.get_or_create(
        shop=shop, kind=kind, external_id=f"{kind}-account", defaults={"credentials": {"t": "x"}}
    )
    return channel


@pytest.fixture
def link_in(shop, variant, customer, fake_stripe, on_commit):
    """An order placed in a conversation on `kind`, awaiting payment on a Checkout page."""

    def start(kind: str = "wechat") -> Payment:
        cart = cart_open(shop=shop, owner_key=str(customer.pk))
        cart_add(cart=cart, variant=variant, quantity=1)
        checkout = checkout_start(cart=cart, customer=customer, channel=channel_of(shop, kind))
        checkout_update(checkout=checkout, contact_name="Léa", contact_phone="+33612345678")
        order = checkout_complete(checkout=checkout, require_details=False)
        with on_commit():
            payment = services.payment_link_start(order=order)
        payment.refresh_from_db()
        return payment

    return start


def sent_params(fake_stripe) -> dict:
    return fake_stripe.last("checkout.sessions.create").meta["params"]


def test_a_wechat_shopper_is_offered_wechat_pay_beside_the_card(link_in, fake_stripe):
    payment = link_in("wechat")
    params = sent_params(fake_stripe)
    session = fake_stripe.sessions[payment.provider_ref]

    assert params["payment_method_types"] == ["card", "wechat_pay"]
    assert params["payment_method_options"]["wechat_pay"] == {"client": "web"}
    # WeChat Pay is single-use: Stripe refuses setup_future_usage on the whole intent, so the
    # card alone is saved for "OK" next time.
    assert "setup_future_usage" not in params["payment_intent_data"]
    assert params["payment_method_options"]["card"] == {"setup_future_usage": "off_session"}
    assert session["payment_method_types"] == ["card", "wechat_pay"]
    assert payment.url == session["url"]


def test_a_telegram_shopper_gets_the_card_page_as_before(link_in, fake_stripe):
    link_in("telegram")
    params = sent_params(fake_stripe)

    assert "payment_method_types" not in params
    assert "payment_method_options" not in params
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"


def test_a_currency_wechat_pay_does_not_take_gets_the_card_only(shop, link_in, fake_stripe):
    shop.currency = "MAD"  # Moroccan dirham: not among WeChat Pay's currencies on Stripe
    shop.save(update_fields=["currency"])
    payment = link_in("wechat")
    params = sent_params(fake_stripe)

    assert payment.currency == "MAD"
    assert "payment_method_types" not in params
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert fake_stripe.sessions[payment.provider_ref]["payment_method_types"] == ["card"]


def test_the_fake_refuses_what_stripe_refuses_for_wechat_pay(fake_stripe):
    import stripe

    client = stripe.StripeClient(
        fake_stripe.secret_key, base_addresses={"api": fake_stripe.url}, max_network_retries=0
    )
    base = {
        "mode": "payment",
        "success_url": "https://souk.example.com/pay/done/",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 100,
                    "product_data": {"name": "Robe"},
                },
            }
        ],
        "payment_method_types": ["card", "wechat_pay"],
    }
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.checkout.sessions.create(params=base)
    assert missing.value.param == "payment_method_options[wechat_pay][client]"
    options = {"payment_method_options": {"wechat_pay": {"client": "web"}}}
    with pytest.raises(stripe.InvalidRequestError) as saving:
        client.v1.checkout.sessions.create(
            params={**base, **options, "payment_intent_data": {"setup_future_usage": "off_session"}}
        )
    assert saving.value.param == "payment_intent_data[setup_future_usage]"
    mad = [{**base["line_items"][0], "price_data": {**base["line_items"][0]["price_data"]}}]
    mad[0]["price_data"]["currency"] = "mad"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        client.v1.checkout.sessions.create(params={**base, **options, "line_items": mad})
    assert currency.value.param == "payment_method_types"


def test_paid_with_wechat_pay_the_order_is_paid_once_and_nothing_is_saved(
    link_in, fake_stripe, deliver, customer
):
    payment = link_in("wechat")
    completed = fake_stripe.complete_session(payment.provider_ref, wallet="wechat_pay")
    succeeded = fake_stripe.sign(fake_stripe.events_of("payment_intent.succeeded")[-1])

    assert deliver(completed).status_code == 200
    assert deliver(succeeded).status_code == 200
    assert deliver(completed).status_code == 200  # redelivered: a no-op

    payment.refresh_from_db()
    order = payment.order
    order.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert order.payment_status == PaymentStatus.PAID
    assert order.status == OrderStatus.CONFIRMED
    # one "paid" on the timeline: the one receipt the shopper gets
    assert OrderEvent.objects.filter(order=order, type="order.paid").count() == 1
    intent = fake_stripe.payment_intents[
        fake_stripe.sessions[payment.provider_ref]["payment_intent"]
    ]
    assert fake_stripe.payment_methods[intent["payment_method"]]["type"] == "wechat_pay"
    # a WeChat Pay payment is single-use: nothing to charge with "OK" next time
    assert not PaymentMethod.objects.filter(customer=customer).exists()
    assert services.saved_method_for_new_payment(customer=customer) is None


def test_ok_after_a_wechat_pay_purchase_sends_the_link_again_not_a_charge(
    link_in, fake_stripe, deliver, customer
):
    first = link_in("wechat")
    deliver(fake_stripe.complete_session(first.provider_ref, wallet="wechat_pay"))

    again = link_in("wechat")  # what "OK" to reorder does without a saved method

    assert again.provider_ref.startswith("cs_") and again.url
    assert again.method_id is None
    assert fake_stripe.requests_for("payment_intents.create") == []
    assert sent_params(fake_stripe)["payment_method_types"] == ["card", "wechat_pay"]


def test_a_card_paid_on_the_wechat_page_is_still_saved(link_in, fake_stripe, deliver, customer):
    payment = link_in("wechat")
    deliver(fake_stripe.complete_session(payment.provider_ref, card="4242424242424242"))

    method = PaymentMethod.objects.get(customer=customer)
    assert (method.brand, method.last4) == ("visa", "4242")
    assert fake_stripe.payment_methods[method.provider_method_id]["customer"]


def test_a_declined_wechat_pay_leaves_the_order_awaiting_payment(link_in, fake_stripe, deliver):
    payment = link_in("wechat")
    failed = fake_stripe.complete_session(payment.provider_ref, wallet="wechat_pay", declined=True)

    assert deliver(failed).status_code == 200
    payment.refresh_from_db()
    order = payment.order
    order.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert order.payment_status == PaymentStatus.FAILED
    assert fake_stripe.sessions[payment.provider_ref]["status"] == "open"
