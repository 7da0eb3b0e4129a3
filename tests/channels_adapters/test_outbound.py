"""The send pipeline, with a scripted adapter standing in for a platform: order per
conversation, resuming multi-part messages, retries, 429s and permanent failures."""

import importlib
import time

import pytest

from channels_adapters import outbound, ratelimit, registry, tasks
from channels_adapters.base import (
    ChannelAdapter,
    PermanentSendError,
    RateLimited,
    SendResult,
    TransientSendError,
)
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, OutboundMessage, OutboundStatus
from tests.channels_adapters.test_send_storm import isolated_cache  # noqa: F401

pytestmark = pytest.mark.django_db


class ScriptedAdapter(ChannelAdapter):
    """Renders a Text as one payload per line; `failures` scripts what the next sends raise."""

    kind = "scripted"
    rate_per_second = 1000.0

    def __init__(self):
        self.sent: list[tuple[str, dict]] = []
        self.failures: list[Exception] = []

    def parse(self, payload):
        return []

    def render(self, message):
        return [{"line": line} for line in message.text.split("\n")]

    def send(self, account, recipient, payload):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((recipient, payload))
        return SendResult(platform_message_id=f"pm{len(self.sent)}")


# Modules that bind `adapter_for` when first imported: imported here, before any test patches
# the registry, so none of them keeps the scripted adapter for the rest of the run.
SHARED_MODULES = (
    "channels_adapters.services",
    "channels_adapters.webhooks",
    "conversations.bot",
    "conversations.composer",
    "conversations.engine.dispatch",
    "conversations.engine.offers",
    "conversations.payment_events",
    "payments.pay_page",
)


@pytest.fixture
def adapter(monkeypatch):
    for name in SHARED_MODULES:
        importlib.import_module(name)
    scripted = ScriptedAdapter()
    monkeypatch.setattr(outbound, "adapter_for", lambda kind: scripted)
    monkeypatch.setattr(registry, "adapter_for", lambda kind: scripted)
    return scripted


@pytest.fixture
def account(shop):
    return ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="1")


@pytest.fixture
def scheduled(monkeypatch):
    """Delayed tasks the pipeline schedules, recorded instead of run; the first send (on
    commit) runs at once, as a worker would run it."""
    calls = []

    def apply_async(args=None, kwargs=None, countdown=None, **options):
        if countdown is None:
            return tasks.outbound_send(*args)
        calls.append(countdown)
        return None

    monkeypatch.setattr(tasks.outbound_send, "apply_async", apply_async)
    return calls


class Clock:
    """The send pipeline's clock (outbound._now), moved by tests instead of sleeping."""

    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(outbound, "_now", fake)
    monkeypatch.setattr(outbound, "_sleep", fake.advance)
    return fake


def queue(account, *texts, key="c1", recipient="r1"):
    """Queues without sending (the transaction has not committed)."""
    return outbound.outbound_queue(
        account=account,
        recipient=recipient,
        conversation_key=key,
        messages=[Text(t) for t in texts],
    )


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Queues and lets the commit enqueue the send task (which runs in process)."""

    def queue_and_commit(account, *texts, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return queue(account, *texts, **kwargs)

    return queue_and_commit


def test_messages_go_out_in_order_with_their_platform_ids(adapter, account, send):
    send(account, "one\ntwo", "three")

    assert [p["line"] for _, p in adapter.sent] == ["one", "two", "three"]
    first, second = OutboundMessage.objects.order_by("id")
    assert (first.status, first.platform_message_ids) == ("sent", ["pm1", "pm2"])
    assert second.sent_at is not None


def test_transient_failure_resumes_where_it_stopped_without_resending(
    adapter, account, scheduled, clock
):
    queue(account, "a\nb\nc", "d")
    original_send = adapter.send
    calls = {"n": 0}

    def flaky(account_ctx, recipient, payload):
        calls["n"] += 1
        if calls["n"] == 2:
            raise TransientSendError("timed out")
        return original_send(account_ctx, recipient, payload)

    adapter.send = flaky
    tasks.outbound_send("c1")

    assert [p["line"] for _, p in adapter.sent] == ["a"]
    assert len(scheduled) == 1 and scheduled[0] > 0
    message = OutboundMessage.objects.order_by("id").first()
    assert (message.status, message.next_payload, message.attempts) == ("queued", 1, 1)

    tasks.outbound_send("c1")  # too early: a task that finds the head not due sends nothing
    assert [p["line"] for _, p in adapter.sent] == ["a"]

    clock.advance(scheduled[0])
    tasks.outbound_send("c1")  # the scheduled retry

    assert [p["line"] for _, p in adapter.sent] == ["a", "b", "c", "d"]
    assert set(OutboundMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_429_waits_what_the_platform_asked_and_spends_no_attempt(
    adapter, account, scheduled, send, clock
):
    adapter.failures = [RateLimited("Too Many Requests: retry after 7", retry_after=7)]
    send(account, "hello")

    assert scheduled == [pytest.approx(7)]
    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == (OutboundStatus.QUEUED, 0)
    assert message.next_attempt_at.timestamp() == pytest.approx(clock.now + 7)
    assert "retry after 7" in message.last_error
    clock.advance(7)
    tasks.outbound_send("c1")
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT


def test_a_long_429_storm_spends_no_attempt_and_delivers_afterwards(
    adapter, account, scheduled, send, clock
):
    adapter.failures = [RateLimited("slow down", retry_after=1)] * 30
    send(account, "hello")
    while OutboundMessage.objects.filter(status="queued").exists():
        clock.now = OutboundMessage.objects.get().next_attempt_at.timestamp()
        tasks.outbound_send("c1")

    message = OutboundMessage.objects.get()
    assert (message.status, message.attempts) == ("sent", 0)
    assert len(adapter.sent) == 1
    assert adapter.failures == []  # every 429 was answered by waiting, none skipped


def test_permanent_error_is_recorded_not_retried_and_the_queue_moves_on(
    adapter, account, scheduled, send
):
    adapter.failures = [
        PermanentSendError("Forbidden: bot was blocked by the user", code="blocked")
    ]
    send(account, "first", "second")

    failed, sent = OutboundMessage.objects.order_by("id")
    assert (failed.status, failed.error_code) == ("failed", "blocked")
    assert "blocked" in failed.last_error
    assert sent.status == "sent"
    assert scheduled == []


def test_conversations_do_not_wait_for_each_other(adapter, account, scheduled, send):
    adapter.failures = [TransientSendError("5xx")]
    send(account, "to c1", key="c1")
    send(account, "to c2", key="c2", recipient="r2")

    assert [(r, p["line"]) for r, p in adapter.sent] == [("r2", "to c2")]


def test_a_second_worker_on_the_same_conversation_steps_aside(adapter, account, send):
    from django.core.cache import cache

    cache.add("souk:send-lock:c1", "someone-else", 60)
    send(account, "hello")

    assert adapter.sent == []
    cache.delete("souk:send-lock:c1")
    tasks.outbound_send("c1")
    assert len(adapter.sent) == 1


def test_sweeper_restarts_conversations_whose_task_was_lost(adapter, account, clock):
    queue(account, "lost")  # its task never went out
    assert tasks.outbound_sweep() == 0  # left to the task enqueued with it, for a moment
    clock.advance(outbound.SWEEP_GRACE.total_seconds() + 1)

    assert tasks.outbound_sweep() == 1
    assert OutboundMessage.objects.get().status == "sent"


def test_local_token_bucket_allows_the_rate_then_asks_to_wait(settings):
    settings.REDIS_URL = ""
    waits = [ratelimit.acquire("test:local", rate=5) for _ in range(6)]
    assert waits[:5] == [0.0] * 5
    assert 0 < waits[5] <= 0.2 + 1e-6


def test_redis_token_bucket_is_shared_by_all_workers(require_redis):
    import uuid

    key = f"test:{uuid.uuid4().hex}"
    # One instant for all: on a busy machine 31 real calls may take longer than a token's
    # refill (1/30 s), which is not what this test is about.
    now = time.time()
    waits = [ratelimit.acquire(key, rate=30, now=now) for _ in range(31)]
    assert waits[:30] == [0.0] * 30
    assert waits[30] == pytest.approx(1 / 30)
