"""Thin tasks around payments.services. The charge and refund tasks are acknowledged late:
a worker killed mid-call is redelivered, and the idempotency key of the row makes the second
call return the first one's result. A provider outage is retried with backoff; the shopper is
told once, at the first failure, that payment is unavailable for now."""

import logging
import random

from celery import shared_task
from django.conf import settings

from channels_adapters import taskqueue
from payments import services
from payments.models import Payment, Refund
from payments.providers.base import ProviderUnavailable

logger = logging.getLogger(__name__)


def _countdown(retries: int) -> float:
    # Capped below what the broker's visibility timeout allows (config/settings.py), or Redis
    # would hand the waiting retry to a second worker; more retries make up the time.
    base = min(float(settings.SOUK_TASK_MAX_COUNTDOWN), 5.0 * 2**retries)
    return base / 2 + random.uniform(0, base / 2)


def _retry_later(task, exc: Exception, *, model, pk: int):
    """The retry, with the sweeper told when to expect it (it enqueues the work itself if the
    retry cannot be published: the broker is down)."""
    countdown = _countdown(task.request.retries)
    services.provider_work_retry_later(model=model, pk=pk, countdown=countdown)
    return task.retry(exc=exc, countdown=countdown)


def _shopper_waiting(task, payment: Payment, call) -> None:
    """Runs `call`; on an outage, tells the shopper once and retries with backoff."""
    try:
        call()
    except ProviderUnavailable as exc:
        if task.request.retries == 0:
            services.payment_unavailable_notify(payment=payment)
        raise _retry_later(task, exc, model=Payment, pk=payment.pk) from exc


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=10)
def payment_link_create(self, payment_id: int) -> None:
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is not None:
        _shopper_waiting(self, payment, lambda: services.payment_link_create(payment=payment))


@shared_task(ignore_result=True)
def payment_link_expire(payment_id: int) -> None:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is not None:
        services.payment_link_expire(payment=payment)


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=12)
def payment_charge_saved(self, payment_id: int) -> None:
    payment = Payment.objects.select_related("order", "method").filter(pk=payment_id).first()
    if payment is not None:
        _shopper_waiting(self, payment, lambda: services.payment_charge_saved(payment=payment))


@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=12)
def refund_process(self, refund_id: int, record_on_order: bool | None = None) -> None:
    # record_on_order: only in messages queued before the Refund row stored it.
    refund = Refund.objects.select_related("payment__order").filter(pk=refund_id).first()
    if refund is None:
        return
    try:
        services.refund_process(refund=refund, record_on_order=record_on_order)
    except ProviderUnavailable as exc:
        raise _retry_later(self, exc, model=Refund, pk=refund.pk) from exc


@shared_task(ignore_result=True)
def provider_work_sweep() -> int:
    """Periodic (beat, every few seconds): re-enqueues pay links, saved-card charges and refunds
    whose provider call is owed and whose task was lost (worker killed mid-call, retry not
    published while the broker was down), about 20 s after it was queued or last attempted
    instead of at the broker's visibility timeout. A duplicate run charges nothing more: the
    same idempotency key, and one recorded outcome (services)."""
    links, charges, refunds = services.provider_work_due()
    enqueued = (
        taskqueue.enqueue_swept(payment_link_create, links)
        + taskqueue.enqueue_swept(payment_charge_saved, charges)
        + taskqueue.enqueue_swept(refund_process, refunds)
    )
    if enqueued:
        logger.warning(
            "payments sweep: re-enqueued %d lost provider call(s) (ids %s…)",
            len(enqueued),
            enqueued[:5],
        )
    return len(enqueued)


# -- Stripe webhook events (payments/stripe_events.py) ----------------------------------------
@shared_task(bind=True, ignore_result=True, acks_late=True, max_retries=12)
def stripe_event_process(self, provider_event_id: int) -> None:
    from payments import stripe_events

    try:
        stripe_events.stripe_event_process(provider_event_id=provider_event_id)
    except ProviderUnavailable as exc:
        raise self.retry(exc=exc, countdown=_countdown(self.request.retries)) from exc


@shared_task(ignore_result=True)
def stripe_events_sweep() -> int:
    """Periodic (beat, every few seconds): re-enqueues Stripe events stored but left
    unprocessed (broker outage, worker killed, retries exhausted while Stripe was down).
    Processing twice records nothing twice (payment_outcome_record locks and is idempotent)."""
    from payments import stripe_events

    enqueued = taskqueue.enqueue_swept(stripe_event_process, stripe_events.stripe_events_stale())
    if enqueued:
        logger.warning("stripe sweep: re-enqueued %d unprocessed event(s)", len(enqueued))
    return len(enqueued)


@shared_task(bind=True, ignore_result=True, max_retries=3)
def stripe_payment_refresh(self, payment_id: int) -> None:
    """The shopper came back from Stripe Checkout: ask Stripe now rather than wait for the
    webhook (which may not even be configured on a development machine)."""
    payment = Payment.objects.select_related("order").filter(pk=payment_id).first()
    if payment is None:
        return
    try:
        services.payment_refresh(payment=payment)
    except ProviderUnavailable as exc:
        raise self.retry(exc=exc, countdown=_countdown(self.request.retries)) from exc
