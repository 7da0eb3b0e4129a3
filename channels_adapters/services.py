"""Channel writes: processing stored inbound events (the webhook side lives in intake.py). The
message templates a shop registers for its numbers are their channel's
(channels_adapters/whatsapp/templates_services.py)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_adapters import account_cache, payload
from channels_adapters.models import InboundEvent
from channels_adapters.registry import adapter_for

logger = logging.getLogger(__name__)

# An event failing this many times stops being retried by the sweeper and waits for a person.
MAX_PROCESSING_ATTEMPTS = 8


def _inbound_handler():
    path = settings.SOUK_INBOUND_HANDLER
    return import_string(path) if path else None


def inbound_event_process(*, event_id: int) -> bool:
    """Parses one stored event and hands its normalized events to the conversation layer.
    Exactly once: the row is locked while processing and marked processed in the same
    transaction as everything the handler writes. Returns False if there was nothing to do.

    A payload the adapter cannot read is not retried (the same bytes would fail the same way):
    what it still means is handled (`Unreadable.fallback`, an answer to a known shopper), the
    event is marked processed and the reason kept in `last_error`, with one warning."""
    try:
        with transaction.atomic():
            event = _event_claim(event_id)
            if event is None:
                return False  # already processed, or another worker holds it
            account = event.channel
            adapter = adapter_for(account.kind)
            events, unreadable = _parsed(adapter, event)
            handler = _inbound_handler()
            if handler is not None and events:
                handler(account=account, events=events)
            if unreadable:
                event.last_error = unreadable
                event.save(update_fields=["last_error"])
        return True
    except Exception as exc:
        InboundEvent.objects.filter(pk=event_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def _event_claim(event_id: int) -> InboundEvent | None:
    """Locks the unprocessed event and marks it processed, in one statement: the mark is part
    of the caller's transaction, so it is undone with everything else if processing fails.
    None when it is processed already or another worker holds it (SKIP LOCKED: that worker
    is processing it). Its channel and shop come from the process's cache (account_cache.py).

    Raw SQL because the ORM's update() returns no rows; UPDATE … RETURNING runs on
    PostgreSQL and on SQLite ≥ 3.35 (which has no row locks: its writers are serialised)."""
    table = connection.ops.quote_name(InboundEvent._meta.db_table)
    now = timezone.now()
    if connection.features.has_select_for_update_skip_locked:
        # Only the event's row is locked: a second worker busy with another event of the same
        # channel must not skip this one (docs/performance.md, end_to_end finding 6).
        target = f"(SELECT id FROM {table} WHERE id = %s AND processed_at IS NULL FOR UPDATE SKIP LOCKED)"  # noqa: E501, S608
        where = f"id = {target}"
    else:
        where = "id = %s AND processed_at IS NULL"
    sql = (
        f"UPDATE {table} SET processed_at = %s WHERE {where} "  # noqa: S608
        "RETURNING channel_id, shop_id, event_id, payload"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), event_id])
        row = cursor.fetchone()
    if row is None:
        return None
    channel_id, shop_id, platform_id, payload = row
    account = account_cache.channel_account(channel_id)
    if account is None:  # the channel was deleted with its events: nothing left to answer
        return None
    payload_field = InboundEvent._meta.get_field("payload")
    # What processing reads of the event; the rest of the row is not loaded.
    return InboundEvent(
        pk=event_id,
        shop_id=shop_id,
        channel=account,
        event_id=platform_id,
        payload=payload_field.from_db_value(payload, None, connection),
        processed_at=now,
    )


def _parsed(adapter, event: InboundEvent) -> tuple[list, str]:
    """(normalized events, "" or why the payload could not be read)."""
    try:
        return adapter.parse(event.payload), ""
    except payload.Unreadable as exc:
        logger.warning(
            "%s inbound event %s unreadable, marked processed: %s",
            adapter.kind,
            event.pk,
            exc.reason,
        )
        return exc.fallback, f"Unreadable: {exc.reason}"[:2000]
    except Exception as exc:
        # `parse` is a pure function of the stored payload, so a retry would fail alike; an
        # exception other than Unreadable is an adapter bug, logged in full to be fixed.
        logger.exception(
            "%s inbound event %s: the adapter failed to parse it", adapter.kind, event.pk
        )
        return [], f"Parse failed: {type(exc).__name__}: {exc}"[:2000]


def inbound_events_stale(*, older_than: timedelta, limit: int = 500) -> list[int]:
    """Events stored but still unprocessed after `older_than`, oldest first, that no worker is
    processing right now: their task was lost (broker outage, worker killed) or keeps failing.
    One query on the partial index of unprocessed events by received_at."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        # SKIP LOCKED: a row a worker holds is being processed; re-enqueueing it is pointless.
        return list(
            InboundEvent.objects.select_for_update(skip_locked=True)
            .filter(
                processed_at__isnull=True,
                received_at__lt=cutoff,
                attempts__lt=MAX_PROCESSING_ATTEMPTS,
            )
            .order_by("received_at")
            .values_list("pk", flat=True)[:limit]
        )
