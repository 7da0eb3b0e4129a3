"""Benchmark: the Celery worker's CPU per event, in one process, by kind of event: what `bench
end_to_end` calls "celery pool", measured without the servers, the broker and the load
generator around it, so that it is repeatable on a busy machine and can be profiled function by
function (`--profile`).

What runs, per event, is exactly the worker's task body (`channels_adapters.tasks`
`inbound_event_process` without Celery's tracing around it): lock and parse the stored event,
the bot's answer, the replies stored and sent to a fake Telegram Bot API over HTTP. Events are
stored first as the webhook does (`intake.inbound_events_store`, not measured). The later
messages of an answer wait for Telegram's one message a second per chat, as in production:
their wake-ups (`outbound_send` with a countdown) are kept here and run when due, measured like
the events. The fake runs in a thread of this process; its CPU is not counted (only the main
thread's and the Telegram client's event-loop thread's).

Each chat says hello, searches, taps a button it was shown, taps again, and writes "hello"
again (first, search, tap, tap, returning text), over `--bots` shops.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/souk_bench .venv/bin/python -m bench worker_cpu
    .venv/bin/python -m bench worker_cpu --chats 60 --profile /tmp/worker.prof
"""

from __future__ import annotations

import argparse
import cProfile
import heapq
import itertools
import os
import pstats
import threading
import time
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import bench
from bench.shoppers import TAPPABLE

DESCRIPTION = (
    "the worker's CPU per event in process (first message, search, tap, returning text) to a "
    "fake Telegram, by kind, with queries; --profile for cProfile"
)

SCRIPT = ("first", "search", "tap", "tap", "again")
SEARCHES = ("robe rouge", "vous avez des robes bleues ?", "verte")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bots", type=int, default=4, help="shops, one bot each (4)")
    parser.add_argument("--chats", type=int, default=120, help="chats, each runs the script (120)")
    parser.add_argument("--warmup", type=int, default=10, help="chats run first, unmeasured (10)")
    parser.add_argument(
        "--profile", type=Path, help="cProfile the measured events; stats written here"
    )
    parser.add_argument("--top", type=int, default=30, help="profile lines printed (30)")
    parser.add_argument(
        "--sql", choices=(*dict.fromkeys(SCRIPT), "wake-up"), help="print one such event's SQL"
    )


@dataclass
class Tally:
    cpu: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    backend_cpu: float | None = None  # seconds, PostgreSQL's backend for this connection


class _Backend:
    """CPU of the PostgreSQL backend serving this connection (same machine: /proc), from
    start() to spent(); None on SQLite or when the backend changed in between."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.pid: int | None = None
        self.at = 0.0

    def _read(self) -> tuple[int | None, float]:
        if self.connection.vendor != "postgresql":
            return None, 0.0
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def start(self) -> None:
        self.pid, self.at = self._read()

    def spent(self) -> float | None:
        pid, at = self._read()
        return at - self.at if pid is not None and pid == self.pid else None


class _ThreadClock:
    """CPU seconds of this thread plus the Telegram client's event-loop thread (named
    "telegram"), read from /proc: the fake server's threads are left out."""

    def __init__(self) -> None:
        self.loop_tid: int | None = None

    def now(self) -> float:
        if self.loop_tid is None:
            for thread in threading.enumerate():
                if thread.name == "telegram":
                    self.loop_tid = thread.native_id
        return time.thread_time() + (_tid_cpu(self.loop_tid) if self.loop_tid else 0.0)


def _tid_cpu(tid: int) -> float:
    with open(f"/proc/self/task/{tid}/schedstat") as stat:
        return int(stat.read().split()[0]) / 1e9


def run(args: argparse.Namespace) -> int:
    with bench.environment():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench.shoppers import callback_update, message_update
    from channels_adapters import intake, registry, taskqueue, tasks
    from channels_adapters.models import ChannelAccount
    from tests.fakes.telegram import FakeTelegram

    bots = [(7000 + n, f"{7000 + n}:AAFakeSoukWorkerCpu{n:02d}") for n in range(args.bots)]
    fake = FakeTelegram(tuple(token for _, token in bots))
    fake.start()
    wakeups: list[tuple[float, int, str]] = []
    order = itertools.count()

    def keep_wakeup(args_, countdown=0, **_options):
        heapq.heappush(wakeups, (time.monotonic() + countdown, next(order), args_[0]))

    tasks.outbound_send.apply_async = keep_wakeup
    # Stored events are processed by the measured call below, not by the task intake enqueues.
    taskqueue.enqueue_on_commit = lambda task, args_list: None
    tasks.app_eager = lambda: False
    try:
        with override_settings(TELEGRAM_API_URL=fake.url):
            accounts = _seed(bots)
            adapter = registry.adapter_for("telegram")
            clock = _ThreadClock()
            tally = Tally()
            # CPU time of this thread, not wall time: waits on PostgreSQL and the fake are not work.
            profiler = cProfile.Profile(time.thread_time) if args.profile else None
            update_ids = itertools.count(1)

            def store(account: ChannelAccount, body: bytes) -> int:
                import json

                events = adapter.split(json.loads(body))
                route = intake.channel_route(kind="telegram", channel_id=account.pk)
                (event_id,) = intake.inbound_events_store(routed=[(route, e) for e in events])
                return event_id

            sql_printed: set[str] = set()

            def measured(kind: str, work, measure: bool) -> None:
                # Statements are counted by a bare execute wrapper: Django's debug cursor
                # (CaptureQueriesContext) renders every statement's SQL with its values, which
                # was 15 % of the CPU measured. The SQL is captured only for the event --sql
                # asks to print, and that event is left out of the figures.
                printed = measure and args.sql == kind and kind not in sql_printed
                if printed:
                    sql_printed.add(kind)
                counter = _StatementCounter()
                with (
                    CaptureQueriesContext(connection) if printed else nullcontext() as captured,
                    connection.execute_wrapper(counter),
                ):
                    if profiler and measure:
                        profiler.enable()
                    started = clock.now()
                    work()
                    spent = clock.now() - started
                    if profiler and measure:
                        profiler.disable()
                if printed:
                    print(f"\nSQL of a {kind} event:")
                    for query in captured.captured_queries:
                        print(f"  {query['sql'][:300]}")
                elif measure:
                    tally.cpu[kind].append(spent)
                    tally.queries[kind].append(counter.statements)

            def due_wakeups(measure: bool, *, all_of_them: bool = False) -> None:
                while wakeups and (all_of_them or wakeups[0][0] <= time.monotonic()):
                    at, _, key = heapq.heappop(wakeups)
                    time.sleep(max(0.0, at - time.monotonic()))
                    measured("wake-up", lambda key=key: tasks._send(key, in_process=False), measure)

            def one_step(step: str, chat: int, account, measure: bool) -> None:
                update_id = next(update_ids)
                if step in ("first", "again"):
                    body = message_update(update_id, chat, "Bonjour")
                elif step == "search":
                    body = message_update(update_id, chat, SEARCHES[chat % len(SEARCHES)])
                else:
                    data, message_id = _button(fake, chat)
                    body = callback_update(update_id, chat, message_id, data)
                event_id = store(account, body)
                measured(step, lambda: _task_body(event_id), measure)
                due_wakeups(measure)

            chats = [
                (7_100_000 + n, accounts[n % len(accounts)])
                for n in range(args.warmup + args.chats)
            ]
            started = time.perf_counter()
            # The script advances chat by chat in waves, so that a chat's next step comes after
            # its earlier answer's later messages were due (as a shopper reads, then taps).
            backend = _Backend(connection)
            for wave, measure in ((chats[: args.warmup], False), (chats[args.warmup :], True)):
                if measure:
                    backend.start()
                for step in SCRIPT:
                    for chat, account in wave:
                        one_step(step, chat, account, measure)
                due_wakeups(measure, all_of_them=True)
            tally.backend_cpu = backend.spent()
            elapsed = time.perf_counter() - started
    finally:
        fake.stop()

    _report(args, tally, elapsed)
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(str(args.profile))
        print(f"\nprofile of the measured events ({args.profile}), by own time:")
        stats.sort_stats("tottime").print_stats(args.top)
        print("by cumulative time:")
        stats.sort_stats("cumulative").print_stats(args.top)
    return 0


class _StatementCounter:
    """A `connection.execute_wrapper` that counts the statements run, and nothing else."""

    def __init__(self) -> None:
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        return execute(sql, params, many, context)


def _task_body(event_id: int) -> None:
    """`tasks.inbound_event_process` without Celery around it."""
    from channels_adapters import tasks
    from shops.live import live_events_deferred

    with live_events_deferred():
        tasks._process_and_send(event_id)


def _button(fake, chat: int) -> tuple[str, int]:
    """The callback data of a button the bot last showed this chat, and that message's id:
    browsing buttons only, as `bench end_to_end` taps (bench/shoppers.py TAPPABLE)."""
    for (key, message_id), message in sorted(fake.messages.items(), reverse=True):
        if str(key) != str(chat):
            continue
        rows = message.get("reply_markup", {}).get("inline_keyboard") or []
        data = [
            b["callback_data"]
            for row in rows
            for b in row
            if b.get("callback_data", "").split(":")[0] in TAPPABLE
        ]
        if data:
            return data[0], message_id
    return "browse", 1


def _seed(bots):
    return [
        bench.seed_dress_shop(
            name=f"Worker Boutique {n}",
            owner_email=f"bench-worker-{n}-{os.getpid()}@example.com",
            bot_id=bot_id,
            token=token,
            bot_name=f"@worker_{n}_bot",
        )[1]
        for n, (bot_id, token) in enumerate(bots)
    ]


def _report(args, tally: Tally, elapsed: float) -> None:
    rows = []
    total_cpu = 0.0
    events = 0
    for kind in (*dict.fromkeys(SCRIPT), "wake-up"):
        values = tally.cpu.get(kind)
        if not values:
            continue
        ordered = sorted(values)
        total_cpu += sum(values)
        if kind != "wake-up":
            events += len(values)
        rows.append(
            (
                kind,
                len(values),
                f"{1000 * sum(values) / len(values):.2f}",
                f"{1000 * ordered[len(ordered) // 2]:.2f}",
                f"{sum(tally.queries[kind]) / len(values):.1f}",
            )
        )
    for name, value in bench.describe_platform():
        print(f"{name:<9} {value}")
    print(
        f"method    {args.chats} chats over {args.bots} bots, each: {', '.join(SCRIPT)}; "
        f"{args.warmup} chats first unmeasured; {elapsed:.1f} s\n"
    )
    bench.print_table(("kind", "runs", "CPU ms mean", "CPU ms p50", "statements"), rows)
    print("(statements: SQL the worker ran, BEGIN and COMMIT not counted)")
    if events:
        print(
            f"\nworker CPU per event, wake-ups included: {1000 * total_cpu / events:.2f} ms "
            f"({events} events)"
        )
    if events and tally.backend_cpu is not None:
        print(
            f"PostgreSQL backend CPU per event (its intake INSERT included): "
            f"{1000 * tally.backend_cpu / events:.2f} ms"
        )
