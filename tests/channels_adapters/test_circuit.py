"""The circuit per channel account: it opens after consecutive failures, keeps the platform from
being called while open, lets one probe through when half-open, and closes on its success;
opening and closing are logged once. Then through the send pipeline against the fake Telegram."""

import logging

import pytest
from django.core.cache import cache

from channels_adapters import circuit, outbound, tasks
from channels_adapters.circuit import Pass, circuit_check, circuit_failure, circuit_success
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, OutboundMessage
from tests.channels_adapters.test_send_storm import (  # noqa: F401
    Broker,
    Clock,
    isolated_cache,
    run,
)
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db

NOW = 1_800_000_000.0


@pytest.fixture(autouse=True)
def _closed_circuits_forgotten(monkeypatch):
    """What this process remembers of closed circuits (circuit.CLOSED_MEMO) starts empty: the
    tests reuse account 1 at the same instants."""
    monkeypatch.setattr(circuit, "_closed_seen", {})


def fail(times, *, now=NOW, account=1, retry_after=None):
    """`times` failures by senders the closed circuit let through; the last one's answer."""
    opened = None
    for _ in range(times):
        opened = circuit_failure(account, Pass(), now=now, retry_after=retry_after)
    return opened


def test_opens_after_consecutive_failures_and_stops_senders():
    assert fail(circuit.FAILURE_THRESHOLD - 1) is None
    assert circuit_check(1, now=NOW).allowed

    assert fail(1) == NOW + circuit.COOLDOWN

    blocked = circuit_check(1, now=NOW + 1)
    assert not blocked.allowed and blocked.wait_until == NOW + circuit.COOLDOWN
    assert circuit_check(2, now=NOW + 1).allowed  # another account is not concerned


def test_a_success_between_failures_keeps_it_closed():
    fail(circuit.FAILURE_THRESHOLD - 1)
    circuit_success(1, circuit_check(1, now=NOW))
    fail(circuit.FAILURE_THRESHOLD - 1)

    assert circuit_check(1, now=NOW).allowed


def test_a_longer_retry_after_keeps_it_open_longer():
    assert fail(circuit.FAILURE_THRESHOLD, retry_after=90) == NOW + 90


def test_half_open_lets_one_probe_through_whose_success_closes_it():
    fail(circuit.FAILURE_THRESHOLD)
    half_open = NOW + circuit.COOLDOWN

    probe = circuit_check(1, now=half_open)
    other = circuit_check(1, now=half_open)
    assert probe.allowed and probe.probe
    assert not other.allowed and other.wait_until == half_open + circuit.PROBE_WAIT

    circuit_success(1, probe)
    after = circuit_check(1, now=half_open + 1)
    assert after.allowed and not after.probe and after.failures == 0


def test_a_failed_probe_reopens_it_and_the_next_probe_comes_a_cool_down_later():
    fail(circuit.FAILURE_THRESHOLD)
    half_open = NOW + circuit.COOLDOWN
    probe = circuit_check(1, now=half_open)

    reopened = circuit_failure(1, probe, now=half_open)

    assert reopened == half_open + circuit.COOLDOWN
    assert not circuit_check(1, now=half_open + 1).allowed
    assert circuit_check(1, now=reopened).probe


def test_a_failed_probe_told_to_wait_longer_waits_what_the_platform_asked():
    fail(circuit.FAILURE_THRESHOLD)
    probe = circuit_check(1, now=NOW + circuit.COOLDOWN)

    assert circuit_failure(1, probe, now=NOW + circuit.COOLDOWN, retry_after=120) == (
        NOW + circuit.COOLDOWN + 120
    )


def test_opening_and_closing_are_logged_once(caplog):
    with caplog.at_level(logging.WARNING, logger="channels_adapters.circuit"):
        fail(circuit.FAILURE_THRESHOLD + 10)  # failures from calls already under way
        for _ in range(5):
            circuit_check(1, now=NOW + 1)
        probe = circuit_check(1, now=NOW + circuit.COOLDOWN)
        circuit_success(1, probe)

    lines = [record.getMessage() for record in caplog.records]
    assert sum("opened" in line for line in lines) == 1
    assert sum("closed" in line for line in lines) == 1


def test_a_circuit_another_worker_opened_is_noticed_within_the_closed_memo():
    assert circuit_check(1, now=NOW).allowed  # read from the cache: closed, no failures
    # Another worker's failures open it (written to the shared cache, not by this process).
    open_key, _, _ = circuit._keys(1)
    cache.set(open_key, {"until": NOW + circuit.COOLDOWN}, 600)

    # Taken as closed without reading it again, for at most CLOSED_MEMO seconds...
    assert circuit_check(1, now=NOW + circuit.CLOSED_MEMO / 2).allowed
    # ...then read again: no call goes to the platform after that.
    blocked = circuit_check(1, now=NOW + circuit.CLOSED_MEMO)
    assert not blocked.allowed and blocked.wait_until == NOW + circuit.COOLDOWN
    assert not circuit_check(1, now=NOW + circuit.CLOSED_MEMO + 0.1).allowed


def test_a_failure_in_this_process_reads_the_circuit_again_at_once():
    assert circuit_check(1, now=NOW).allowed
    assert fail(1) is None  # this process's call failed: it forgets the circuit was closed
    open_key, _, _ = circuit._keys(1)
    cache.set(open_key, {"until": NOW + circuit.COOLDOWN}, 600)  # and another worker opens it

    assert not circuit_check(1, now=NOW + 0.01).allowed


def test_failures_counted_are_read_every_time_so_that_a_success_resets_them():
    fail(circuit.FAILURE_THRESHOLD - 1)
    assert circuit_check(1, now=NOW).failures == circuit.FAILURE_THRESHOLD - 1
    # Not remembered as closed: the next sender reads the count too, and its success resets it.
    granted = circuit_check(1, now=NOW + 0.01)
    assert granted.failures == circuit.FAILURE_THRESHOLD - 1
    circuit_success(1, granted)
    fail(circuit.FAILURE_THRESHOLD - 1)
    assert circuit_check(1, now=NOW + 0.02).allowed


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(outbound, "_now", fake)
    monkeypatch.setattr(outbound, "_sleep", fake.advance)
    return fake


@pytest.fixture
def broker(monkeypatch, clock):
    fake = Broker(clock)
    monkeypatch.setattr(tasks.outbound_send, "apply_async", fake.apply_async)
    return fake


def test_a_telegram_outage_opens_the_circuit_and_nothing_is_lost(
    fake_telegram,  # noqa: F811
    settings,
    shop,
    clock,
    broker,
    django_capture_on_commit_callbacks,
):
    settings.TELEGRAM_API_URL = fake_telegram.url
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": fake_telegram.token},
    )
    fake_telegram.fail_always(
        "sendMessage",
        status=500,
        json={"ok": False, "error_code": 500, "description": "Internal Server Error"},
    )
    chats = range(1001, 1009)
    for chat in chats:
        with django_capture_on_commit_callbacks(execute=True):
            outbound.outbound_queue(
                account=account,
                recipient=str(chat),
                conversation_key=f"chat{chat}",
                messages=[Text(f"Hello {chat}")],
            )
    while (key := broker.pop_due()) is not None:  # the tasks due now, not the retries
        tasks.outbound_send(key)

    calls = len(fake_telegram.requests_for("sendMessage"))
    assert calls == circuit.FAILURE_THRESHOLD  # the rest never reached the platform
    queued = OutboundMessage.objects.filter(status="queued")
    assert queued.count() == len(chats)
    assert sorted(queued.values_list("attempts", flat=True)) == [0] * 3 + [1] * 5

    fake_telegram.clear_scripts()
    run(clock, broker, until=clock.now + 600)

    assert OutboundMessage.objects.filter(status="sent").count() == len(chats)
    for chat in chats:
        assert [m["text"] for m in fake_telegram.chat_messages(chat)] == [f"Hello {chat}"]
    assert cache.get(f"souk:circuit:{account.pk}:open") is None  # closed again
