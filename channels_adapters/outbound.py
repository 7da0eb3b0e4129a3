"""Sending: queue normalized messages, deliver them in order per conversation, within the
platforms' rate limits, retrying what can succeed later and recording what never will.

One worker at a time sends a conversation's queue (a short cache lock); it sends the oldest
queued message, payload by payload, then the next. A message that must wait keeps its own
`next_attempt_at`, and the messages behind it wait with it, so none overtakes another:
- a 429 waits what the platform asked (RATE_LIMITED_WAIT when it did not say) and costs no
  attempt;
- a transient failure (5xx, timeout, connection error) counts an attempt and waits an
  exponential backoff with jitter (up to MAX_BACKOFF), until the message's `give_up_at`: the
  send budget (SEND_BUDGET), or sooner the end of the channel's messaging window. Then it fails
  with `gave_up` or `window_closed`;
- a permanent failure (blocked, window closed, invalid recipient) fails the message at once;
- while the account's circuit is open (circuit.py) the platform is not called at all.
Then the queue moves on. Platform calls never run inside a database transaction.

A payload the platform accepted is recorded before anything else happens: if that save fails
with a connection error (PostgreSQL restarting), it is retried with backoff for up to
RECORD_SENT_BUDGET seconds, the result kept in memory and the conversation's lock held, rather
than left to a later run that would find the payload unsent and send it again.

One retry loop per conversation: a short wait (up to MAX_COUNTDOWN seconds) becomes one delayed
task, claimed with a cache key so that other tasks for the conversation schedule no other; a
task that finds the head message not yet due returns. Longer waits are no Celery ETA task
(on Redis one longer than the visibility timeout is delivered twice, and workers hold ETA
tasks in memory): the outbound sweeper picks the conversation up when its head is due.
"""

import contextlib
import logging
import random
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError, connections, router, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from channels_adapters import ratelimit, taskqueue
from channels_adapters.base import (
    PERMANENT_WINDOW_CLOSED,
    TAG_POST_PURCHASE,
    PermanentSendError,
    RateLimited,
    TransientSendError,
)
from channels_adapters.circuit import (
    ON_TIME,
    Pass,
    circuit_check,
    circuit_failure,
    circuit_success,
)
from channels_adapters.messages import OutboundMessage as Message
from channels_adapters.models import ChannelAccount, OutboundMessage, OutboundStatus
from channels_adapters.registry import adapter_for
from channels_adapters.setup import account_context
from config.compiled_write import fast_insert, fast_update
from shops.live import live_event

logger = logging.getLogger(__name__)

# How long transient failures are retried before a message is given up (never past the end of
# the channel's messaging window).
SEND_BUDGET = timedelta(hours=6)
MAX_BACKOFF = 300.0
# What a 429 without Retry-After waits (plus up to a second of jitter).
RATE_LIMITED_WAIT = 5.0
# The holder of a conversation's send lock renews it before a platform call (at most every
# LOCK_RENEW seconds); it expires lock_seconds() after that, once the longest call could have
# ended, so no other worker sends the same payload, and a killed worker's conversation is free
# again soon after.
LOCK_RENEW = 1.0
# Rate-limit waits shorter than this are slept in the worker (an account's bucket at a few
# dozen sends a second); longer ones (one message a second per chat) park the conversation
# and free the worker for others: sleeping them made a backlog drain one chat at a time.
MAX_INLINE_WAIT = 0.25
# An account's bucket refills at this share of the platform's rate and holds the rest of a
# second's worth, so that no one-second window goes over the rate. Refilled at the full rate
# and holding a second's worth, it let through twice the rate in the second after a backlog
# (the storm drill saw 37 sends in a second to one Telegram bot, whose limit is 30).
ACCOUNT_REFILL_SHARE = 0.9
# Without a broker (tasks run in the caller, CELERY_TASK_ALWAYS_EAGER) nothing would wake a
# parked conversation but the next reply: waits up to this long are slept instead.
MAX_IN_PROCESS_WAIT = 1.5
# The longest wait handed to Celery as a countdown; longer ones are the sweeper's.
MAX_COUNTDOWN = 10.0
# A claimed wake-up outlives its due time by this much; then the sweeper may take over.
WAKEUP_GRACE = 10.0
# The sweeper leaves a just-queued message this long to the task enqueued with it.
SWEEP_GRACE = timedelta(seconds=5)
# How long a conversation the sweeper enqueued is left to that task.
SWEEP_CLAIM_SECONDS = 30
SWEEP_LIMIT = 500
# Queued messages of a conversation fetched at once; more wait for the next round.
SEND_BATCH = 20
# How long recording an accepted payload retries a lost database connection (a PostgreSQL
# restart takes seconds); the pause between tries doubles up to RECORD_SENT_MAX_PAUSE.
RECORD_SENT_BUDGET = 60.0
RECORD_SENT_MAX_PAUSE = 5.0


@dataclass(frozen=True)
class Retry:
    """The queue could not be finished now: try again in `countdown` seconds."""

    countdown: float


def _now() -> float:
    """Epoch seconds: the one clock of sending, rate limits and circuits (tests move it)."""
    return time.time()


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def outbound_queue(
    *,
    account: ChannelAccount,
    recipient: str,
    conversation_key: str,
    messages: Sequence[Message],
    tag: str = "",
    refused: str = "",
    last_inbound_at: datetime | None = None,
    after_empty_queue: bool = False,
) -> list[OutboundMessage]:
    """Renders and stores messages, and enqueues sending after the caller's commit. `tag`
    names why a message may go outside the channel's reply window (base.TAG_*). `refused` is
    a base.PERMANENT_* reason the channel's rules forbid sending now (WhatsApp outside its
    24 hours): the messages are stored as failed with it, visible in the conversation, and
    never sent. `last_inbound_at` (when the shopper last wrote) bounds the retries by the end
    of the channel's messaging window; unknown, only the send budget does.
    `after_empty_queue`: the caller read, in this transaction, that the conversation had
    nothing queued (the inbound handler, under the conversation's lock): a collecting task
    may then send these rows as they are, without reading the queue (`SendCollector.hold`)."""
    from channels_adapters.tasks import outbound_send

    adapter = adapter_for(account.kind)
    failed = {}
    if refused:
        failed = {
            "status": OutboundStatus.FAILED,
            "error_code": refused,
            "last_error": "Not sent: the channel's rules forbid sending it now.",
        }
    now = _at(_now())
    give_up_at = now + SEND_BUDGET
    if last_inbound_at is not None and tag != TAG_POST_PURCHASE:
        window = adapter.reply_window(last_inbound_at, now)
        if window.open and window.closes_at is not None:
            give_up_at = min(give_up_at, window.closes_at)
    rows = fast_insert(
        [
            OutboundMessage(
                shop_id=account.shop_id,
                channel=account,
                recipient=recipient,
                conversation_key=conversation_key,
                message=message.to_dict(),
                payloads=adapter.tagged(adapter.render(message), tag),
                next_attempt_at=now,
                give_up_at=give_up_at,
                **failed,
            )
            for message in messages
        ]
    )
    if rows and not refused:
        collector = _collecting.current
        if collector is not None:
            head = rows if after_empty_queue and collector.hold(conversation_key) else None
            transaction.on_commit(lambda: collector.add(conversation_key, head))
        else:
            taskqueue.enqueue_on_commit(outbound_send, [(conversation_key,)])
    return rows


class SendCollector:
    """The conversations that got messages to send while it was open, once committed, in the
    order they got them: the caller sends them itself (`sends_collected`). A commit that comes
    after it closed enqueues the sending task as usual, so nothing is left behind."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.open = True
        # Conversations whose send lock this task took before its rows were committed, and
        # those rows once committed: they are the head of the queue and nobody else can have
        # sent them, so they go out without reading the queue again (docs/performance.md,
        # "Queries per message").
        self.locks: dict[str, _ConversationLock] = {}
        self.heads: dict[str, list[OutboundMessage] | None] = {}

    def hold(self, conversation_key: str) -> bool:
        """Takes the conversation's send lock until the rows are sent; False if another
        worker is sending it (then the queue is read as usual)."""
        if conversation_key in self.locks:
            return True
        lock = _ConversationLock(conversation_key)
        try:
            if not lock.acquire():
                return False
        except Exception:
            # The cache unreachable must not fail the answer (it is committed and sent later,
            # by the sweeper if need be): the queue is read as usual.
            logger.warning("send lock of %s not taken", conversation_key, exc_info=True)
            return False
        self.locks[conversation_key] = lock
        return True

    def release(self, conversation_key: str) -> None:
        """Lets the sweeper have the conversation at once after a failed send (the lock
        would otherwise keep it for lock_seconds())."""
        lock = self.locks.pop(conversation_key, None)
        if lock is not None:
            try:
                lock.release()
            except Exception:
                logger.warning("send lock of %s not released", conversation_key, exc_info=True)

    def add(self, conversation_key: str, rows: list[OutboundMessage] | None = None) -> None:
        if self.open:
            if conversation_key not in self.keys:
                self.keys.append(conversation_key)
                self.heads[conversation_key] = rows
            elif rows is None or self.heads.get(conversation_key) is None:
                self.heads[conversation_key] = None
            else:
                self.heads[conversation_key] = [*self.heads[conversation_key], *rows]
            return
        from channels_adapters.tasks import outbound_send

        taskqueue.enqueue_now(outbound_send, [(conversation_key,)])


class _Collecting(threading.local):
    current: SendCollector | None = None


_collecting = _Collecting()


@contextlib.contextmanager
def sends_collected() -> Iterator[SendCollector]:
    """Within it, `outbound_queue` enqueues no sending task: the caller, a worker that has
    just answered an inbound event, sends the replies in the same task (one task per event
    instead of two, docs/performance.md). If it dies before sending, the messages are queued
    and due, and the outbound sweeper starts their delivery (docs/reliability.md)."""
    collector, previous = SendCollector(), _collecting.current
    _collecting.current = collector
    try:
        yield collector
    except BaseException:
        collector.heads.clear()
        raise
    finally:
        collector.open = False
        _collecting.current = previous
        # A lock held for rows that were not committed (rolled back) or that must be read
        # from the queue after all is released now.
        for key, lock in list(collector.locks.items()):
            if collector.heads.get(key) is None:
                lock.release()
                del collector.locks[key]


def _backoff(attempts: int) -> float:
    """Exponential, capped at MAX_BACKOFF, with jitter so retries do not arrive together."""
    base = min(MAX_BACKOFF, 2.0**attempts)
    return base / 2 + random.uniform(0, base / 2)


def _wait_for_rate(
    account: ChannelAccount, recipient: str, lock: "_ConversationLock | None" = None
) -> float:
    """0 when a send may go now; otherwise seconds to wait (shared by all workers). The
    account's bucket and the chat's are asked together, in one Redis call: a token is taken
    from both or from neither, so a send the chat's bucket holds back spends none of the
    account's. With `lock`, the same call checks that this worker still holds the
    conversation's lock (_LockLost, nothing taken, when it does not)."""
    adapter = adapter_for(account.kind)
    rate = adapter.rate_per_second
    buckets = [
        ratelimit.Bucket.of(
            f"acct:{account.pk}",
            rate * ACCOUNT_REFILL_SHARE,
            burst=max(1.0, rate * (1 - ACCOUNT_REFILL_SHARE)),
        )
    ]
    if adapter.per_recipient_interval:
        buckets.append(
            ratelimit.Bucket.of(
                f"rcpt:{account.pk}:{recipient}",
                1 / adapter.per_recipient_interval,
                burst=adapter.per_recipient_burst,
            )
        )
    try:
        return ratelimit.acquire_all(
            buckets, now=_now(), fence=lock.fence() if lock is not None else None
        )
    except ratelimit.FenceLost:
        raise _LockLost(lock.key if lock is not None else "") from None


def lock_seconds() -> int:
    """A platform call may last three timeouts (the Telegram adapter bounds a call so)."""
    return int(3 * settings.PLATFORM_TIMEOUT_SECONDS + LOCK_RENEW + 4)


# Releases a conversation's lock if it still holds the caller's token and, only then, takes
# the pending flag (returned): one atomic call. A flag next to a lock that is no longer ours
# is left for the lock's holder. KEYS: the lock, the flag; ARGV: the token.
_RELEASE_SCRIPT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return false
end
redis.call('DEL', KEYS[1])
local pending = redis.call('GET', KEYS[2])
if pending then
  redis.call('DEL', KEYS[2])
end
return pending
"""
_release_script = None


def _cache_redis():
    """The default cache's Redis client (the one the cache itself uses, so the lock's keys and
    values are the cache's); None when the cache is not Redis (LocMemCache: development and the
    default test run), where the lock goes through the cache's API."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    # Django's Redis backend keeps its client behind `_cache` (config/cache.py shares one
    # client per pool): the same connections and timeouts as cache.add and cache.get.
    return backend._cache.get_client(write=True)


class _LockLost(Exception):
    """The conversation's lock no longer holds this worker's token (it expired, another worker
    may have taken it): nothing more may be sent under it."""


class _ConversationLock:
    """One worker at a time per conversation: a cache key with a token, renewed while held.

    The token is an integer, which Django's Redis cache stores as its digits (anything else is
    pickled), so Redis scripts can compare it: on Redis the check that the lock is still held
    travels with each payload's rate call (fence()), and the release takes the pending flag in
    the same call (release_taking_pending()). Without Redis, the cache's API does both."""

    def __init__(self, conversation_key: str) -> None:
        self.key = _lock_key(conversation_key)
        self.pending_key = _pending_key(conversation_key)
        self.token = uuid.uuid4().int
        self.renewed = 0.0
        self._fence: ratelimit.Fence | bool | None = False  # False: not yet worked out

    def acquire(self) -> bool:
        self.renewed = _now()
        return cache.add(self.key, self.token, lock_seconds())

    def renew(self) -> None:
        now = _now()
        if now - self.renewed >= LOCK_RENEW:
            cache.touch(self.key, lock_seconds())
            self.renewed = now

    def held(self) -> bool:
        """Still ours? Asked before sending rows from memory (an expired lock sends nothing).
        Where the rate call checks the lock (fence()), this is only the local reckoning: a
        lock taken or renewed less than lock_seconds() ago by this process's clock has not
        expired (Redis started its time to live after we read ours); the rate call before
        each payload then reads the lock itself. Otherwise the cache is read."""
        if self.fence() is not None:
            return _now() - self.renewed < lock_seconds() - LOCK_RENEW
        return cache.get(self.key) == self.token

    def fence(self) -> ratelimit.Fence | None:
        """The lock as the rate script checks it, when the rate limits' Redis is the cache's:
        then no payload goes out once the lock is lost, without a read of its own. None
        otherwise (no Redis, or another server)."""
        if self._fence is False:
            same_redis = settings.REDIS_URL and _cache_redis_location() == settings.REDIS_URL
            self._fence = (
                ratelimit.Fence(cache.make_key(self.key), self.token, self._read_held)
                if same_redis
                else None
            )
        return self._fence

    def _read_held(self) -> bool:
        return cache.get(self.key) == self.token

    def release(self) -> None:
        if cache.get(self.key) == self.token:
            cache.delete(self.key)

    def release_taking_pending(self) -> bool:
        """Releases the lock and answers whether a sender turned away meanwhile raised the
        pending flag (clearing it), in one atomic call on Redis. Whichever way the release
        and a turned-away sender's flag and second try interleave, one of them sends: the
        flag up before the release is read here, one raised after it finds the lock free."""
        global _release_script
        client = _cache_redis()
        if client is None:
            if cache.get(self.key) != self.token:
                return False
            cache.delete(self.key)
            return cache.delete(self.pending_key)
        if _release_script is None:
            _release_script = client.register_script(_RELEASE_SCRIPT)
        taken = _release_script(
            keys=[cache.make_key(self.key), cache.make_key(self.pending_key)],
            args=[self.token],
            client=client,
        )
        return taken is not None


def _cache_redis_location() -> str | None:
    """The Redis server of the default cache (the settings': CACHES' LOCATION), if Redis."""
    if not isinstance(caches["default"], RedisCache):
        return None
    return settings.CACHES["default"].get("LOCATION")


def _lock_key(conversation_key: str) -> str:
    return f"souk:send-lock:{conversation_key}"


def _pending_key(conversation_key: str) -> str:
    return f"souk:send-pending:{conversation_key}"


def _wakeup_key(conversation_key: str) -> str:
    return f"souk:send-wakeup:{conversation_key}"


class _Sender:
    """Sends the messages of one conversation (one account) for one task."""

    def __init__(self, lock: _ConversationLock, *, in_process: bool) -> None:
        self.lock = lock
        self.max_sleep = MAX_IN_PROCESS_WAIT if in_process else MAX_INLINE_WAIT
        self.circuit: Pass | None = None  # asked once per task, before the first call

    def send(self, message: OutboundMessage) -> datetime | None:
        """Sends what is left of `message`. Returns when the conversation must be tried again
        (the message is still queued, due then); None when the message is sent or failed."""
        if message.next_attempt_at.timestamp() > _now() + ON_TIME:
            return message.next_attempt_at
        account = message.channel
        adapter = adapter_for(account.kind)
        context = account_context(account)
        while message.next_payload < len(message.payloads):
            wait = _wait_for_rate(account, message.recipient, self.lock)
            if wait > self.max_sleep:
                # The bucket says when, to any task: only a wait left to the sweeper is stored.
                return self._wait(
                    message, until=_now() + wait, why="send rate", store=wait > MAX_COUNTDOWN
                )
            if wait:
                _sleep(wait)
                continue
            # After the rate limit: a half-open circuit's probe must not then sit out a wait.
            if self.circuit is None:
                self.circuit = circuit_check(account.pk, now=_now())
            if not self.circuit.allowed:
                return self._wait(message, until=self.circuit.wait_until, why="circuit open")
            self.lock.renew()
            try:
                result = adapter.send(
                    context, message.recipient, message.payloads[message.next_payload]
                )
            except RateLimited as exc:  # not a failure: no attempt spent
                asked = exc.retry_after
                if asked is None:
                    asked = RATE_LIMITED_WAIT + random.uniform(0, 1)
                return self._failed_call(message, exc, wait=asked)
            except TransientSendError as exc:
                message.attempts += 1
                return self._failed_call(message, exc, wait=_backoff(message.attempts))
            except PermanentSendError as exc:
                self._answered(account)  # the platform is up: it answered
                _fail(message, code=exc.code or "rejected", error=str(exc))
                return None
            self._answered(account)
            message.next_payload += 1
            message.platform_message_ids = [
                *message.platform_message_ids,
                result.platform_message_id,
            ]
            fields = ["next_payload", "platform_message_ids"]
            if message.next_payload == len(message.payloads):
                message.status, message.sent_at = OutboundStatus.SENT, timezone.now()
                fields += ["status", "sent_at"]
            self._record_sent(message, fields)
        if message.status != OutboundStatus.SENT:  # nothing to send (an empty rendering)
            message.status, message.sent_at = OutboundStatus.SENT, timezone.now()
            message.save(update_fields=["status", "sent_at"])
        _status_announce(message)
        return None

    def _record_sent(self, message: OutboundMessage, fields: list[str]) -> None:
        """Saves what the platform has just accepted. A lost connection is retried (the lock
        renewed, so no other worker takes the conversation meanwhile) until the database is
        back or RECORD_SENT_BUDGET has passed: giving up at once would leave the payload
        queued, and the next run would send it a second time."""
        deadline = _now() + RECORD_SENT_BUDGET
        pause = 0.25
        while True:
            try:
                fast_update(message, fields)
                return
            except (OperationalError, InterfaceError) as exc:
                if _now() + pause > deadline:
                    logger.error(
                        "outbound %s: payload %s accepted but not recorded: %s",
                        message.pk,
                        message.next_payload - 1,
                        exc,
                    )
                    raise
                logger.warning(
                    "outbound %s: recording a sent payload failed, retrying in %.2f s: %s",
                    message.pk,
                    pause,
                    exc,
                )
            _sleep(pause)
            pause = min(pause * 2, RECORD_SENT_MAX_PAUSE)
            self.lock.renew()
            _drop_broken_connection()

    def _answered(self, account: ChannelAccount) -> None:
        if self.circuit is not None and (self.circuit.probe or self.circuit.failures):
            circuit_success(account.pk, self.circuit)
        self.circuit = Pass()

    def _failed_call(self, message: OutboundMessage, exc: TransientSendError, *, wait: float):
        now = _now()
        message.last_error = str(exc)[:2000]
        opened_until = circuit_failure(
            message.channel_id,
            self.circuit or Pass(),
            now=now,
            retry_after=exc.retry_after if isinstance(exc, RateLimited) else None,
        )
        self.circuit = None
        until = max(now + wait, opened_until or 0.0)
        why = "429" if isinstance(exc, RateLimited) else f"attempt {message.attempts} failed"
        return self._wait(message, until=until, why=why)

    def _wait(
        self, message: OutboundMessage, *, until: float, why: str, store: bool = True
    ) -> datetime | None:
        """Parks the message until `until`, or fails it when that is past its deadline."""
        due = _at(until)
        budget_end = message.created_at + SEND_BUDGET
        deadline = message.give_up_at or budget_end
        if due > deadline:
            window = deadline < budget_end - timedelta(seconds=1)
            code = PERMANENT_WINDOW_CLOSED if window else "gave_up"
            ended = "the channel's messaging window closes" if window else "the send budget ends"
            reason = f"Not sent: {ended} before it can be retried ({why})."
            if message.last_error:
                reason += f" Last error: {message.last_error}"
            _fail(message, code=code, error=reason)
            return None
        if not store:
            return due
        message.next_attempt_at = due
        message.save(update_fields=["next_attempt_at", "attempts", "last_error"])
        logger.info(
            "outbound %s to %s waits %.1f s (%s)",
            message.pk,
            message.recipient,
            until - _now(),
            why,
        )
        return due


def _drop_broken_connection() -> None:
    """Django reconnects only at the next request or task: a worker retrying after a lost
    connection must close it itself (never inside a transaction, which the error ended)."""
    connection = connections[router.db_for_write(OutboundMessage)]
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


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


def outbound_send_conversation(
    *,
    conversation_key: str,
    in_process: bool = False,
    lock: "_ConversationLock | None" = None,
    head: list[OutboundMessage] | None = None,
) -> Retry | None:
    """Sends the conversation's queued messages in order. Returns a Retry when the task should
    run again in a few seconds (this task claimed the conversation's one wake-up); None when
    the queue is empty, another worker holds it (that worker continues), a wake-up is already
    scheduled, or the wait is long enough for the sweeper. `in_process`: the task runs in
    the caller (no broker), where a delayed task would run at once: waits are the sweeper's.
    `lock` and `head`: a lock the caller took before committing `head`, the first rows of the
    queue, which are then sent without reading it (SendCollector)."""
    queued = OutboundMessage.objects.select_related("channel__shop").filter(
        conversation_key=conversation_key, status=OutboundStatus.QUEUED
    )
    if lock is None or head is None or not lock.held():
        # Not held (any more): the lock may have expired, the queue is read as usual.
        lock, head = _ConversationLock(conversation_key), None
    from_memory = head is not None
    while True:
        if head is None and not lock.acquire():
            # The holder looks for this flag once it has released the lock and reads the
            # queue again, so this task's messages do not wait for the sweeper. Then one
            # more try, in case it released the lock before the flag was up.
            cache.set(_pending_key(conversation_key), 1, lock_seconds())
            if not lock.acquire():
                return None
        lost = False
        try:
            sender = _Sender(lock, in_process=in_process)
            # The queue as it is now, in one query: fetching message by message, then once
            # more to find the queue empty, cost the worker more ORM time than the sending.
            batch = head if head is not None else list(queued.order_by("id")[:SEND_BATCH])
            head = None
            for message in batch:
                until = sender.send(message)
                if until is not None:  # the messages behind it wait with it
                    return None if in_process else _wakeup(conversation_key, until)
        except _LockLost:
            # Found before a payload went out (the rate call checks the lock): nothing was
            # sent without it. Rows held in memory may have been sent by whoever took the
            # conversation: the queue is read as usual, once, under a new lock.
            lost = True
        finally:
            # The release takes the pending flag in the same call. After a return above it
            # is not needed: what a turned-away sender queued is behind the message that
            # waits, and goes with it (its wake-up, or the sweeper).
            pending = lock.release_taking_pending()
        if lost:
            if not from_memory:
                return None
            lock, from_memory = _ConversationLock(conversation_key), False
            continue
        # A message queued while we held the lock had its task turned away (it raised the
        # flag), or the queue was longer than a batch: loop for it. The flag spares the
        # query that looked for such messages after every send.
        if not pending and len(batch) < SEND_BATCH:
            return None


def _wakeup(conversation_key: str, until: datetime) -> Retry | None:
    """A Retry if the conversation should be woken by a delayed task at `until` and none is
    already coming first; None for long waits, left to the sweeper."""
    now = _now()
    at = until.timestamp()
    wait = at - now
    if wait > MAX_COUNTDOWN:
        return None
    key, ttl = _wakeup_key(conversation_key), max(wait, 0.0) + WAKEUP_GRACE
    if not cache.add(key, at, ttl):
        # A wake-up due in the future and no later than ours will do; one whose time has
        # passed has run (it may be this very task).
        pending = cache.get(key)
        if pending is not None and now < pending <= at:
            return None
        cache.set(key, at, ttl)
    return Retry(max(wait, 0.0))


def outbound_due_conversations(*, limit: int = SWEEP_LIMIT) -> list[str]:
    """Conversations whose oldest queued message is due and that nobody is on: no worker holds
    them and no task is expected for them (a wake-up or an earlier sweep, until it is
    overdue). Each one returned is claimed, so the caller enqueues one task for it.

    A message the task enqueued with it has not sent yet is left to that task for SWEEP_GRACE;
    a message parked until `next_attempt_at` is due at that time. One query, on the
    `outbound_queued_due` index (and `outbound_queued_in_order` to find the heads)."""
    now = _now()
    moment = _at(now)
    earlier = OutboundMessage.objects.filter(
        status=OutboundStatus.QUEUED,
        conversation_key=OuterRef("conversation_key"),
        id__lt=OuterRef("id"),
    )
    parked = Q(next_attempt_at__gt=F("created_at") + timedelta(seconds=1))
    heads = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED, next_attempt_at__lte=moment)
        .filter(parked | Q(next_attempt_at__lte=moment - SWEEP_GRACE))
        .filter(~Exists(earlier))
        .order_by("next_attempt_at")
        .values_list("conversation_key", "next_attempt_at")[:limit]
    )
    if not heads:
        return []
    keys = [key for key, _ in heads]
    busy = cache.get_many([_lock_key(k) for k in keys] + [_wakeup_key(k) for k in keys])
    claimed = []
    for key, due in heads:
        if _lock_key(key) in busy:
            continue
        # A task expected at or after the head's time is still to come; one expected before
        # it has run (it parked the head) and is no reason to wait.
        expected = busy.get(_wakeup_key(key))
        if expected is not None and expected >= due.timestamp():
            continue
        cache.set(_wakeup_key(key), now, SWEEP_CLAIM_SECONDS)
        claimed.append(key)
    return claimed
