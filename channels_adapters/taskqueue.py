"""Enqueueing Celery tasks from hot paths (webhook intake, reply sending) for a tenth of the cost.

`task.delay()` through kombu costs about 0.5 ms of CPU per task here (routing, a producer and a
channel from the pool, a fresh `redis.Redis` client per publish, retry wrappers): a third of
a whole webhook request. On a Redis broker a task message is one JSON document pushed on a
list, so `enqueue_on_commit` builds the very message Celery would (headers from Celery's own
`as_task_v2`, the kombu Redis envelope around it) and pushes all of a request's tasks with one
`LPUSH` on a connection kept per process: about 0.05 ms. The worker cannot tell the
difference; the end-to-end tests run these messages through a real worker.

Whenever the broker setup is anything but plain (eager mode, RabbitMQ, Redis transport options
that change the message or its key, non-direct routing), it falls back to `task.delay_on_commit`.
And whichever path, a failed publish is logged, never raised: callers enqueue after their rows
are committed, and the sweepers re-enqueue whatever lost its task (within seconds, see
docs/deploy.md "Periodic tasks"), so a broker outage delays work but loses none.

A slow or dead broker must not hold the request that stored the rows (a platform that waits
seconds for its 200 retries the webhook, or disables it). So the publish has a short socket
timeout (ENQUEUE_TIMEOUT), and after a failure a per-process breaker skips publishing for
BREAKER_SECONDS: the rows are stored and answered for in milliseconds, and the sweepers hand
them to the workers once the broker is back.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from urllib.parse import urlsplit

from celery.utils.nodenames import anon_nodename
from django.db import transaction
from kombu.serialization import dumps as kombu_dumps
from kombu.utils.json import dumps as json_dumps

logger = logging.getLogger(__name__)

# Seconds to connect and to wait for the LPUSH reply. Redis answers in well under a
# millisecond on a working network; past this it is hung or gone.
ENQUEUE_TIMEOUT = 0.1
# After a failed publish, this process skips publishing for this long (the sweepers catch up).
BREAKER_SECONDS = 5.0
# A sweeper enqueues the same stuck row again after this long at the soonest.
RESWEEP_SECONDS = 20
# Redis transport options that leave the message and the queue's key as built below: they
# only tune the consumers' side (acknowledgement, redelivery, connection upkeep).
_WIRE_NEUTRAL_OPTIONS = frozenset(
    {
        "visibility_timeout",
        "unacked_restore_interval",
        "unacked_restore_throttle",
        "unacked_restore_limit",
        "socket_timeout",
        "socket_connect_timeout",
        "socket_keepalive",
        "health_check_interval",
        "max_connections",
        "polling_interval",
        "brpop_timeout",
        "retry_on_timeout",
    }
)

_lock = threading.Lock()
_publishers: dict[str, _RedisPublisher | None] = {}


def enqueue_on_commit(task, args_list: Sequence[tuple]) -> None:
    """Enqueues `task(*args)` for each args tuple once the current transaction commits (at
    once in autocommit mode), in order."""
    if not args_list:
        return
    publisher = _publisher_for(task)
    if publisher is None:
        for args in args_list:
            task.delay_on_commit(*args)
        return
    args_list = list(args_list)
    transaction.on_commit(lambda: publisher.publish(task, args_list))


def enqueue_now(task, args_list: Sequence[tuple]) -> bool:
    """Enqueues `task(*args)` for each args tuple at once (for callers outside any transaction
    of their own, e.g. the sweepers). False if the broker could not take them."""
    if not args_list:
        return True
    publisher = _publisher_for(task)
    if publisher is not None:
        return publisher.publish(task, list(args_list))
    try:
        for args in args_list:
            task.apply_async(tuple(args))
    except Exception:
        logger.exception("enqueueing %d %s task(s) failed", len(args_list), task.name)
        return False
    return True


def enqueue_swept(task, ids: Sequence[int]) -> list[int]:
    """For a sweeper: enqueues `task(id)` for each id it found stuck, except the ids it already
    enqueued within RESWEEP_SECONDS (their task may still be waiting in a backlog: doubling it
    on every sweep would only lengthen the backlog). Returns the ids enqueued."""
    from django.core.cache import cache

    keys = {f"souk:swept:{task.name}:{pk}": pk for pk in ids}
    if not keys:
        return []
    try:
        recent = cache.get_many(list(keys))
    except Exception:
        # A cache apart from the broker, and down: doubling a few tasks beats losing them.
        logger.exception("sweep of %s: the cache is unreachable, enqueueing all", task.name)
        recent = {}
    fresh = {key: pk for key, pk in keys.items() if key not in recent}
    if not fresh or not enqueue_now(task, [(pk,) for pk in fresh.values()]):
        return []
    with contextlib.suppress(Exception):
        cache.set_many(dict.fromkeys(fresh, 1), RESWEEP_SECONDS)
    return list(fresh.values())


class Breaker:
    """Open for `seconds` after a failure: while open, publishing is skipped at once instead of
    waiting on a broker that just failed. One per process (a web worker's requests share it);
    the first publish after it closes is the probe."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._open_until = 0.0
        self._failures = 0

    @property
    def is_open(self) -> bool:
        return time.monotonic() < self._open_until

    def failed(self) -> None:
        self._failures += 1
        self._open_until = time.monotonic() + self.seconds

    def succeeded(self) -> None:
        if self._failures:
            logger.warning(
                "broker reachable again after %d failed enqueue(s); enqueueing resumed",
                self._failures,
            )
            self._failures = 0
        self._open_until = 0.0


breaker = Breaker(BREAKER_SECONDS)


def _publisher_for(task) -> _RedisPublisher | None:
    app = task.app
    if app.conf.task_always_eager:
        return None
    name = task.name
    if name not in _publishers:
        with _lock:
            if name not in _publishers:
                _publishers[name] = _RedisPublisher.for_task(task)
    return _publishers[name]


class _RedisPublisher:
    """Publishes one task's messages to its queue's Redis list."""

    def __init__(self, *, client, queue: str) -> None:
        self.client = client
        self.queue = queue
        self._template: str | None = None

    @classmethod
    def for_task(cls, task) -> _RedisPublisher | None:
        """None unless this is the plain setup the message format below is known for."""
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        app = task.app
        url = app.conf.broker_url or ""
        if urlsplit(url).scheme not in {"redis", "rediss"}:
            return None
        if set(app.conf.broker_transport_options or {}) - _WIRE_NEUTRAL_OPTIONS:
            # e.g. global_keyprefix, sep, priority steps: the message or its key would differ.
            return None
        if app.conf.task_protocol != 2 or app.conf.task_serializer != "json":
            # The template below is protocol 2 serialized as JSON.
            return None
        if app.conf.task_compression or task.priority is not None:
            return None
        route = app.amqp.router.route({}, task.name, (), {})
        queue = route.get("queue")
        if queue is None or set(route) - {"queue"} or queue.exchange.type != "direct":
            return None
        if queue.max_priority is not None:
            return None
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=ENQUEUE_TIMEOUT,
            socket_timeout=ENQUEUE_TIMEOUT,
            # No retry: redis-py's default retries with backoff would hold the request for
            # seconds, and a timed-out LPUSH may have landed (a second would double the tasks).
            retry=Retry(NoBackoff(), 0),
        )
        return cls(client=client, queue=queue.name)

    def publish(self, task, args_list: list[tuple]) -> bool:
        """True once the broker has the messages; a failure is logged, never raised."""
        if breaker.is_open:
            logger.info(
                "broker unavailable: %d %s task(s) left to the sweeper",
                len(args_list),
                task.name,
            )
            return False
        try:
            messages = [self._message(task, tuple(args)) for args in args_list]
            # One round trip for all; the worker pops from the other end, so order is kept.
            self.client.lpush(self.queue, *messages)
        except Exception as exc:
            breaker.failed()
            logger.error(
                "enqueueing %d %s task(s) failed (%s: %s); skipping the broker for %.0f s, "
                "the sweeper will pick them up",
                len(args_list),
                task.name,
                type(exc).__name__,
                exc,
                breaker.seconds,
            )
            return False
        breaker.succeeded()
        return True

    def _message(self, task, args: tuple) -> str:
        """Celery protocol 2 inside kombu's Redis envelope, as `Task.apply_async` sends it.
        Built once per process by Celery and kombu with placeholders, then filled in per
        message: building it from scratch each time was a third of the publish."""
        if self._template is None:
            self._template = self._build_template(task)
        task_id = str(uuid.uuid4())
        body = json_dumps([list(args), {}, _EMBED])
        return (
            self._template.replace(_ID, task_id)
            .replace(_TAG, str(uuid.uuid4()))
            .replace(_ARGSREPR, json_dumps(repr(args))[1:-1])
            .replace(_BODY, base64.b64encode(body.encode()).decode())
        )

    def _build_template(self, task) -> str:
        app = task.app
        message = app.amqp.as_task_v2(
            _ID,
            task.name,
            args=(),
            kwargs={},
            time_limit=task.time_limit or app.conf.task_time_limit,
            soft_time_limit=task.soft_time_limit or app.conf.task_soft_time_limit,
            reply_to=app.thread_oid,
            origin=anon_nodename(),
            ignore_result=task.ignore_result,
            argsrepr=_ARGSREPR,
            kwargsrepr="{}",
        )
        content_type, encoding, _ = kombu_dumps(message.body, serializer="json")
        properties = {
            **message.properties,
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": self.queue},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": _TAG,
        }
        return json_dumps(
            {
                "body": _BODY,
                "content-encoding": encoding,
                "content-type": content_type,
                "headers": message.headers,
                "properties": properties,
            }
        )


# Placeholders of the message template: strings no real value contains.
_ID, _TAG, _ARGSREPR, _BODY = (f"@@souk-{name}@@" for name in ("id", "tag", "argsrepr", "body"))
# Protocol 2's third body element: no callbacks, errbacks, chain or chord.
_EMBED = {"callbacks": None, "errbacks": None, "chain": None, "chord": None}
