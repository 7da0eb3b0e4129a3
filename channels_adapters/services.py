"""Channel writes: processing stored inbound events (the webhook side lives in intake.py), and
the WhatsApp templates a shop registers for its numbers."""

import logging
import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from channels_adapters import account_cache, payload
from channels_adapters.base import AccountContext
from channels_adapters.models import (
    TEMPLATE_PLACEHOLDER,
    ChannelAccount,
    InboundEvent,
    WhatsAppTemplate,
)
from channels_adapters.registry import adapter_for
from channels_adapters.setup import account_context

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
            context = account_context(account)
            for parsed in events:
                # Platform calls never run inside the transaction.
                transaction.on_commit(lambda parsed=parsed: _acknowledge(adapter, context, parsed))
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


def _acknowledge(adapter, context: AccountContext, parsed) -> None:
    try:
        adapter.acknowledge(context, parsed)
    except Exception:
        logger.exception("acknowledging %s on channel %s failed", parsed.type, context.id)


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


# --- WhatsApp templates -----------------------------------------------------------------------

# Meta's rules for a template: lowercase letters, digits and underscores; a language code such
# as "fr" or "en_US"; a body of at most 1024 characters.
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
TEMPLATE_BODY_MAX = 1024
TEMPLATE_LABEL_MAX = 60


def _template_errors(
    *, channel: ChannelAccount, name: str, language: str, body_text: str, param_labels: list[str]
) -> dict[str, str]:
    errors = {}
    if not adapter_for(channel.kind).capabilities.templates:
        errors["channel"] = "Templates belong to a WhatsApp number."
    if not TEMPLATE_NAME.match(name):
        errors["name"] = (
            "The name as approved by Meta: lowercase letters, digits and underscores "
            "(order_update)."
        )
    if not TEMPLATE_LANGUAGE.match(language):
        errors["language"] = "A language code as Meta writes it: fr, en, en_US, pt_BR…"
    numbers = sorted({int(n) for n in TEMPLATE_PLACEHOLDER.findall(body_text)})
    if not body_text.strip():
        errors["body_text"] = "The template's body text, as approved."
    elif len(body_text) > TEMPLATE_BODY_MAX:
        errors["body_text"] = f"At most {TEMPLATE_BODY_MAX} characters, as WhatsApp allows."
    elif numbers != list(range(1, len(numbers) + 1)):
        errors["body_text"] = "Placeholders are numbered from {{1}} without gaps: {{1}}, {{2}}…"
    if len(param_labels) > len(numbers):
        errors["param_labels"] = (
            f"The body has {len(numbers)} placeholder(s) but {len(param_labels)} labels."
        )
    elif any(len(label) > TEMPLATE_LABEL_MAX for label in param_labels):
        errors["param_labels"] = f"Each label at most {TEMPLATE_LABEL_MAX} characters."
    return errors


def whatsapp_template_add(
    *,
    channel: ChannelAccount,
    name: str,
    language: str,
    body_text: str,
    param_labels: list[str] | tuple[str, ...] = (),
) -> WhatsAppTemplate:
    """Registers a template approved for `channel` (a WhatsApp number). Raises
    ValidationError naming the field at fault."""
    name, language = name.strip(), language.strip()
    labels = [label.strip() for label in param_labels]
    errors = _template_errors(
        channel=channel, name=name, language=language, body_text=body_text, param_labels=labels
    )
    if not errors and (
        WhatsAppTemplate.objects.filter(channel=channel, name=name, language=language).exists()
    ):
        errors["name"] = f"{name} ({language}) is already registered for this number."
    if errors:
        raise ValidationError(errors)
    return WhatsAppTemplate.objects.create(
        shop_id=channel.shop_id,
        channel=channel,
        name=name,
        language=language,
        body_text=body_text,
        param_labels=labels,
    )


def whatsapp_template_remove(*, template: WhatsAppTemplate, user=None) -> None:
    """Forgets a template (it stays approved at Meta): logged with who removed it."""
    logger.info(
        "whatsapp template removed",
        extra={
            "shop_id": template.shop_id,
            "channel_id": template.channel_id,
            "template": f"{template.name} ({template.language})",
            "body_text": template.body_text,
            "user_id": getattr(user, "pk", None),
        },
    )
    template.delete()
