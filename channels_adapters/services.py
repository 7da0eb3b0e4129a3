"""Channel writes: processing stored inbound events (the webhook side lives in intake.py)."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_adapters.base import AccountContext
from channels_adapters.models import ChannelAccount, InboundEvent
from channels_adapters.registry import adapter_for
from channels_adapters.setup import webhook_url

logger = logging.getLogger(__name__)

# An event failing this many times stops being retried by the sweeper and waits for a person.
MAX_PROCESSING_ATTEMPTS = 8


def account_context(account: ChannelAccount) -> AccountContext:
    return AccountContext(
        id=account.pk,
        kind=account.kind,
        external_id=account.external_id,
        credentials=account.credentials or {},
        webhook_url=webhook_url(account),
    )


def _inbound_handler():
    path = settings.SOUK_INBOUND_HANDLER
    return import_string(path) if path else None


def inbound_event_process(*, event_id: int) -> bool:
    """Parses one stored event and hands its normalized events to the conversation layer.
    Exactly once: the row is locked while processing and marked processed in the same
    transaction as everything the handler writes. Returns False if there was nothing to do."""
    try:
        with transaction.atomic():
            event = (
                # of=("self",): lock the event row only. Locking the joined channel and shop
                # rows too made a second worker, busy with another event of the same channel,
                # skip this one as "held by another worker": it was then left unprocessed.
                InboundEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("channel__shop")
                .filter(pk=event_id, processed_at__isnull=True)
                .first()
            )
            if event is None:
                return False  # already processed, or another worker holds it
            account = event.channel
            adapter = adapter_for(account.kind)
            events = adapter.parse(event.payload)
            handler = _inbound_handler()
            if handler is not None and events:
                handler(account=account, events=events)
            context = account_context(account)
            for parsed in events:
                # Platform calls never run inside the transaction.
                transaction.on_commit(lambda parsed=parsed: _acknowledge(adapter, context, parsed))
            event.processed_at = timezone.now()
            event.save(update_fields=["processed_at"])
        return True
    except Exception as exc:
        InboundEvent.objects.filter(pk=event_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise


def _acknowledge(adapter, context: AccountContext, parsed) -> None:
    try:
        adapter.acknowledge(context, parsed)
    except Exception:
        logger.exception("acknowledging %s on channel %s failed", parsed.type, context.id)


def inbound_events_stale(*, older_than: timedelta) -> list[int]:
    """Events stored but still unprocessed after `older_than`: their task was lost (broker
    outage, worker killed before acknowledging) or keeps failing."""
    cutoff = timezone.now() - older_than
    return list(
        InboundEvent.objects.filter(
            processed_at__isnull=True,
            received_at__lt=cutoff,
            attempts__lt=MAX_PROCESSING_ATTEMPTS,
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:1000]
    )
