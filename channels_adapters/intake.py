"""Webhook intake: store each verified platform event once, then hand it to a worker.

This is all a webhook request does (DESIGN.md, message flow step 1): the platform gets its 200
as soon as the events are durably stored. Processing happens in `tasks.inbound_event_process`,
enqueued after commit; the sweeper re-enqueues anything a broker outage dropped.
"""

import json
import logging
from collections.abc import Sequence

from django.db import connection, transaction
from django.utils import timezone

from channels_adapters.base import RawEvent
from channels_adapters.models import ChannelAccount, InboundEvent

logger = logging.getLogger(__name__)


def _insert_new(rows: Sequence[tuple]) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: one statement that stores the events and
    says which were new (PostgreSQL, and SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(InboundEvent._meta.db_table)
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, 0, '')"] * len(rows))
    # Only the table name is interpolated (from the model); every value is a parameter.
    columns = "shop_id, channel_id, event_id, payload, received_at, attempts, last_error"
    conflict = "ON CONFLICT (channel_id, event_id) DO NOTHING RETURNING id"
    sql = f"INSERT INTO {table} ({columns}) VALUES {placeholders} {conflict}"  # noqa: S608
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def inbound_events_store(*, routed: Sequence[tuple[ChannelAccount, RawEvent]]) -> list[int]:
    """Stores the events not seen before and enqueues their processing on commit.
    Returns the ids of the new rows (a redelivered event yields none)."""
    from channels_adapters.tasks import inbound_event_process

    if not routed:
        return []
    now = timezone.now()
    rows = [
        (
            account.shop_id,
            account.pk,
            event.event_id[:128],
            json.dumps(event.payload, separators=(",", ":")),
            now,
        )
        for account, event in routed
    ]
    with transaction.atomic():
        new_ids = _insert_new(rows)
        for event_id in new_ids:
            inbound_event_process.delay_on_commit(event_id)
    return new_ids


def route_by_account_id(
    events: Sequence[RawEvent], accounts: dict[str, ChannelAccount], *, kind: str
) -> list[tuple[ChannelAccount, RawEvent]]:
    """Pairs Meta events with their channel. An event for a page or number no shop has
    connected is logged and dropped: answering 200 stops the platform retrying it."""
    routed = []
    for event in events:
        account = accounts.get(event.account_id)
        if account is None:
            logger.warning("%s webhook for unknown account %s dropped", kind, event.account_id)
            continue
        routed.append((account, event))
    return routed
