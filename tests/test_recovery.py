"""Recovery from broker and worker faults (issue 11): a webhook is stored and answered while
the broker hangs, the sweepers hand stuck work to the workers within seconds and never twice,
and the event of a worker killed with SIGKILL mid-task is swept to the next worker."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.test import Client
from django.utils import timezone

from channels_adapters import ratelimit, taskqueue
from channels_adapters.models import InboundEvent
from channels_adapters.tasks import (
    INBOUND_SWEEP_AFTER,
    inbound_event_process,
    inbound_events_sweep,
)
from config.celery import app as celery_app
from conversations.models import Message
from shops.events import event_emit
from shops.models import WebhookDelivery
from shops.tasks import webhook_deliveries_sweep
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.shops.test_webhooks import ORDER, receiver, register  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop, update  # noqa: F401
from tests.test_services_integration import wait_for

ROOT = Path(__file__).resolve().parent.parent


class HungRedis:
    """A TCP server that accepts connections and never answers: Redis stopped with SIGSTOP as
    its clients see it (the kernel still completes the handshake)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                conn, _ = self.server.accept()
                self.accepted.append(conn)

    def close(self) -> None:
        self.server.close()
        for conn in self.accepted:
            conn.close()


@contextlib.contextmanager
def broker_at(url: str):
    """Tasks go to the broker at `url` through the fast publisher, with a fresh breaker."""
    previous = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    saved = (dict(taskqueue._publishers), taskqueue.breaker)
    celery_app.conf.broker_url = url
    celery_app.conf.task_always_eager = False
    taskqueue._publishers.clear()
    taskqueue.breaker = taskqueue.Breaker(taskqueue.BREAKER_SECONDS)
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = previous
        taskqueue._publishers.clear()
        taskqueue._publishers.update(saved[0])
        taskqueue.breaker = saved[1]


@pytest.fixture
def hung_redis():
    server = HungRedis()
    yield server
    server.close()


def test_a_webhook_is_stored_and_answered_while_the_broker_hangs(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    hung_redis,
    django_capture_on_commit_callbacks,
):
    def webhook(update_id: int, text: str):
        # Tasks are enqueued once the events are committed, as in production.
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, telegram_shop, fake_telegram, update(update_id, text=text))

    with broker_at(hung_redis.url):
        started = time.monotonic()
        first = webhook(501, "bonjour")
        took = time.monotonic() - started
        assert first.status_code == 200
        # The publish gave up after its 100 ms timeout (not the 2 s of a normal Redis client).
        assert took < 1.5
        assert taskqueue.breaker.is_open
        assert len(hung_redis.accepted) == 1

        # While the breaker is open the broker is not even tried: stored, answered, swept later.
        second = webhook(502, "une robe")
        assert second.status_code == 200
        assert len(hung_redis.accepted) == 1

    stored = InboundEvent.objects.filter(channel_id=telegram_shop["id"])
    assert sorted(stored.values_list("event_id", flat=True)) == ["501", "502"]
    assert not stored.filter(processed_at__isnull=False).exists()


def test_the_publisher_is_configured_to_give_up_fast_and_never_retry(hung_redis):
    with broker_at(hung_redis.url):
        publisher = taskqueue._publisher_for(inbound_event_process)
        kwargs = publisher.client.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 0.1
        assert publisher.client.get_retry().get_retries() == 0

        assert publisher.publish(inbound_event_process, [(1,)]) is False
        assert publisher.publish(inbound_event_process, [(2,)]) is False
        assert len(hung_redis.accepted) == 1  # the second one was skipped by the breaker


def test_the_breaker_closes_after_its_time(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(taskqueue.time, "monotonic", lambda: now[0])
    breaker = taskqueue.Breaker(5.0)
    assert not breaker.is_open
    breaker.failed()
    now[0] += 4.9
    assert breaker.is_open
    now[0] += 0.2
    assert not breaker.is_open
    breaker.succeeded()
    assert not breaker.is_open


def test_a_web_chat_message_is_stored_and_answered_while_redis_hangs(
    shop, settings, hung_redis, django_capture_on_commit_callbacks
):
    """The web chat's rate limit lives in Redis: a hung Redis costs its short timeout, then the
    process's own bucket counts; the message is stored, not refused."""
    settings.REDIS_URL = hung_redis.url
    ratelimit._redis_script.cache_clear()
    chat = Client()
    try:
        assert chat.get(f"/chat/{shop.slug}/").status_code == 200
        with broker_at(hung_redis.url), django_capture_on_commit_callbacks(execute=True):
            started = time.monotonic()
            response = chat.post(
                f"/chat/{shop.slug}/messages",
                data=json.dumps({"client_id": str(uuid.uuid4()), "text": "bonjour"}),
                content_type="application/json",
            )
            took = time.monotonic() - started
    finally:
        ratelimit._redis_script.cache_clear()

    assert response.status_code == 202, response.content
    assert took < 1.5
    assert InboundEvent.objects.filter(shop=shop).count() == 1
    assert len(hung_redis.accepted) == 2  # the rate limit's client, then the enqueue's


def received(seconds_ago: float, client, channel, fake, update_id: int, text: str):
    """A webhook stored whose task never ran (as when the broker lost it)."""
    assert deliver(client, channel, fake, update(update_id, text=text)).status_code == 200
    event = InboundEvent.objects.get(channel_id=channel["id"], event_id=str(update_id))
    assert event.processed_at is None
    InboundEvent.objects.filter(pk=event.pk).update(
        received_at=timezone.now() - timedelta(seconds=seconds_ago)
    )
    return event


def test_the_sweep_picks_an_event_stuck_for_30_s_and_leaves_one_received_1_s_ago(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    # The tests run inside a transaction: the tasks enqueued on commit never run.
    stuck = received(30, client, telegram_shop, fake_telegram, 601, "bonjour")
    fresh = received(1, client, telegram_shop, fake_telegram, 602, "une robe")

    assert inbound_events_sweep() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.processed_at is not None
    assert fresh.processed_at is None
    assert list(Message.objects.filter(direction="in").values_list("text", flat=True)) == [
        "bonjour"
    ]
    # Nothing is left for the next sweep (the event is processed, not merely re-enqueued).
    assert inbound_events_sweep() == 0


@pytest.fixture
def redis_broker(require_redis):
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("intake")
    with broker_at(settings.CELERY_BROKER_URL):
        yield client
    client.delete("intake")


@pytest.mark.services
def test_overlapping_sweeps_enqueue_a_stuck_event_once(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    redis_broker,
):
    received(30, client, telegram_shop, fake_telegram, 701, "bonjour")
    redis_broker.delete("intake")  # what the webhook itself enqueued: lost

    runs = [threading.Thread(target=inbound_events_sweep) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    inbound_events_sweep()

    assert redis_broker.llen("intake") == 1


def test_the_delivery_sweep_picks_a_delivery_due_for_30_s_and_leaves_one_due_for_1_s(
    shop,
    api,
    receiver,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    register(api, receiver.endpoint_url())
    with django_capture_on_commit_callbacks(execute=False):  # their tasks were lost
        event_emit(shop=shop, type="order.paid", data=ORDER)
        event_emit(shop=shop, type="order.paid", data={**ORDER, "id": 5121})
    late, recent = WebhookDelivery.objects.order_by("id")
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=late.pk).update(next_attempt_at=now - timedelta(seconds=30))
    WebhookDelivery.objects.filter(pk=recent.pk).update(next_attempt_at=now - timedelta(seconds=1))

    assert webhook_deliveries_sweep() == 1

    assert [json.loads(r.body)["data"]["id"] for r in receiver.requests] == [5120]
    late.refresh_from_db()
    recent.refresh_from_db()
    assert (late.status, recent.status) == ("succeeded", "pending")


calls: list[int] = []


def slow_handler(*, account, events):
    calls.append(len(events))
    time.sleep(0.5)


@pytest.mark.services
def test_an_event_swept_while_its_task_runs_is_handled_once(
    require_postgres,
    transactional_db,
    shop,
    telegram_shop,  # noqa: F811
    settings,
):
    """The sweeper's copy and the original task run at the same moment on two workers: the row
    lock lets one through; the other finds the event held, then processed."""
    event = InboundEvent.objects.create(
        shop=shop,
        channel_id=telegram_shop["id"],
        event_id="801",
        payload=update(801, text="bonjour"),
    )
    settings.SOUK_INBOUND_HANDLER = "tests.test_recovery.slow_handler"
    calls.clear()

    def worker():
        try:
            inbound_event_process.run(event.pk)
        finally:
            close_old_connections()

    workers = [threading.Thread(target=worker) for _ in range(2)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()

    assert calls == [1]
    event.refresh_from_db()
    assert event.processed_at is not None
    assert inbound_events_sweep() == 0


# --- A real worker process, killed with SIGKILL mid-task ---------------------------------------


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    celery = Path(sys.executable).parent / "celery"
    with open(log, "ab") as out:
        return subprocess.Popen(
            [str(celery), "-A", "config", "worker", "-Q", "intake", "-c", "1", "-l", "info"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


@pytest.mark.services
def test_the_event_of_a_worker_killed_mid_task_is_swept_to_the_next_worker_and_handled_once(
    require_postgres,
    transactional_db,
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    redis_broker,
    tmp_path,
):
    log = tmp_path / "worker.log"
    first = _start_worker(log)
    second = None
    blocker = connections.create_connection("default")
    try:
        # Hold the conversation tables so the worker stops mid-task, at its first write.
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            for model in ("conversations_customer", "conversations_customeridentity"):
                cursor.execute(f"LOCK TABLE {model} IN EXCLUSIVE MODE")
        for update_id, text in ((901, "bonjour"), (902, "une robe"), (903, "merci")):
            webhook = deliver(client, telegram_shop, fake_telegram, update(update_id, text=text))
            assert webhook.status_code == 200
        event = InboundEvent.objects.get(event_id="901")

        def worker_waits_on_the_lock():
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                return cursor.fetchone()[0] > 0

        wait_for(worker_waits_on_the_lock, timeout=60)
        # A worker takes no more intake tasks than it has processes (one here): the two others
        # stay in Redis, for whichever worker is free.
        assert redis_broker.llen("intake") == 2
        _kill(first)
        blocker.rollback()
        # Intake tasks are taken without Redis's acknowledgement: the dead worker's task died
        # with it. Its event is stored, unprocessed, and the sweeper hands it on.
        assert redis_broker.llen("intake") == 2
        unacked = redis_broker.hvals("unacked")
        assert not any(b"inbound_event_process" in value for value in unacked)
        event.refresh_from_db()
        assert event.processed_at is None
        InboundEvent.objects.filter(pk=event.pk).update(
            received_at=timezone.now() - INBOUND_SWEEP_AFTER - timedelta(seconds=1)
        )
        assert inbound_events_sweep() == 1

        second = _start_worker(log)
        wait_for(
            lambda: not InboundEvent.objects.filter(processed_at__isnull=True).exists(),
            timeout=60,
        )
    finally:
        blocker.close()
        _kill(first)
        if second is not None:
            _kill(second)
    texts = Message.objects.filter(direction="in").values_list("text", flat=True)
    assert sorted(texts) == ["bonjour", "merci", "une robe"], log.read_text()


def test_every_periodic_task_is_documented_and_expires_within_its_period():
    deploy = (ROOT / "docs" / "deploy.md").read_text()
    table = deploy[deploy.index("### Periodic tasks") : deploy.index("### Recovery from faults")]
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert f"| `{entry['task']}` |" in table, name
        assert 0 < entry["options"]["expires"] <= entry["schedule"], name
    sweeps = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if "sweep" in e["task"]]
    # Picked up within 30 s of the fault ending: at most 20 s of age plus one period.
    assert sweeps and all(entry["schedule"] <= 10 for entry in sweeps)
