"""The parts of `bench scale_out` and `bench pg_capacity` that decide what is printed: which
queue serves a shop, the window in which every worker was busy, the rate and CPU per event in
it, and the per-core arithmetic; and the SOUK_QUEUE_SUFFIX setting the benchmark's cells use."""

import os
import subprocess
import sys

import pytest

from bench.pg_capacity import Figure, per_core
from bench.scale_out import (
    MACHINE,
    Drain,
    queue_group,
    queue_suffix,
    speedup,
    split_shops,
)


def test_a_shop_always_goes_to_the_same_group_and_every_group_gets_shops():
    shops = list(range(101, 117))
    assert split_shops(shops, 1) == [shops]
    halves = split_shops(shops, 2)
    assert sorted(halves[0] + halves[1]) == shops
    assert len(halves[0]) == len(halves[1]) == 8
    assert all(queue_group(shop, 2) == 0 for shop in halves[0])
    assert queue_group(107, 2) == queue_group(107, 2) == 1
    assert [queue_suffix(g) for g in range(2)] == [".a", ".b"]
    with pytest.raises(ValueError, match="groups must be at least 1"):
        queue_group(5, 0)


def test_the_rate_is_counted_while_every_worker_had_work():
    # Worker .a answers from t=10 to 20 (one a second), .b starts later (t=12) and ends at 18.
    drain = Drain(
        groups=2,
        replies=[[10.0 + k for k in range(11)], [12.0 + 0.5 * k for k in range(13)]],
    )
    start, end = drain.window()
    assert (start, end) == (13.0, 18.0)  # a second after the last first reply, to the first end
    # In [13, 18]: .a 6 replies (13..18), .b 11 (13.0, 13.5, ... 18.0).
    assert drain.replies_in(start, end) == 17
    assert drain.rate == pytest.approx(17 / 5)


def test_a_worker_that_never_answered_gives_no_rate():
    drain = Drain(groups=2, replies=[[1.0, 2.0, 3.0], []])
    assert drain.window() == (0.0, 0.0)
    assert drain.rate == 0.0
    assert drain.cpu_per_event_ms() == {}


def test_cpu_per_event_is_per_own_event_for_a_worker_and_per_all_events_for_the_rest():
    drain = Drain(groups=2, replies=[[float(t) for t in range(10, 31)]] * 2)
    drain.samples = [
        (11.0, {"celery worker .a": 1.0, "celery worker .b": 1.0, "postgres": 0.5, MACHINE: 3}),
        (15.0, {"celery worker .a": 1.2, "celery worker .b": 1.1, "postgres": 0.6, MACHINE: 4}),
        (30.0, {"celery worker .a": 1.8, "celery worker .b": 1.4, "postgres": 0.9, MACHINE: 7}),
    ]
    # Window [11, 30]; samples at exactly its ends: 20 replies per worker, 40 in all.
    cpu = drain.cpu_per_event_ms()
    assert cpu["celery worker .a"] == pytest.approx(800 / 20)
    assert cpu["celery worker .b"] == pytest.approx(400 / 20)
    assert cpu["postgres"] == pytest.approx(400 / 40)
    assert drain.busy_cpus()[MACHINE] == pytest.approx(4 / 19)
    # Each worker on its own core: 1,000 / 40 + 1,000 / 20 events a second.
    assert drain.projected_rate() == pytest.approx(25 + 50)
    assert speedup(30.0, 57.0) == pytest.approx(1.9)
    assert speedup(0.0, 57.0) == 0.0


def test_per_core_is_the_inverse_of_the_backend_cpu_per_row():
    figure = Figure(
        name="intake", units=2000, backend_seconds=0.4, server_seconds=1.0, wall_seconds=1.0
    )
    assert figure.backend_ms == pytest.approx(0.2)
    assert figure.per_core == pytest.approx(5000)
    assert per_core(0.0) == 0.0


def _queues_with(suffix: str | None) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    env.pop("SOUK_QUEUE_SUFFIX", None)
    if suffix is not None:
        env["SOUK_QUEUE_SUFFIX"] = suffix
    code = (
        "import django; django.setup()\n"
        "from config.celery import app\n"
        "from channels_adapters.tasks import inbound_event_process as t\n"
        "print(app.amqp.router.route({}, t.name, (), {})['queue'].name,"
        " app.conf.task_default_queue, sorted(q.name for q in app.conf.task_queues))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_a_cell_keeps_queues_of_its_own_and_without_the_setting_nothing_changes():
    assert _queues_with(None) == ("intake default ['checkout', 'default', 'intake', 'send']")
    assert _queues_with(".b") == (
        "intake.b default.b ['checkout.b', 'default.b', 'intake.b', 'send.b']"
    )
