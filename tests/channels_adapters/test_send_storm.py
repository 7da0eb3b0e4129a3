"""Sending through a platform storm of 429s and 500s, on a simulated clock and broker: every
acknowledged reply is delivered once the storm ends, in order per conversation, none twice; the
conversation's retries are one loop (never one per queued message); the circuit keeps the
platform from being called while it is down; deadlines fail messages with a clear code."""

import copy
import heapq
import itertools
import time
import uuid
from datetime import timedelta

import pytest

from channels_adapters import circuit, outbound, ratelimit, tasks
from channels_adapters.base import (
    ChannelAdapter,
    PermanentSendError,
    RateLimited,
    SendResult,
    TransientSendError,
)
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, OutboundMessage
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db

SWEEP_EVERY = 5.0  # what beat runs the outbound sweeper at (config/settings.py)


class Clock:
    def __init__(self):
        self.now = time.time()

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class StormyPlatform(ChannelAdapter):
    """Answers 429 (Retry-After: 1) and 500 in turn until `storm_until`, then accepts."""

    kind = "stormy"
    rate_per_second = 1_000_000.0  # no pacing: these tests are about storms, not rates

    def __init__(self, clock):
        self.clock = clock
        self.storm_until = 0.0
        self.delivered: list[tuple[str, str]] = []
        self.delivered_at: list[float] = []
        self.calls_in_storm = 0
        self.failures: list[Exception] = []

    def parse(self, payload):
        return []

    def render(self, message):
        return [{"text": message.text}]

    def send(self, account, recipient, payload):
        if self.failures:
            raise self.failures.pop(0)
        if self.clock.now < self.storm_until:
            self.calls_in_storm += 1
            if self.calls_in_storm % 2:
                raise RateLimited("429 Too Many Requests", retry_after=1)
            raise TransientSendError("500 Internal Server Error")
        self.delivered.append((recipient, payload["text"]))
        self.delivered_at.append(self.clock.now)
        return SendResult(platform_message_id=f"pm{len(self.delivered)}")


class Broker:
    """Celery as sending uses it: every send task enqueued, with the time it becomes due."""

    def __init__(self, clock):
        self.clock = clock
        self.due: list[tuple[float, int, str]] = []
        self.order = itertools.count()
        self.enqueued = 0
        self.delayed: list[tuple[str, float]] = []
        self.overlapping_delays = 0

    def apply_async(self, args=None, kwargs=None, countdown=None, **options):
        (key,) = args
        eta = self.clock.now + (countdown or 0)
        if countdown:
            if any(k == key and eta_ > self.clock.now for k, eta_ in self.delayed):
                self.overlapping_delays += 1
            self.delayed.append((key, eta))
        self.enqueued += 1
        heapq.heappush(self.due, (eta, next(self.order), key))

    def pop_due(self):
        if self.due and self.due[0][0] <= self.clock.now:
            return heapq.heappop(self.due)[2]
        return None

    def next_eta(self):
        return self.due[0][0] if self.due else float("inf")


@pytest.fixture(autouse=True)
def isolated_cache(settings, monkeypatch):
    """Locks, wake-ups and circuits of earlier tests (same conversation keys, same account ids)
    stay in a Redis cache: each test gets its own key prefix. In-process rate buckets, which
    remember the simulated times of earlier tests, start empty."""
    monkeypatch.setattr(ratelimit, "_local", ratelimit._LocalBuckets())
    if settings.REDIS_URL:
        caches = copy.deepcopy(settings.CACHES)
        caches["default"]["KEY_PREFIX"] = f"souk-test-{uuid.uuid4().hex}"
        settings.CACHES = caches


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(outbound, "_now", fake)
    monkeypatch.setattr(outbound, "_sleep", fake.advance)
    return fake


@pytest.fixture
def platform(monkeypatch, clock):
    stormy = StormyPlatform(clock)
    # Only the pipeline's lookup: a module importing registry.adapter_for while it is patched
    # (the URLconf's webhooks, on first use) would keep the stand-in for good.
    monkeypatch.setattr(outbound, "adapter_for", lambda kind: stormy)
    return stormy


@pytest.fixture
def broker(monkeypatch, clock):
    fake = Broker(clock)
    monkeypatch.setattr(tasks.outbound_send, "apply_async", fake.apply_async)
    return fake


@pytest.fixture
def account(shop):
    return ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="storm")


@pytest.fixture
def queue_reply(account, django_capture_on_commit_callbacks):
    def queue(conversation: int, text: str, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return outbound.outbound_queue(
                account=account,
                recipient=f"shopper{conversation}",
                conversation_key=f"conv{conversation}",
                messages=[Text(text)],
                **kwargs,
            )

    return queue


def run(clock, broker, *, until, arrivals=()):
    """Runs due tasks, the sweeper every SWEEP_EVERY seconds and queues `arrivals` ((time,
    callable) in time order), moving the clock from event to event, until nothing is left
    to do or the clock reaches `until`."""
    arrivals = list(arrivals)
    next_sweep = clock.now
    for _ in range(20_000):  # a pipeline that makes no progress fails, never hangs
        if clock.now > until:
            return
        if arrivals and arrivals[0][0] <= clock.now:
            arrivals.pop(0)[1]()
            continue
        key = broker.pop_due()
        if key is not None:
            tasks.outbound_send(key)
            continue
        if clock.now >= next_sweep:
            tasks.outbound_sweep()
            next_sweep = clock.now + SWEEP_EVERY
            continue
        queued = OutboundMessage.objects.filter(status="queued")
        if not arrivals and not broker.due and not queued.exists():
            return
        heads = {}
        for key, due in queued.order_by("-id").values_list("conversation_key", "next_attempt_at"):
            heads[key] = due.timestamp()
        if heads:
            # Sweeps before the first conversation is due find nothing: skip them.
            next_sweep = max(next_sweep, min(heads.values()))
        if clock.now == until:
            return
        clock.now = min(broker.next_eta(), next_sweep, arrivals[0][0] if arrivals else until)
    raise AssertionError("sending made no progress")


def test_200_replies_through_a_60_second_storm_all_arrive_in_order_once(
    platform, broker, clock, queue_reply, monkeypatch
):
    conversations, replies = 20, 10
    start = clock.now
    platform.storm_until = start + 60
    parked: dict[str, int] = {}
    wait = outbound._Sender._wait

    def counting_wait(self, message, **kwargs):
        parked[message.conversation_key] = parked.get(message.conversation_key, 0) + 1
        return wait(self, message, **kwargs)

    monkeypatch.setattr(outbound._Sender, "_wait", counting_wait)
    # Replies are acknowledged during the first 20 s of the storm, every conversation in turn.
    arrivals = [
        (
            start + 2 * n + c * 0.05,
            lambda c=c, n=n: queue_reply(c, f"reply {n} to shopper {c}"),
        )
        for n in range(replies)
        for c in range(conversations)
    ]

    run(clock, broker, until=start + 3600, arrivals=arrivals)

    assert OutboundMessage.objects.filter(status="sent").count() == conversations * replies
    for c in range(conversations):
        to_shopper = [text for recipient, text in platform.delivered if recipient == f"shopper{c}"]
        assert to_shopper == [f"reply {n} to shopper {c}" for n in range(replies)]
    assert len(platform.delivered) == conversations * replies  # none twice
    # The circuit stopped the calls: the failures that opened it, then a probe per cool-down.
    assert platform.calls_in_storm <= circuit.FAILURE_THRESHOLD + 3
    # One retry loop per conversation: never two delayed tasks pending for one conversation,
    # and beyond the task each reply enqueued, at most one task per time a head was parked.
    assert broker.overlapping_delays == 0
    retries = broker.enqueued - conversations * replies
    assert retries <= sum(parked.values()) + conversations
    print(
        f"\n{conversations * replies} replies, storm 60 s: {platform.calls_in_storm} platform "
        f"calls during the storm, {broker.enqueued} send tasks ({retries} beyond one per reply), "
        f"{sum(parked.values())} parkings, all delivered "
        f"{clock.now - platform.storm_until:.0f} s after the storm"
    )


def test_429s_spend_no_attempt_and_500s_do(platform, broker, clock, queue_reply):
    platform.failures = [
        RateLimited("429", retry_after=2),
        RateLimited("429", retry_after=2),
        TransientSendError("500"),
    ]
    (message,) = queue_reply(1, "hello")

    run(clock, broker, until=clock.now + 600)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 1)


def test_permanent_error_stops_at_once(platform, broker, clock, queue_reply):
    platform.failures = [PermanentSendError("Forbidden: bot was blocked", code="blocked")]
    (message,) = queue_reply(1, "hello")

    run(clock, broker, until=clock.now + 600)

    message.refresh_from_db()
    assert (message.status, message.error_code, message.attempts) == ("failed", "blocked", 0)
    assert platform.delivered == [] and broker.enqueued == 1


def test_transient_failures_give_up_when_the_send_budget_ends(platform, broker, clock, queue_reply):
    start = clock.now
    platform.storm_until = start + 10 * 3600
    first, second = queue_reply(1, "first"), queue_reply(1, "second")

    run(clock, broker, until=start + 8 * 3600)

    for (message,) in (first, second):
        message.refresh_from_db()
        assert (message.status, message.error_code) == ("failed", "gave_up")
        assert "send budget" in message.last_error
    # It kept trying for the whole budget, then stopped: no task is left, nothing sent.
    assert clock.now - start == pytest.approx(outbound.SEND_BUDGET.total_seconds(), abs=700)
    assert platform.delivered == [] and not broker.due


def test_retries_stop_when_the_messaging_window_closes(platform, broker, clock, queue_reply):
    from django.utils import timezone

    start = clock.now
    platform.storm_until = start + 10 * 3600
    platform.reply_window = lambda last, now: type(
        "Window", (), {"open": True, "closes_at": last + timedelta(hours=1)}
    )()
    (message,) = queue_reply(1, "hello", last_inbound_at=timezone.now())

    run(clock, broker, until=start + 8 * 3600)

    message.refresh_from_db()
    assert (message.status, message.error_code) == ("failed", "window_closed")
    assert "messaging window" in message.last_error
    assert clock.now - start < 3600 + 10


def test_the_sweeper_takes_over_a_wait_too_long_for_a_delayed_task(
    platform, broker, clock, queue_reply
):
    platform.failures = [RateLimited("429", retry_after=120)]
    (message,) = queue_reply(1, "hello")
    tasks.outbound_send(broker.pop_due())

    assert broker.due == []  # no task waits two minutes in the broker
    message.refresh_from_db()
    assert message.next_attempt_at.timestamp() == pytest.approx(clock.now + 120)
    clock.now += 119
    assert tasks.outbound_sweep() == 0
    clock.now += 1
    assert tasks.outbound_sweep() == 1
    tasks.outbound_send(broker.pop_due())
    assert platform.delivered == [("shopper1", "hello")]


def test_a_chat_rate_wait_parks_the_conversation_instead_of_holding_the_worker(
    platform, broker, clock, queue_reply, monkeypatch
):
    monkeypatch.setattr(platform, "per_recipient_interval", 1.0, raising=False)
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock.advance(seconds)

    monkeypatch.setattr(outbound, "_sleep", sleep)
    for text in ("one", "two", "three"):
        queue_reply(1, text)

    run(clock, broker, until=clock.now + 60)

    assert [text for _, text in platform.delivered] == ["one", "two", "three"]
    first, second, third = platform.delivered_at
    assert second - first == pytest.approx(1, abs=0.01)
    assert third - second == pytest.approx(1, abs=0.01)
    # The worker went on to other conversations meanwhile (what it slept is rounding: a wake-up
    # comes when the bucket has refilled, to a hair).
    assert sum(slept) < 0.001
    assert [delay for _, delay in broker.delayed] == [
        pytest.approx(first + 1, abs=0.01),
        pytest.approx(second + 1, abs=0.01),
    ]


def test_no_second_goes_over_the_accounts_rate_after_a_backlog(
    platform, broker, clock, queue_reply, monkeypatch
):
    monkeypatch.setattr(platform, "rate_per_second", 30.0, raising=False)
    monkeypatch.setattr(outbound, "_sleep", clock.advance)
    for chat in range(1, 91):  # ninety conversations waiting when the platform comes back
        queue_reply(chat, "hello")

    run(clock, broker, until=clock.now + 60)

    times = sorted(platform.delivered_at)
    assert len(times) == 90
    busiest = max(sum(1 for t in times if start <= t < start + 1) for start in times)
    assert busiest <= 30
    assert times[-1] - times[0] < 4  # and the backlog still drains at about the rate


def test_a_burst_goes_at_once_then_one_a_second(platform, broker, clock, queue_reply, monkeypatch):
    # Telegram's short bursts (telegram/limits.py): an answer of a text and its cards arrives
    # together, a longer one paced after.
    monkeypatch.setattr(platform, "per_recipient_interval", 1.0, raising=False)
    monkeypatch.setattr(platform, "per_recipient_burst", 3, raising=False)
    monkeypatch.setattr(outbound, "_sleep", clock.advance)
    for text in ("one", "two", "three", "four", "five"):
        queue_reply(1, text)

    run(clock, broker, until=clock.now + 60)

    assert [text for _, text in platform.delivered] == ["one", "two", "three", "four", "five"]
    times = platform.delivered_at
    assert times[2] - times[0] == pytest.approx(0, abs=0.01)
    assert times[3] - times[2] == pytest.approx(1, abs=0.01)
    assert times[4] - times[3] == pytest.approx(1, abs=0.01)


def test_telegram_429_waits_its_retry_after_and_spends_no_attempt(
    fake_telegram,  # noqa: F811
    settings,
    shop,
    clock,
    broker,
    django_capture_on_commit_callbacks,
):
    settings.TELEGRAM_API_URL = fake_telegram.url
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="1", credentials={"token": fake_telegram.token}
    )
    fake_telegram.rate_limit_next("sendMessage", retry_after=3, times=2)
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = outbound.outbound_queue(
            account=account, recipient="42", conversation_key="chat42", messages=[Text("Hi")]
        )
    tasks.outbound_send(broker.pop_due())

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 0)
    assert message.next_attempt_at.timestamp() == pytest.approx(clock.now + 3, abs=0.01)
    assert broker.delayed == [("chat42", pytest.approx(clock.now + 3, abs=0.01))]

    run(clock, broker, until=clock.now + 60)

    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 0)
    assert [m["text"] for m in fake_telegram.chat_messages(42)] == ["Hi"]
