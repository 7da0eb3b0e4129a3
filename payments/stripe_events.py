"""Stripe webhook events: stored once when they arrive (payments/webhooks.py), processed by a
task (payments.tasks.stripe_event_process).

Stripe delivers an event at least once, in no particular order, and a body is only a
snapshot of the moment it was sent. So an event is never acted on alone: it names the Payment
(our metadata, else the Stripe id we stored), and `payment_refresh` asks Stripe where that
payment stands now and records it, with what Stripe's page collected (name, phone, address,
delivery option: payments/collected.py). A redelivered, late or out-of-order event therefore
finds the payment already recorded and changes nothing.
"""

import json
import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from payments import services
from payments.models import Payment, Provider, ProviderEvent
from payments.providers.base import ProviderRefused

logger = logging.getLogger(__name__)

# Events after which the payment is re-read from Stripe (enable them on the Stripe endpoint).
PAYMENT_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
        "payment_intent.succeeded",
        "payment_intent.payment_failed",
    }
)
# Kept for the record only: refunds are started by us and recorded when Stripe answers.
RECORDED_EVENTS = frozenset({"charge.refunded", "refund.created", "refund.updated"})

# Left to the task enqueued with the event this long; then the sweeper (every few seconds).
SWEEP_AFTER = timedelta(seconds=20)
SWEEP_GIVE_UP_AFTER = timedelta(days=3)  # Stripe itself stops redelivering after three days


def _insert_new(
    *, event_id: str, type: str, payload: dict[str, Any], shop_id: int | None
) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: the row id when the event is new, None
    when it was stored before (PostgreSQL, and SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(ProviderEvent._meta.db_table)
    # Only the table name is interpolated (from the model); every value is a parameter.
    sql = (
        f"INSERT INTO {table} (provider, event_id, type, payload, received_at, shop_id) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (provider, event_id) DO NOTHING RETURNING id"
    )
    params = [
        Provider.STRIPE,
        event_id[:120],
        type[:80],
        json.dumps(payload, separators=(",", ":")),
        timezone.now(),
        shop_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return row[0] if row else None


def stripe_event_store(
    *, event_id: str, type: str, payload: dict[str, Any], shop_id: int | None = None
) -> int | None:
    """Stores a verified event unless already stored, and enqueues its processing once the
    row is committed. Returns the new row's id; None for a redelivery (a no-op). `shop_id`:
    the event came from that shop's own Stripe account."""
    from payments.tasks import stripe_event_process

    with transaction.atomic():
        new_id = _insert_new(event_id=event_id, type=type, payload=payload, shop_id=shop_id)
        if new_id is not None:
            stripe_event_process.delay_on_commit(new_id)
    return new_id


def _object_of(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    return obj if isinstance(obj, dict) else {}


def payment_for_event(payload: dict[str, Any], *, shop_id: int | None = None) -> Payment | None:
    """The Payment an event is about: our own id in the metadata we gave Stripe, else the
    Checkout Session or PaymentIntent id we stored. An event from a shop's own account only
    ever names that shop's payments (a shop signs its own events: it must not reach others)."""
    obj = _object_of(payload)
    payments = Payment.objects.filter(provider=Provider.STRIPE).select_related("order")
    if shop_id is not None:
        payments = payments.filter(shop_id=shop_id)
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    payment_id = str(metadata.get("souk_payment_id") or "")
    if payment_id.isdigit():
        payment = payments.filter(pk=int(payment_id)).first()
        if payment is not None:
            return payment
    refs = [
        ref
        for ref in (obj.get("id"), obj.get("payment_intent"))
        if isinstance(ref, str) and ref.startswith(("cs_", "pi_"))
    ]
    if not refs:
        return None
    return payments.filter(provider_ref__in=refs).order_by("-id").first()


def _adopt_session(payment: Payment, payload: dict[str, Any]) -> Payment:
    """A hosted-page payment whose session id was never stored (the task creating it died
    between Stripe's answer and our write) learns it from the event that names it, so the
    refresh below can ask Stripe about it."""
    session_id = _object_of(payload).get("id")
    if payment.provider_ref or not (isinstance(session_id, str) and session_id.startswith("cs_")):
        return payment
    Payment.objects.filter(pk=payment.pk, provider_ref="").update(
        provider_ref=session_id[:120], updated_at=timezone.now()
    )
    payment.refresh_from_db()
    return payment


def _mark_processed(event: ProviderEvent) -> None:
    ProviderEvent.objects.filter(pk=event.pk, processed_at__isnull=True).update(
        processed_at=timezone.now()
    )


def stripe_event_process(*, provider_event_id: int) -> None:
    """Task body. Raises ProviderUnavailable when Stripe cannot be asked (the task retries;
    the event stays unprocessed for the sweeper until then)."""
    event = ProviderEvent.objects.filter(pk=provider_event_id, provider=Provider.STRIPE).first()
    if event is None or event.processed_at is not None:
        return
    if event.type in PAYMENT_EVENTS:
        payment = payment_for_event(event.payload, shop_id=event.shop_id)
        if payment is None:
            logger.warning("stripe event %s (%s): no payment of ours", event.event_id, event.type)
        else:
            try:
                if event.type.startswith("checkout.session."):
                    payment = _adopt_session(payment, event.payload)
                services.payment_refresh(payment=payment)
            except ProviderRefused:
                # Asking again cannot help (the object is not in this Stripe account, the key
                # was revoked): recorded, logged, not retried forever.
                logger.exception(
                    "stripe event %s: payment %s could not be refreshed", event.event_id, payment.pk
                )
    elif event.type not in RECORDED_EVENTS:
        logger.info("stripe event %s of type %s ignored", event.event_id, event.type)
    _mark_processed(event)


def stripe_events_stale() -> list[int]:
    """Events stored but not processed for a while (the broker lost the task)."""
    now = timezone.now()
    return list(
        ProviderEvent.objects.filter(
            provider=Provider.STRIPE,
            processed_at__isnull=True,
            received_at__lt=now - SWEEP_AFTER,
            received_at__gte=now - SWEEP_GIVE_UP_AFTER,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
