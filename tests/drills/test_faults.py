"""Reduced fault drills on the production stack (bench/drills): the web server, a Celery worker and
beat on a private PostgreSQL cluster and redis-server, fake Telegram. Each asserts what a
platform and its shoppers would see: every acknowledged webhook stored and answered, no reply
lost, none twice. Recovery times are printed, never asserted (`make drills` reports them)."""

import pytest

from tests.drills.conftest import run_drill

pytestmark = [pytest.mark.drill, pytest.mark.services]

# A backlog not answered within this long after the load counts as lost. Generous against a
# slow CI machine; the drills' targets (30 s) are read from `make drills`, not asserted.
DRAIN = 90.0


def _assert_clean(verdicts):
    for verdict in verdicts:
        assert verdict.ok, verdict.report()
        assert (verdict.lost, verdict.doubled) == (0, 0)


@pytest.mark.parametrize("mode", ["kill", "hang"])
def test_broker_lost_for_a_while_loses_and_doubles_nothing(stack, mode):
    verdicts = run_drill(
        stack,
        "broker",
        mode=mode,
        webhooks=60,
        rate=6.0,
        fault_at=2.0,
        fault_seconds=5.0,
        drain_timeout=DRAIN,
    )
    _assert_clean(verdicts)


def test_postgres_restarted_under_load_acknowledges_only_stored_events(stack):
    verdicts = run_drill(
        stack,
        "postgres_restart",
        webhooks=60,
        rate=6.0,
        fault_at=2.0,
        down_seconds=3.0,
        drain_timeout=DRAIN,
    )
    _assert_clean(verdicts)


def test_a_telegram_storm_delays_replies_but_delivers_each_once_in_order(stack):
    verdicts = run_drill(
        stack,
        "storm",
        storm_seconds=10.0,
        chats=10,
        load_seconds=5.0,
        drain_timeout=DRAIN,
    )
    _assert_clean(verdicts)


def test_the_same_webhook_five_times_at_once_is_stored_processed_and_answered_once(stack):
    verdicts = run_drill(stack, "duplicates", updates=10, copies=5, drain_timeout=DRAIN)
    _assert_clean(verdicts)
