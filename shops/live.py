"""Live events: what the dashboard's open pages learn without reloading (new conversations and
messages, hand-offs, delivery outcomes, carts, orders), as an append-only per-shop log that the
browser polls with a cursor (static/dashboard/live.js, docs/inbox.md "Live updates").

Writing. `live_event(shop_id=, kind=, data=)` appends once the caller's transaction commits: an
event never announces a change that rolled back, and the hot paths (the inbound webhook's
transaction) never hold a lock on this table. Every event of one transaction (of one savepoint
level) is written by a single INSERT, in autocommit, after the commit.

Reading. `live_events_after(shop=, after=)` returns the shop's events with an id above the
cursor, oldest first, and the next cursor. Ids are allocated when a row is inserted, which is
before it commits: two writers can commit out of order, so the reader may see id 101 while 100
is still invisible, and a cursor moved to 101 would skip 100 for good. So the cursor handed back
only ever moves to an event that has *settled*, one written more than SETTLE ago (by the
database's clock, for writes and reads alike):

    Assume every event is visible within G = SETTLE / 2 of its `created_at` (its INSERT's
    start; it is a one-statement transaction). Let D be settled at time T: D committed before
    D.created_at + G < T - G. Any event E with a smaller id got it earlier, so E started before
    T - G and is visible before T. Hence every event with an id up to D's was visible to this
    query, and was returned to the client now or before.

Younger events are returned again at each call until they settle (at most SETTLE's worth of
them); the client de-duplicates by id. A client that slept for hours resumes from a cursor that
skipped nothing. Without a cursor (a new page), reading starts at the settled end of the log:
the page was just rendered, so only events of the last SETTLE come again, never history.

Cleanup: `live_events_prune` (beat, hourly) deletes events older than RETENTION; a client
whose last successful read is older than that reloads its page (live.js).
"""

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.functions import Now
from django.utils import timezone

from config.compiled_write import fast_insert
from shops.live_models import LiveEvent
from shops.models import Shop

logger = logging.getLogger(__name__)

SETTLE = timedelta(seconds=10)
PAGE_SIZE = 200
RETENTION = timedelta(days=7)

KINDS = frozenset(
    {
        "conversation.created",
        "conversation.updated",
        "message.created",
        "message.status",
        "cart.updated",
        "order.updated",
        "typing",
    }
)


class _Deferred(threading.local):
    events: list[LiveEvent] | None = None


_deferred = _Deferred()


@contextlib.contextmanager
def live_events_deferred() -> Iterator[None]:
    """Within it, the events due to be written (their transaction committed) are kept and
    written together, in one INSERT, when it ends. A worker that answers a shopper and sends
    the reply wraps both: the message, the reply and its delivery are one INSERT instead of
    two (docs/performance.md, "Queries per message"); the inbox learns of them once the reply
    is sent, milliseconds later (at worst the platform call's timeout). Nested, the outermost
    writes."""
    if _deferred.events is not None:
        yield
        return
    _deferred.events = []
    try:
        yield
    finally:
        events, _deferred.events = _deferred.events, None
        if events:
            _write(events)


def _write(events: list[LiveEvent]) -> None:
    if _deferred.events is not None:
        _deferred.events.extend(events)
        return
    try:
        fast_insert(events)
    except Exception:
        # The change itself is committed; a lost announcement costs a page refresh.
        logger.exception("live events not written: %s", [event.kind for event in events])


class _Batch(list):
    """The events of one transaction at one savepoint level, written by one INSERT."""

    def __init__(self, savepoints: tuple[str, ...]):
        super().__init__()
        self.savepoints = savepoints
        self.written = False

    def write(self) -> None:
        self.written = True
        _write(self)


def live_event(*, shop_id: int, kind: str, data: dict) -> None:
    """Announces `kind` to the shop's open dashboard pages once the current transaction
    commits (at once outside a transaction). `data` is small: ids, never personal details."""
    if kind not in KINDS:
        raise ValueError(f"Unknown live event kind {kind!r}")
    event = LiveEvent(shop_id=shop_id, kind=kind, data=data)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _write([event])
        return
    # atomic(savepoint=False) pushes None: it shares its outer block's fate, and its batch.
    savepoints = tuple(sid for sid in connection.savepoint_ids if sid)
    batch: _Batch | None = getattr(connection, "souk_live_batch", None)
    # The last batch takes the event only while its commit hook is still pending (neither
    # run, nor dropped with a rolled-back savepoint) at this same savepoint level: an event
    # written in a savepoint must disappear with it. A new level starts a new batch, so the
    # events stay in the order they happened.
    if batch is None or batch.savepoints != savepoints or not _pending(connection, batch):
        batch = _Batch(savepoints)
        connection.souk_live_batch = batch
        transaction.on_commit(batch.write)
    batch.append(event)


def _pending(connection, batch: _Batch) -> bool:
    # Django keeps (savepoint ids, callback, robust) per hook until the commit runs them (tests
    # that run hooks themselves, captureOnCommitCallbacks, leave them there: hence `written`).
    return not batch.written and any(entry[1] == batch.write for entry in connection.run_on_commit)


# --- Reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LivePage:
    events: list[dict]
    cursor: int


def live_cursor_now(*, shop: Shop) -> int:
    """Where a new page starts: the newest settled event (0 for a shop without any)."""
    newest = (
        LiveEvent.objects.filter(shop=shop, created_at__lt=Now() - SETTLE)
        .aggregate(newest=Max("id"))
        .get("newest")
    )
    return newest or 0


def live_events_after(*, shop: Shop, after: int | None) -> LivePage:
    """The shop's events after the cursor `after` (None: a new page), oldest first, at most
    PAGE_SIZE; one query on the (shop, id) index when a cursor is given."""
    if after is None:
        after = live_cursor_now(shop=shop)
    rows = (
        LiveEvent.objects.filter(shop=shop, id__gt=after)
        .annotate(settled=Q(created_at__lt=Now() - SETTLE))
        .order_by("id")
        .values_list("id", "kind", "data", "created_at", "settled")[:PAGE_SIZE]
    )
    events, cursor = [], after
    for event_id, kind, data, created_at, settled in rows:
        events.append({"id": event_id, "kind": kind, "data": data, "at": created_at.isoformat()})
        if settled:
            cursor = event_id
    return LivePage(events, cursor)


def live_events_prune(*, now=None) -> int:
    """Deletes events older than RETENTION; returns how many."""
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = LiveEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
