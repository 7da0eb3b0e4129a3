"""The parts of `bench end_to_end` that decide what is measured: the traffic mix, which chat
writes next, which reply answers which event, when a run counts as steady, and the profile's
summary."""

import json

import pytest

from bench.end_to_end import Outcome, Run
from bench.flame import top_entries, top_own
from bench.shoppers import Event, ReplyClock, Shoppers, parse_mix


def test_the_mix_interleaves_kinds_by_weight():
    pattern = parse_mix("first=1,search=1,tap=2")
    assert sorted(pattern) == ["first", "search", "tap", "tap"]
    assert pattern[0] != pattern[1]  # spread, not in runs
    with pytest.raises(ValueError, match="unknown kind 'buy'"):
        parse_mix("first=1,buy=2")


def say(clock, chat, at, buttons=(), message_id=1):
    markup = {"inline_keyboard": [[{"text": b, "callback_data": b} for b in buttons]]}
    params = {"chat_id": str(chat), "reply_markup": json.dumps(markup)}
    clock.note("sendMessage", params, {"message_id": message_id}, at)


def test_a_reply_is_the_first_bot_message_after_the_event_left():
    clock = ReplyClock()
    say(clock, 5, at=10.0)
    say(clock, 5, at=12.0)
    assert clock.reply_after(5, 9.0) == 10.0
    assert clock.reply_after(5, 11.0) == 12.0
    assert clock.reply_after(5, 12.5) is None
    assert clock.reply_after(6, 0.0) is None
    clock.note("answerCallbackQuery", {"chat_id": "5"}, True, 13.0)  # says nothing in the chat
    assert clock.reply_after(5, 12.5) is None


def test_a_chat_writes_again_only_once_answered_and_quiet(monkeypatch):
    clock = ReplyClock()
    shoppers = Shoppers(clock=clock, bots=4, pattern=["first", "tap"])
    now = [100.0]
    monkeypatch.setattr("bench.shoppers.time.monotonic", lambda: now[0])
    first, tap, later_tap = shoppers.schedule(3, rate=1.0, start=now[0])

    shoppers.prepare(first)
    assert first.kind == "first"
    shoppers.prepare(tap)  # the only chat has not been answered: a new chat instead
    assert tap.kind == "tap→first" and tap.chat != first.chat

    say(clock, first.chat, at=100.5, buttons=("buy:1", "p:7", "human"), message_id=3)
    now[0] = 101.0  # answered, but only half a second ago
    later_tap.kind = "tap"
    shoppers.prepare(later_tap)
    assert later_tap.kind == "tap→first"

    again = shoppers.schedule(1, rate=1.0, start=now[0])[0]
    again.kind = "tap"
    now[0] = 102.0
    shoppers.prepare(again)
    update = json.loads(again.body)
    assert again.chat == first.chat
    # It taps a button the bot showed, never one that buys or calls a person.
    assert update["callback_query"]["data"] == "p:7"
    assert update["callback_query"]["message"]["message_id"] == 3


def test_the_profile_summary_adds_up_a_function_over_its_lines(tmp_path):
    raw = tmp_path / "worker.raw"
    raw.write_text(
        'process 1:"celery";main (celery.py:3);task (tasks.py:10);query (db.py:5) 6\n'
        'process 1:"celery";main (celery.py:3);task (tasks.py:12);send (net.py:9) 3\n'
        'process 1:"celery";main (celery.py:3);idle (loop.py:1) 1\n'
    )
    total, entries = top_entries(raw, top=10)
    shares = {e.function: (round(e.inclusive, 2), round(e.own, 2)) for e in entries}
    assert total == 10
    assert shares["task (tasks.py)"] == (0.9, 0.0)
    assert shares["query (db.py)"] == (0.6, 0.6)
    assert [e.function for e in top_own(raw, top=1)[1]] == ["query (db.py)"]


def _run_with_latencies(latencies: list[float], seconds: float = 8.0) -> Run:
    """A run whose events were due one after another, each replied `latency` seconds later."""
    step = seconds / len(latencies)
    events = [
        Event(index=n, kind="tap", due=n * step, status=200, replied=n * step + latency)
        for n, latency in enumerate(latencies)
    ]
    return Run(rate=len(latencies) / seconds, seconds=seconds, events=events)


def test_a_probe_whose_queue_grows_is_not_steady_though_its_p99_is_under_budget():
    # Replies 20 ms late at first, 600 ms by the end of an 8 s probe: p99 under a second, but
    # at that pace the 60 s confirmation would be seconds behind.
    growing = _run_with_latencies([0.02 + 0.58 * n / 799 for n in range(800)])
    assert growing.p99_ms() < 1000
    assert growing.falling_behind(1000, horizon_seconds=60)
    assert not growing.steady(1000, horizon_seconds=60)


def test_a_probe_with_a_late_spike_but_no_growing_queue_is_steady():
    latencies = [0.03 + 0.01 * (n % 3) for n in range(800)]
    latencies[700:705] = [0.9] * 5  # a pause (a collection, a checkpoint), then back to normal
    steady = _run_with_latencies(latencies)
    assert not steady.falling_behind(1000, horizon_seconds=60)
    assert steady.steady(1000, horizon_seconds=60)


def test_a_short_horizon_tolerates_the_growth_a_long_one_does_not():
    slow_growth = _run_with_latencies([0.02 + 0.15 * n / 799 for n in range(800)])
    assert not slow_growth.falling_behind(1000, horizon_seconds=30)
    assert slow_growth.falling_behind(1000, horizon_seconds=60)


def test_a_system_with_no_steady_run_has_no_rate_whatever_it_was_asked():
    behind = _run_with_latencies([0.02 + 3.0 * n / 799 for n in range(800)], seconds=60)
    outcome = Outcome(confirmed=None, runs=[behind])
    assert outcome.rate(1000, horizon_seconds=60) == (0.0, "no run was steady")


def test_an_unconfirmed_system_is_rated_by_its_best_steady_probe():
    probe = _run_with_latencies([0.03] * 800)
    behind = _run_with_latencies([0.02 + 3.0 * n / 799 for n in range(800)], seconds=60)
    outcome = Outcome(confirmed=None, runs=[probe, behind])
    assert outcome.rate(1000, horizon_seconds=60) == (100.0, "in a probe only: not confirmed")
