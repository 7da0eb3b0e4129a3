"""Sending: queue normalized messages, deliver them in order per conversation, within the
platforms' rate limits, retrying what can succeed later and recording what never will.

One worker at a time sends a conversation's queue (a short cache lock); it sends the oldest
queued message, payload by payload, then the next. A transient failure leaves the message
queued and schedules a retry with exponential backoff and jitter; a 429 waits what the platform
asked; a permanent failure (blocked, window closed, invalid recipient) marks the message failed
and moves on. Platform calls never run inside a database transaction.
"""

import logging
import random
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from channels_adapters import ratelimit, taskqueue
from channels_adapters.base import PermanentSendError, RateLimited, TransientSendError
from channels_adapters.messages import OutboundMessage as Message
from channels_adapters.models import ChannelAccount, OutboundMessage, OutboundStatus
from channels_adapters.registry import adapter_for
from channels_adapters.services import account_context
from shops.live import live_event

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LOCK_SECONDS = 120
# Waits shorter than this are slept in the worker; longer ones become a scheduled retry.
MAX_INLINE_WAIT = 1.5
# Queued messages of a conversation fetched at once; more wait for the next round.
SEND_BATCH = 20


@dataclass(frozen=True)
class Retry:
    """The queue could not be finished now: try again in `countdown` seconds."""

    countdown: float


def outbound_queue(
    *,
    account: ChannelAccount,
    recipient: str,
    conversation_key: str,
    messages: Sequence[Message],
    tag: str = "",
    refused: str = "",
) -> list[OutboundMessage]:
    """Renders and stores messages, and enqueues sending after the caller's commit. `tag`
    names why a message may go outside the channel's reply window (base.TAG_*). `refused` is
    a base.PERMANENT_* reason the channel's rules forbid sending now (WhatsApp outside its
    24 hours): the messages are stored as failed with it, visible in the conversation, and
    never sent."""
    from channels_adapters.tasks import outbound_send

    adapter = adapter_for(account.kind)
    failed = {}
    if refused:
        failed = {
            "status": OutboundStatus.FAILED,
            "error_code": refused,
            "last_error": "Not sent: the channel's rules forbid sending it now.",
        }
    rows = OutboundMessage.objects.bulk_create(
        OutboundMessage(
            shop_id=account.shop_id,
            channel=account,
            recipient=recipient,
            conversation_key=conversation_key,
            message=message.to_dict(),
            payloads=adapter.tagged(adapter.render(message), tag),
            **failed,
        )
        for message in messages
    )
    if rows and not refused:
        taskqueue.enqueue_on_commit(outbound_send, [(conversation_key,)])
    return rows


def _backoff(attempts: int) -> float:
    base = min(300.0, 2.0**attempts)
    return base / 2 + random.uniform(0, base / 2)


def _wait_for_rate(account: ChannelAccount, recipient: str) -> float:
    """0 when a send may go now; otherwise seconds to wait (shared by all workers)."""
    adapter = adapter_for(account.kind)
    wait = ratelimit.acquire(f"acct:{account.pk}", adapter.rate_per_second)
    if wait == 0 and adapter.per_recipient_interval:
        wait = ratelimit.acquire(
            f"rcpt:{account.pk}:{recipient}", 1 / adapter.per_recipient_interval, burst=1
        )
    return wait


def _send_one(message: OutboundMessage) -> Retry | None:
    account = message.channel
    adapter = adapter_for(account.kind)
    context = account_context(account)
    while message.next_payload < len(message.payloads):
        wait = _wait_for_rate(account, message.recipient)
        if wait > MAX_INLINE_WAIT:
            return Retry(wait)
        if wait:
            time.sleep(wait)
            continue
        try:
            result = adapter.send(
                context, message.recipient, message.payloads[message.next_payload]
            )
        except TransientSendError as exc:  # RateLimited included
            message.attempts += 1
            message.last_error = str(exc)[:2000]
            if message.attempts >= MAX_ATTEMPTS:
                _fail(message, code="gave_up", error=str(exc))
                return None
            message.save(update_fields=["attempts", "last_error"])
            asked = exc.retry_after if isinstance(exc, RateLimited) else None
            return Retry(asked if asked is not None else _backoff(message.attempts))
        except PermanentSendError as exc:
            _fail(message, code=exc.code or "rejected", error=str(exc))
            return None
        message.next_payload += 1
        message.platform_message_ids = [*message.platform_message_ids, result.platform_message_id]
        fields = ["next_payload", "platform_message_ids"]
        if message.next_payload == len(message.payloads):
            message.status, message.sent_at = OutboundStatus.SENT, timezone.now()
            fields += ["status", "sent_at"]
        message.save(update_fields=fields)
    if message.status != OutboundStatus.SENT:  # nothing to send (an empty rendering)
        message.status, message.sent_at = OutboundStatus.SENT, timezone.now()
        message.save(update_fields=["status", "sent_at"])
    _status_announce(message)
    return None


def _fail(message: OutboundMessage, *, code: str, error: str) -> None:
    logger.warning("outbound %s to %s failed (%s): %s", message.pk, message.recipient, code, error)
    message.status = OutboundStatus.FAILED
    message.error_code = code[:32]
    message.last_error = error[:2000]
    message.save(update_fields=["status", "error_code", "last_error"])
    _status_announce(message)


def _status_announce(message: OutboundMessage) -> None:
    """Tells the dashboard's open pages (the inbox's transcript) the message's outcome."""
    if not message.conversation_key.isdigit():  # only conversations' messages are shown
        return
    live_event(
        shop_id=message.shop_id,
        kind="message.status",
        data={
            "conversation_id": int(message.conversation_key),
            "outbound_id": message.pk,
            "status": message.status,
            "error": message.error_code,
        },
    )


def outbound_send_conversation(*, conversation_key: str) -> Retry | None:
    """Sends the conversation's queued messages in order. Returns a Retry when it had to stop
    early; None when the queue is empty or another worker holds it (that worker continues)."""
    queued = OutboundMessage.objects.select_related("channel__shop").filter(
        conversation_key=conversation_key, status=OutboundStatus.QUEUED
    )
    lock_key, token = f"souk:send-lock:{conversation_key}", uuid.uuid4().hex
    while True:
        if not cache.add(lock_key, token, LOCK_SECONDS):
            return None
        try:
            # The queue as it is now, in one query: fetching message by message, then once
            # more to find the queue empty, cost the worker more ORM time than the sending.
            for message in queued.order_by("id")[:SEND_BATCH]:
                retry = _send_one(message)
                if retry is not None:
                    return retry
        finally:
            if cache.get(lock_key) == token:
                cache.delete(lock_key)
        # A message queued while we held the lock had its task turned away (or the queue was
        # longer than a batch): loop for it.
        if not queued.exists():
            return None


def outbound_stale_conversations(*, older_than_seconds: int = 120) -> list[str]:
    """Conversations with messages queued for a while and no task on them (lost task)."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, created_at__lt=cutoff)
        .values_list("conversation_key", flat=True)
        .distinct()[:500]
    )
