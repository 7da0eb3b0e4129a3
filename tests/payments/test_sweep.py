"""The payments sweeper: provider work whose task was lost (worker killed mid-call, retry not
published while the broker was down) is done about 20 s later, and a second run of work
already done charges or refunds nothing more."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from orders.models import OrderEvent
from orders.transitions import PaymentStatus
from payments import services
from payments.models import (
    Payment,
    PaymentMethod,
    PaymentState,
    Provider,
    Refund,
    RefundState,
    SandboxCharge,
)
from payments.providers.base import ProviderRefused, ProviderUnavailable
from payments.providers.registry import provider_for
from payments.tasks import payment_charge_saved, provider_work_sweep, refund_process

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _forget_recent_sweeps():
    # The sweeper skips ids it enqueued within 20 s (cache): ids repeat across tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def saved_card(shop, customer, fake_stripe) -> PaymentMethod:
    customer_id, method_id = fake_stripe.saved_card("4242424242424242")
    return PaymentMethod.objects.create(
        shop=shop,
        customer=customer,
        provider=Provider.STRIPE,
        provider_customer_id=customer_id,
        provider_method_id=method_id,
        brand="visa",
        last4="4242",
    )


def _queued_and_lost(django_capture_on_commit_callbacks, start, *, seconds_ago: float):
    """Starts the work but drops its task (the broker lost it), as if queued `seconds_ago`."""
    with django_capture_on_commit_callbacks(execute=False):
        row = start()
    type(row).objects.filter(pk=row.pk).update(
        next_attempt_at=timezone.now() + services.SWEEP_AFTER - timedelta(seconds=seconds_ago)
    )
    return row


def _charges_with_key(fake_stripe, payment: Payment) -> list:
    return [
        request
        for request in fake_stripe.requests_for("payment_intents.create")
        if request.headers["idempotency-key"] == payment.idempotency_key
    ]


def test_a_charge_lost_30_s_ago_is_swept_and_one_queued_1_s_ago_is_not(
    place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks
):
    lost_order, recent_order = place_order(1), place_order(1)
    lost = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.payment_saved_start(order=lost_order, method=saved_card),
        seconds_ago=30,
    )
    recent = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.payment_saved_start(order=recent_order, method=saved_card),
        seconds_ago=1,
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1

    lost_order.refresh_from_db()
    recent_order.refresh_from_db()
    assert lost_order.payment_status == PaymentStatus.PAID
    assert len(fake_stripe.payment_intents) == 1
    assert len(_charges_with_key(fake_stripe, lost)) == 1
    assert recent_order.payment_status == PaymentStatus.AWAITING
    assert _charges_with_key(fake_stripe, recent) == []
    # Done: nothing more to sweep, and nothing owed.
    assert Payment.objects.get(pk=lost.pk).next_attempt_at is None
    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 0


def test_a_charge_made_by_a_killed_worker_is_recorded_once_with_the_same_key(
    place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks
):
    order = place_order(1)
    payment = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.payment_saved_start(order=order, method=saved_card),
        seconds_ago=30,
    )
    # The killed worker's call reached Stripe, which charged; its outcome was never recorded.
    provider_for(Provider.STRIPE).charge_saved(payment, saved_card)

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert len(_charges_with_key(fake_stripe, payment)) == 2  # the same key twice
    assert len(fake_stripe.payment_intents) == 1
    assert len(fake_stripe.charges) == 1


def test_a_swept_duplicate_of_a_recorded_charge_charges_nothing_more(
    place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks
):
    order = place_order(1)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_saved_start(order=order, method=saved_card)
    assert Payment.objects.get(pk=payment.pk).state == PaymentState.SUCCEEDED

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 0
        payment_charge_saved.apply((payment.pk,))  # a duplicate delivered anyway

    assert len(fake_stripe.charges) == 1
    assert len(_charges_with_key(fake_stripe, payment)) == 1
    assert OrderEvent.objects.filter(order=order, type="order.paid").count() == 1


def test_a_running_task_and_a_swept_duplicate_record_one_outcome(
    place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks
):
    order = place_order(1)
    with django_capture_on_commit_callbacks(execute=False):
        services.payment_saved_start(order=order, method=saved_card)
    # Both runs read the payment while it was pending, then both call Stripe.
    first, duplicate = (
        Payment.objects.select_related("order", "method").get(order=order) for _ in range(2)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_charge_saved(payment=first)
        services.payment_charge_saved(payment=duplicate)

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert len(fake_stripe.charges) == 1
    assert OrderEvent.objects.filter(order=order, type="order.paid").count() == 1


def test_a_retry_waiting_for_its_countdown_is_not_swept_but_a_lost_one_is(
    place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks, monkeypatch
):
    order = place_order(1)
    payment = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.payment_saved_start(order=order, method=saved_card),
        seconds_ago=30,
    )

    def stripe_down(*args, **kwargs):
        raise ProviderUnavailable("Stripe: HTTP 503")

    monkeypatch.setattr(type(provider_for(Provider.STRIPE)), "charge_saved", stripe_down)
    with django_capture_on_commit_callbacks(execute=True):
        # Eager retries are not re-run here: the first retry stands for one the broker holds.
        payment_charge_saved.apply((payment.pk,), retries=payment_charge_saved.max_retries)
    waiting = Payment.objects.get(pk=payment.pk)
    assert waiting.state == PaymentState.PENDING
    due_in = (waiting.next_attempt_at - timezone.now()).total_seconds()
    longest = settings.SOUK_TASK_MAX_COUNTDOWN + services.SWEEP_AFTER.total_seconds()
    assert services.SWEEP_AFTER.total_seconds() < due_in <= longest
    assert provider_work_sweep.apply().get() == 0  # its retry is still to come

    monkeypatch.undo()
    Payment.objects.filter(pk=payment.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1  # the retry never came: swept
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert len(fake_stripe.charges) == 1


# -- refunds -----------------------------------------------------------------------------------
@pytest.fixture
def paid_order(place_order, saved_card, fake_stripe, django_capture_on_commit_callbacks):
    order = place_order(1)
    with django_capture_on_commit_callbacks(execute=True):
        services.payment_saved_start(order=order, method=saved_card)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    return order


def test_a_lost_refund_is_swept_and_refunded_once(
    paid_order, fake_stripe, django_capture_on_commit_callbacks
):
    refund = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.refund_create(order=paid_order, amount=1000),
        seconds_ago=30,
    )
    # The killed worker's refund reached Stripe; its outcome was never recorded.
    provider_for(Provider.STRIPE).refund(refund.payment, refund)

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1
        refund_process.apply((refund.pk,))  # and the broker redelivers it later

    refund.refresh_from_db()
    paid_order.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED and refund.next_attempt_at is None
    assert len(fake_stripe.refunds) == 1
    assert paid_order.refunded_total == 1000
    assert paid_order.payment_status == PaymentStatus.PARTIALLY_REFUNDED


def test_a_swept_money_back_refund_leaves_the_order_paid(
    paid_order, fake_stripe, django_capture_on_commit_callbacks
):
    """Money sent straight back (paid twice) is not a refund of the order: the swept run knows
    it from the row, as the lost task knew it from its arguments."""
    payment = Payment.objects.get(order=paid_order)
    refund = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: (
            services._refund_in_full(payment, reason="The order was already paid", tell=False)
            or Refund.objects.get(payment=payment)
        ),
        seconds_ago=30,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1
    refund.refresh_from_db()
    paid_order.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert len(fake_stripe.refunds) == 1
    assert (paid_order.payment_status, paid_order.refunded_total) == (PaymentStatus.PAID, 0)


def test_the_sweep_is_scheduled_every_few_seconds():
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-payments"]
    assert entry["task"] == "payments.tasks.provider_work_sweep"
    assert entry["schedule"] <= 10 and 0 < entry["options"]["expires"] <= entry["schedule"]


def test_the_test_provider_refunds_a_retried_refund_once(
    place_order, shop, customer, django_capture_on_commit_callbacks
):
    """The test provider keeps Stripe's promise too: a refund re-run after its worker was
    killed mid-call (the provider refunded, our row still pending) refunds nothing more."""
    method = PaymentMethod.objects.create(
        shop=shop,
        customer=customer,
        provider=Provider.TEST,
        provider_method_id="pm_test_4242_saved",
    )
    order = place_order(1)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.payment_saved_start(order=order, method=method)
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    refund = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.refund_create(order=order, amount=1000),
        seconds_ago=30,
    )
    provider_for(Provider.TEST).refund(payment, refund)  # the killed worker's call

    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1

    refund.refresh_from_db()
    order.refresh_from_db()
    assert refund.state == RefundState.SUCCEEDED
    assert SandboxCharge.objects.get(idempotency_key=payment.idempotency_key).refunded == 1000
    assert order.refunded_total == 1000


def test_a_pay_link_the_provider_refuses_is_not_swept_again(
    place_order, fake_stripe, django_capture_on_commit_callbacks, monkeypatch
):
    order = place_order(1)
    payment = _queued_and_lost(
        django_capture_on_commit_callbacks,
        lambda: services.payment_link_start(order=order, provider=Provider.STRIPE),
        seconds_ago=30,
    )

    def refused(*args, **kwargs):
        raise ProviderRefused("Stripe checkout session create: Invalid API Key provided")

    monkeypatch.setattr(type(provider_for(Provider.STRIPE)), "link_create", refused)
    with django_capture_on_commit_callbacks(execute=True):
        assert provider_work_sweep.apply().get() == 1
    assert Payment.objects.get(pk=payment.pk).next_attempt_at is None
    cache.clear()  # even past the sweeper's 20 s memory of it
    assert provider_work_sweep.apply().get() == 0
