"""Webhook intake: store each verified platform event once, then hand it to a worker.

This is all a webhook request does (DESIGN.md, message flow step 1): the platform gets its 200
as soon as the events are durably stored. Processing happens in `tasks.inbound_event_process`,
enqueued after commit; the sweeper re-enqueues anything a broker outage dropped.

It is the hottest path of the site (every message of every shopper, in bursts), so it is
written for CPU: routing and storing are two raw SQL statements, storing needs no explicit
transaction, and the tasks go out in one Redis push (docs/performance.md, `intake`).
"""

import functools
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from channels_adapters import account_cache, taskqueue
from channels_adapters.base import RawEvent
from channels_adapters.group_commit import GroupCommit
from channels_adapters.models import ChannelAccount, ChannelStatus, InboundEvent

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelRoute:
    """What intake needs of a channel; a ChannelAccount serves as one too (pk, shop_id)."""

    pk: int
    shop_id: int
    external_id: str = ""
    webhook_secret_digest: str = ""


def _channel_routes(where: str, params: list) -> list[ChannelRoute]:
    # Raw SQL: building the equivalent ORM query costs about 0.3 ms of CPU, four times what
    # running it costs, and the full model would decrypt the credentials nobody reads here.
    table = connection.ops.quote_name(ChannelAccount._meta.db_table)
    sql = (
        f"SELECT id, shop_id, external_id, webhook_secret_digest FROM {table} "  # noqa: S608
        f"WHERE {where} AND status <> %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, ChannelStatus.DISABLED.value])
        return [ChannelRoute(*row) for row in cursor.fetchall()]


def channel_routes_by_external_id(*, kind: str, external_ids: Iterable[str]) -> dict:
    """Routing for platforms that name the account in the body (Meta): one query per webhook,
    {external id: ChannelRoute} for the connected, enabled ones."""
    ids = sorted(set(external_ids))
    if not ids:
        return {}

    def load(keys: list) -> dict:
        wanted = [external_id for _, _, external_id in keys]
        placeholders = ", ".join(["%s"] * len(wanted))
        routes = _channel_routes(f"kind = %s AND external_id IN ({placeholders})", [kind, *wanted])
        return {("ext", kind, route.external_id): route for route in routes}

    # Cached in process (account_cache.py): no query for a page or number seen recently.
    cached = account_cache.cached_many([("ext", kind, external_id) for external_id in ids], load)
    return {key[2]: route for key, route in cached.items() if route is not None}


def channel_route(*, kind: str, channel_id: int) -> ChannelRoute | None:
    """Routing for platforms whose webhook URL carries our channel id (Telegram)."""

    def load():
        routes = _channel_routes("kind = %s AND id = %s", [kind, channel_id])
        return routes[0] if routes else None

    # Cached in process (account_cache.py): no query for a channel seen recently.
    return account_cache.cached(("id", kind, channel_id), load)


def _insert_rows(rows: Sequence[tuple]) -> list[int | None]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: one statement that stores the events and
    says which were new (PostgreSQL, and SQLite ≥ 3.35). For each row, in order, the id of the
    row it created, or None: already stored, or the same event earlier in `rows`."""
    table = connection.ops.quote_name(InboundEvent._meta.db_table)
    placeholders = ", ".join(["(%s, %s, %s, %s, %s, 0, '')"] * len(rows))
    # Only the table name is interpolated (from the model); every value is a parameter.
    columns = "shop_id, channel_id, event_id, payload, received_at, attempts, last_error"
    conflict = "ON CONFLICT (channel_id, event_id) DO NOTHING RETURNING id, channel_id, event_id"
    sql = f"INSERT INTO {table} ({columns}) VALUES {placeholders} {conflict}"  # noqa: S608
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = {(channel_id, event_id): pk for pk, channel_id, event_id in cursor.fetchall()}
    # pop: of two identical events in one statement, the first one created the row.
    return [created.pop((row[1], row[2]), None) for row in rows]


@functools.cache
def _processing_task():
    """The processing task itself rather than the proxy `shared_task` returns: through the
    proxy, every attribute read looks the task up in the app's registry again, and reading
    whether tasks run in process that way was a tenth of a webhook view's CPU under load
    (docs/performance.md, intake, "seventh pass"). Patching the proxy patches this object."""
    from channels_adapters.tasks import inbound_event_process

    return inbound_event_process._get_current_object()


def _store_and_enqueue(rows: list[tuple]) -> list[int | None]:
    ids = _insert_rows(rows)
    taskqueue.enqueue_on_commit(_processing_task(), [(pk,) for pk in ids if pk is not None])
    return ids


# The webhooks a process's threads store at the same moment share one INSERT and one push
# (group_commit.py). Only in autocommit: rows written inside a caller's transaction must be
# part of it, on its connection.
_group = GroupCommit(_store_and_enqueue)


def _grouped() -> bool:
    return (
        settings.SOUK_INTAKE_GROUP_COMMIT
        and not connection.in_atomic_block
        # In-process tasks (no broker) would run every grouped event's processing in the
        # leading request's thread.
        and not _processing_task().app.conf.task_always_eager
    )


def inbound_events_store(
    *, routed: Sequence[tuple[ChannelAccount | ChannelRoute, RawEvent]]
) -> list[int]:
    """Stores the events not seen before and enqueues their processing on commit.
    Returns the ids of the new rows (a redelivered event yields none)."""
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
    # One statement is atomic by itself: outside a transaction it commits on its own (no
    # BEGIN/COMMIT round trips), inside the caller's it is part of it, and the tasks wait
    # for whichever commit makes the rows visible to the workers.
    ids = _group.store(rows) if _grouped() else _store_and_enqueue(rows)
    return [pk for pk in ids if pk is not None]


def route_by_account_id(
    events: Sequence[RawEvent], accounts: dict, *, kind: str
) -> list[tuple[ChannelRoute, RawEvent]]:
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
