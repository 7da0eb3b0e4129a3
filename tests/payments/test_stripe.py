"""The Stripe provider end to end: the real stripe-python client talking HTTP to FakeStripe,
webhooks signed as Stripe signs them and posted to /webhooks/stripe/, orders placed through
the real checkout services. Nothing of stripe-python is mocked."""

import json
import time
from datetime import timedelta

import pytest
import stripe
from django.utils import timezone

from orders.models import ReservationState, StockReservation
from orders.transitions import OrderStatus, PaymentStatus
from payments import services
from payments.models import (
    Payment,
    PaymentMethod,
    PaymentState,
    Provider,
    ProviderEvent,
    Refund,
    RefundState,
)
from payments.providers.base import ProviderRefused, ProviderUnavailable
from payments.providers.registry import provider_for
from payments.tasks import payment_charge_saved, stripe_events_sweep
from tests.fakes.server import FakeServer

pytestmark = pytest.mark.django_db

WEBHOOK = "/webhooks/stripe/"


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Runs what would run after commit (tasks are eager in tests)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def deliver(client, on_commit):
    def post(delivery, **extra):
        with on_commit():
            return client.post(
                WEBHOOK,
                delivery.body,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=extra.get("signature", delivery.signature),
            )

    return post


@pytest.fixture
def link_payment(place_order, fake_stripe, on_commit):
    """An order awaiting payment on a Stripe Checkout page."""

    def start(quantity: int = 2):
        order = place_order(quantity)
        with on_commit():
            payment = services.payment_link_start(order=order)
        payment.refresh_from_db()
        return payment

    return start


@pytest.fixture
def saved_method(shop, customer, fake_stripe):
    """A card saved on Stripe earlier (a customer and an attached payment method)."""

    def save(card: str = "4242424242424242") -> PaymentMethod:
        customer_id, method_id = fake_stripe.saved_card(card)
        return PaymentMethod.objects.create(
            shop=shop,
            customer=customer,
            provider=Provider.STRIPE,
            provider_customer_id=customer_id,
            provider_method_id=method_id,
            brand="visa",
            last4=card[-4:],
            exp_month=12,
            exp_year=2030,
        )

    return save


def _held(order) -> list[StockReservation]:
    return list(StockReservation.objects.filter(order=order, state=ReservationState.HELD))


# -- the hosted page (Checkout Session) ---------------------------------------------------------
def test_stripe_is_the_default_provider_once_a_key_is_set(fake_stripe, settings):
    assert services.default_provider() == Provider.STRIPE
    settings.STRIPE_SECRET_KEY = ""
    assert services.default_provider() == Provider.TEST


def test_link_creates_a_checkout_session_that_saves_the_card(link_payment, fake_stripe):
    payment = link_payment()
    order = payment.order
    request = fake_stripe.last("checkout.sessions.create")
    params = request.meta["params"]
    session = fake_stripe.sessions[payment.provider_ref]

    assert payment.provider == Provider.STRIPE
    assert payment.provider_ref.startswith("cs_")
    assert payment.url == session["url"]
    assert (
        request.headers["idempotency-key"]
        == payment.idempotency_key
        == f"souk-payment-{payment.pk}"
    )
    assert params["mode"] == "payment"
    assert params["payment_intent_data"]["setup_future_usage"] == "off_session"
    assert params["payment_intent_data"]["metadata"] == {
        "souk_payment_id": str(payment.pk),
        "souk_order_id": str(order.pk),
        "souk_shop_id": str(order.shop_id),
    }
    assert params["metadata"]["souk_payment_id"] == str(payment.pk)
    assert params["client_reference_id"] == str(payment.pk)
    assert params["customer_creation"] == "always" and "customer" not in params
    assert session["amount_total"] == order.total == 2 * 4990
    assert session["currency"] == "eur"
    assert params["expires_at"] >= time.time() + 30 * 60
    assert params["success_url"].startswith("http://127.0.0.1:8000/pay/done/")
    # Stripe's page in the shopper's language: here the French shop's, as no profile says another.
    assert params["locale"] == "fr"
    assert params["line_items"][0]["price_data"]["product_data"]["name"] == (
        f"Commande n°{order.number}"
    )


def test_link_for_a_known_shopper_reuses_the_stripe_customer(
    link_payment, saved_method, fake_stripe
):
    method = saved_method()
    link_payment()
    params = fake_stripe.last("checkout.sessions.create").meta["params"]
    assert params["customer"] == method.provider_customer_id
    assert "customer_creation" not in params


def test_link_create_retried_gets_the_same_session(link_payment, fake_stripe):
    """A task retried after a timeout sends the same request with the same key: Stripe answers
    with the first session instead of opening a second one."""
    payment = link_payment()
    url = provider_for(Provider.STRIPE).link_create(payment)
    assert url == payment.url
    assert len(fake_stripe.sessions) == 1
    replay = fake_stripe.last("checkout.sessions.create")
    assert replay.response["id"] == payment.provider_ref


# -- the webhook --------------------------------------------------------------------------------
def test_completed_session_webhook_marks_the_order_paid_and_saves_the_card(
    link_payment, fake_stripe, deliver
):
    payment = link_payment()
    delivery = fake_stripe.complete_session(payment.provider_ref, card="4242424242424242")

    response = deliver(delivery)

    assert response.status_code == 200
    payment.refresh_from_db()
    order = payment.order
    order.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.provider_charge_ref.startswith("ch_")
    assert order.payment_status == PaymentStatus.PAID
    assert order.status == OrderStatus.CONFIRMED
    method = PaymentMethod.objects.get(customer=order.customer)
    assert (method.provider, method.brand, method.last4) == (Provider.STRIPE, "visa", "4242")
    assert method.provider_customer_id == fake_stripe.sessions[payment.provider_ref]["customer"]
    assert method.provider_method_id.startswith("pm_")
    assert method.exp_month == 12 and method.exp_year
    assert payment.method_id == method.pk
    event = ProviderEvent.objects.get(event_id=delivery.id)
    assert event.provider == Provider.STRIPE and event.type == "checkout.session.completed"
    assert event.processed_at is not None
    # never acted on the body alone: the session was read back from Stripe
    retrieve = fake_stripe.last("checkout.sessions.retrieve")
    assert retrieve.meta["params"]["expand"] == [
        "payment_intent.payment_method",
        "shipping_cost.shipping_rate",
    ]


def test_redelivered_and_out_of_order_events_change_nothing(link_payment, fake_stripe, deliver):
    payment = link_payment()
    completed = fake_stripe.complete_session(payment.provider_ref)
    intent_succeeded = fake_stripe.sign(fake_stripe.events_of("payment_intent.succeeded")[-1])

    assert deliver(completed).status_code == 200
    assert deliver(completed).status_code == 200  # redelivery: a no-op
    assert deliver(intent_succeeded).status_code == 200  # sent first, arrives last

    assert ProviderEvent.objects.count() == 2
    assert ProviderEvent.objects.filter(processed_at__isnull=True).count() == 0
    assert Payment.objects.filter(order=payment.order).count() == 1
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED
    assert PaymentMethod.objects.filter(customer=payment.order.customer).count() == 1
    # the redelivery did not even ask Stripe again
    assert len(fake_stripe.requests_for("checkout.sessions.retrieve")) == 2


def test_an_event_arriving_before_anything_happened_is_harmless(link_payment, fake_stripe, deliver):
    """A forged-looking but validly signed event claiming success is checked with Stripe,
    which says the session is still open: nothing is marked paid."""
    payment = link_payment()
    session = dict(fake_stripe.sessions[payment.provider_ref])
    session.update(status="complete", payment_status="paid")
    session = {k: v for k, v in session.items() if not k.startswith("_")}

    assert deliver(fake_stripe.event("checkout.session.completed", session)).status_code == 200

    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert payment.order.payment_status == PaymentStatus.AWAITING


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1700000000,v1=deadbeef",
        "garbage",
    ],
)
def test_a_bad_signature_is_refused_and_nothing_stored(
    link_payment, fake_stripe, deliver, signature
):
    payment = link_payment()
    delivery = fake_stripe.complete_session(payment.provider_ref)

    response = deliver(delivery, signature=signature)

    assert response.status_code == 403
    assert ProviderEvent.objects.count() == 0
    payment.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert payment.order.payment_status == PaymentStatus.AWAITING


def test_a_signature_with_another_secret_or_too_old_is_refused(link_payment, fake_stripe, deliver):
    payment = link_payment()
    event = fake_stripe.complete_session(payment.provider_ref).event

    other_secret = fake_stripe.sign(event, secret="whsec_someone_else")
    too_old = fake_stripe.sign(event, timestamp=int(time.time()) - 301)

    assert deliver(other_secret).status_code == 403
    assert deliver(too_old).status_code == 403
    assert ProviderEvent.objects.count() == 0


def test_a_signed_but_malformed_body_is_a_400(fake_stripe, client):
    for body in ("{not json", "[1, 2]", json.dumps({"object": "event", "type": "x"})):
        header = stripe.WebhookSignature.generate_signature_header(body, fake_stripe.webhook_secret)
        response = client.post(
            WEBHOOK, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
        )
        assert response.status_code == 400, body
    assert ProviderEvent.objects.count() == 0


def test_a_body_over_one_mebibyte_is_a_413(fake_stripe, client):
    body = json.dumps({"id": "evt_big", "object": "event", "pad": "x" * (1024 * 1024)})
    response = client.post(WEBHOOK, body, content_type="application/json")
    assert response.status_code == 413
    assert ProviderEvent.objects.count() == 0


def test_unknown_and_refund_events_are_recorded_and_ignored(fake_stripe, deliver):
    for type_ in ("customer.created", "charge.refunded"):
        assert deliver(fake_stripe.event(type_, {"id": "x", "object": "thing"})).status_code == 200
    assert ProviderEvent.objects.filter(processed_at__isnull=False).count() == 2


def test_expired_session_fails_the_attempt_but_keeps_the_stock(link_payment, fake_stripe, deliver):
    payment = link_payment()
    deliver(fake_stripe.expire_session(payment.provider_ref))
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert payment.order.payment_status == PaymentStatus.FAILED
    assert _held(payment.order)


def test_link_expire_closes_the_session(link_payment, fake_stripe):
    payment = link_payment()
    provider = provider_for(Provider.STRIPE)
    provider.link_expire(payment)
    assert fake_stripe.sessions[payment.provider_ref]["status"] == "expired"
    provider.link_expire(payment)  # already expired: Stripe refuses, we shrug


def test_sweeper_processes_events_whose_task_was_lost(link_payment, fake_stripe, client):
    payment = link_payment()
    delivery = fake_stripe.complete_session(payment.provider_ref)
    response = client.post(  # on-commit callbacks never run: the task is "lost"
        WEBHOOK,
        delivery.body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )
    assert response.status_code == 200
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.PENDING
    assert stripe_events_sweep.apply().get() == 0  # too recent to be called lost
    ProviderEvent.objects.update(received_at=timezone.now() - timedelta(minutes=2))

    assert stripe_events_sweep.apply().get() == 1

    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED
    assert ProviderEvent.objects.get().processed_at is not None


# -- saved cards, off session -------------------------------------------------------------------
def test_saved_card_charge_succeeds_with_the_payment_idempotency_key(
    place_order, saved_method, fake_stripe, on_commit
):
    method = saved_method("4242424242424242")
    order = place_order()
    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.provider_ref.startswith("pi_")
    assert payment.provider_charge_ref.startswith("ch_")
    assert order.payment_status == PaymentStatus.PAID
    create = fake_stripe.last("payment_intents.create")
    assert create.headers["idempotency-key"] == f"souk-payment-{payment.pk}"
    params = create.meta["params"]
    assert params["off_session"] is True and params["confirm"] is True
    assert params["customer"] == method.provider_customer_id
    assert params["payment_method"] == method.provider_method_id
    assert (params["amount"], params["currency"]) == (order.total, "eur")
    assert params["metadata"]["souk_payment_id"] == str(payment.pk)


def test_the_charge_task_run_twice_makes_one_payment_intent(
    place_order, saved_method, fake_stripe, on_commit
):
    method = saved_method()
    order = place_order()
    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)
    # a worker died after Stripe charged but before the outcome was written: redelivered
    Payment.objects.filter(pk=payment.pk).update(state=PaymentState.PENDING)
    payment_charge_saved.apply(args=[payment.pk])
    # and the provider asked directly, twice more
    provider = provider_for(Provider.STRIPE)
    provider.charge_saved(payment, method)

    creates = fake_stripe.requests_for("payment_intents.create")
    assert len(creates) == 3
    assert {r.headers["idempotency-key"] for r in creates} == {payment.idempotency_key}
    assert len(fake_stripe.payment_intents) == 1
    assert len(fake_stripe.charges) == 1
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED


def test_authentication_required_sends_the_shopper_to_a_checkout_page(
    place_order, saved_method, fake_stripe, on_commit, deliver
):
    method = saved_method("4000002760003184")
    order = place_order()
    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)

    payment.refresh_from_db()
    assert payment.state == PaymentState.REQUIRES_ACTION
    assert payment.provider_ref.startswith("cs_")
    assert payment.url == fake_stripe.sessions[payment.provider_ref]["url"]
    session_request = fake_stripe.last("checkout.sessions.create")
    assert session_request.headers["idempotency-key"] == f"{payment.idempotency_key}-auth"
    assert session_request.meta["params"]["customer"] == method.provider_customer_id
    assert Payment.objects.get(pk=payment.pk).order.payment_status == PaymentStatus.AWAITING

    # the failed off-session attempt's own webhook changes nothing
    deliver(fake_stripe.sign(fake_stripe.events_of("payment_intent.payment_failed")[-1]))
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.REQUIRES_ACTION

    # the shopper authenticates on Stripe's page
    deliver(fake_stripe.complete_session(payment.provider_ref, card="4000002760003184"))
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.order.payment_status == PaymentStatus.PAID


def test_a_declined_saved_card_fails_the_payment_and_keeps_the_stock(
    place_order, saved_method, fake_stripe, on_commit
):
    method = saved_method("4000000000000341")
    order = place_order()
    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert payment.failure_code == "generic_decline"
    assert payment.failure_message == "Your card was declined."
    assert order.payment_status == PaymentStatus.FAILED
    assert order.status == OrderStatus.PENDING
    assert _held(order)


def test_a_card_declined_on_the_page_is_a_failed_attempt(link_payment, fake_stripe, deliver):
    payment = link_payment()
    deliver(fake_stripe.complete_session(payment.provider_ref, card="4000000000000002"))
    payment.refresh_from_db()
    assert payment.state == PaymentState.FAILED
    assert payment.order.payment_status == PaymentStatus.FAILED


# -- refunds -----------------------------------------------------------------------------------
@pytest.fixture
def paid_by_link(link_payment, fake_stripe, deliver):
    payment = link_payment()
    deliver(fake_stripe.complete_session(payment.provider_ref))
    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    return payment


def test_partial_then_full_refund(paid_by_link, fake_stripe, on_commit):
    order = paid_by_link.order
    intent_id = fake_stripe.sessions[paid_by_link.provider_ref]["payment_intent"]

    with on_commit():
        first = services.refund_create(order=order, amount=1000, reason="one item damaged")
    first.refresh_from_db()
    order.refresh_from_db()
    assert first.state == RefundState.SUCCEEDED and first.provider_ref.startswith("re_")
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.refunded_total == 1000
    request = fake_stripe.last("refunds.create")
    assert request.headers["idempotency-key"] == f"souk-refund-{first.pk}"
    assert request.meta["params"]["payment_intent"] == intent_id
    assert request.meta["params"]["amount"] == 1000

    with on_commit():
        rest = services.refund_create(order=order)
    rest.refresh_from_db()
    order.refresh_from_db()
    assert rest.amount == order.total - 1000
    assert order.payment_status == PaymentStatus.REFUNDED
    assert order.refunded_total == order.total
    charge = fake_stripe.charges[fake_stripe.payment_intents[intent_id]["latest_charge"]]
    assert charge["refunded"] is True and charge["amount_refunded"] == order.total
    assert sorted(r["amount"] for r in fake_stripe.refunds.values()) == sorted(
        [1000, order.total - 1000]
    )


def test_refund_of_a_saved_card_charge(place_order, saved_method, fake_stripe, on_commit):
    method = saved_method()
    order = place_order()
    with on_commit():
        services.payment_saved_start(order=order, method=method)
    with on_commit():
        refund = services.refund_create(order=order)
    refund.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert fake_stripe.last("refunds.create").meta["params"]["payment_intent"].startswith("pi_")


def test_a_refund_retried_is_refunded_once(paid_by_link, fake_stripe):
    refund = Refund.objects.create(shop_id=paid_by_link.shop_id, payment=paid_by_link, amount=500)
    provider = provider_for(Provider.STRIPE)
    assert provider.refund(paid_by_link, refund) == provider.refund(paid_by_link, refund)
    assert len(fake_stripe.refunds) == 1


# -- Stripe unreachable or refusing ---------------------------------------------------------
def test_stripe_down_leaves_the_order_awaiting_payment_with_stock_reserved(
    place_order, saved_method, fake_stripe, on_commit, variant
):
    method = saved_method()
    order = place_order()
    fake_stripe.fail_always("payment_intents.create", status=500)

    payment = Payment.objects.create(
        shop_id=order.shop_id,
        order=order,
        provider=Provider.STRIPE,
        kind="saved",
        amount=order.total,
        currency=order.currency,
        method=method,
    )
    with pytest.raises(ProviderUnavailable):
        provider_for(Provider.STRIPE).charge_saved(payment, method)
    payment.delete()

    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)  # task retries

    payment.refresh_from_db()
    order.refresh_from_db()
    variant.refresh_from_db()
    assert payment.state == PaymentState.PENDING
    assert order.payment_status == PaymentStatus.AWAITING
    assert order.status == OrderStatus.PENDING
    assert [r.quantity for r in _held(order)] == [2]
    assert variant.stock == 3
    assert fake_stripe.payment_intents == {}

    # Stripe is back: the retried task charges once
    fake_stripe.clear_scripts()
    payment_charge_saved.apply(args=[payment.pk])
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED


def test_connection_refused_is_provider_unavailable(link_payment, settings, on_commit):
    with FakeServer() as closed:
        dead_url = closed.url
    settings.STRIPE_API_BASE = dead_url
    payment = link_payment()
    assert payment.provider_ref == "" and payment.url == ""
    assert payment.state == PaymentState.PENDING
    assert payment.order.payment_status == PaymentStatus.AWAITING
    assert _held(payment.order)
    with pytest.raises(ProviderUnavailable):
        provider_for(Provider.STRIPE).link_create(payment)


def test_rate_limited_is_provider_unavailable(link_payment, fake_stripe):
    payment = link_payment()
    fake_stripe.fail_next(
        "checkout.sessions.retrieve",
        status=429,
        json={"error": {"type": "invalid_request_error", "code": "rate_limit", "message": "slow"}},
    )
    with pytest.raises(ProviderUnavailable):
        provider_for(Provider.STRIPE).refresh(payment)


def test_a_wrong_key_is_refused_not_retried(link_payment, fake_stripe, settings):
    payment = link_payment()
    settings.STRIPE_SECRET_KEY = "sk_test_wrong"
    with pytest.raises(ProviderRefused):
        provider_for(Provider.STRIPE).refresh(payment)


def test_declined_on_the_page_then_paid_on_the_same_page(link_payment, fake_stripe, deliver):
    payment = link_payment()
    deliver(fake_stripe.complete_session(payment.provider_ref, card="4000000000000002"))
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.FAILED

    deliver(fake_stripe.complete_session(payment.provider_ref, card="5555555555554444"))

    payment.refresh_from_db()
    assert payment.state == PaymentState.SUCCEEDED
    assert payment.order.payment_status == PaymentStatus.PAID
    assert PaymentMethod.objects.get(customer=payment.order.customer).brand == "mastercard"


def test_a_key_reused_with_other_parameters_is_refused(link_payment, fake_stripe):
    """As Stripe does: an idempotency key names one request; the fake holds us to it."""
    payment = link_payment()
    Payment.objects.filter(pk=payment.pk).update(amount=payment.amount + 1)
    payment.refresh_from_db()
    with pytest.raises(ProviderRefused, match="idempotent"):
        provider_for(Provider.STRIPE).link_create(payment)
    assert fake_stripe.last("checkout.sessions.create").response["error"]["type"] == (
        "idempotency_error"
    )


def test_the_return_page(link_payment, fake_stripe, deliver, rf):
    from payments.stripe_views import stripe_done

    payment = link_payment()
    fake_stripe.complete_session(payment.provider_ref)  # paid; the webhook is late

    response = stripe_done(rf.get("/pay/done/", {"session_id": payment.provider_ref}))

    assert response.status_code == 200
    assert b"Payment received, you can go back to the chat" in response.content
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED
    assert b"go back to the chat" in stripe_done(rf.get("/pay/done/")).content


def test_a_slow_stripe_times_out_as_unavailable(link_payment, fake_stripe, settings):
    payment = link_payment()
    settings.PLATFORM_TIMEOUT_SECONDS = 0.3
    fake_stripe.delay_next("checkout.sessions.retrieve", seconds=2.0)
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable):
        provider_for(Provider.STRIPE).refresh(payment)
    assert time.monotonic() - started < 1.5


def test_a_saved_card_gone_is_refused(place_order, saved_method, on_commit):
    method = saved_method()
    order = place_order()
    with on_commit():
        payment = services.payment_saved_start(order=order, method=method)
    with pytest.raises(ProviderRefused):
        provider_for(Provider.STRIPE).charge_saved(payment, None)
