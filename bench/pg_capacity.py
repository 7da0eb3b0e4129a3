"""Benchmark: PostgreSQL's side of an event, in CPU per row and per event, hence how many a
PostgreSQL core can take (docs/deploy.md "Scale-out").

In this process, on the throwaway database of `bench.environment()` (PostgreSQL only: run with
a postgres DATABASE_URL), one connection, statements one after another:

  - intake, single row: the statement a webhook carrying one event runs
    (`channels_adapters.intake._insert_new`: INSERT … ON CONFLICT DO NOTHING RETURNING id,
    autocommit, so its own commit and WAL flush), once per event;
  - intake, batch: the same statement with `--batch` rows, as a Messenger or WhatsApp webhook
    carrying several events stores them;
  - answered event: a new Telegram chat's first message stored by `inbound_events_store` and
    answered by the real bot, its reply sent to a fake Bot API (tasks eager, in this process):
    every read and write an answered event costs PostgreSQL.

CPU is the backend's own (utime + stime of the connection's server process, from
/proc/<pg_backend_pid()>/stat: PostgreSQL on this machine), so other work on a shared server
does not count. Not in it: the WAL writer, checkpointer and background writer, which the
whole server's CPU over the same scenario shows (shared with any other work: an upper bound).
pg_stat_statements is not used: it needs shared_preload_libraries, which the server may not
have. Per core = 1,000 / ms of backend CPU per row: the rate one core could sustain if the
backend's CPU were the only limit (with many clients; one client also waits for each commit's
WAL flush, which its "wall" rate shows).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import time
from dataclasses import dataclass

import bench

DESCRIPTION = (
    "PostgreSQL CPU per intake insert (single row, batch) and per answered event: rows and "
    "events per second per PostgreSQL core"
)
TICK = os.sysconf("SC_CLK_TCK")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rows", type=_positive, default=3000, help="rows of each intake run (3000)"
    )
    parser.add_argument(
        "--batch", type=_positive, default=20, help="events per statement, batch run (20)"
    )
    parser.add_argument(
        "--events", type=_positive, default=200, help="answered events (first messages) (200)"
    )


@dataclass
class Figure:
    name: str
    units: int  # rows or events
    backend_seconds: float
    server_seconds: float
    wall_seconds: float

    @property
    def backend_ms(self) -> float:
        return 1e3 * self.backend_seconds / self.units

    @property
    def per_core(self) -> float:
        """Units a second one PostgreSQL core could take, the backend's CPU the only limit."""
        return per_core(self.backend_ms)


def per_core(ms_per_unit: float) -> float:
    return 1e3 / ms_per_unit if ms_per_unit > 0 else 0.0


def run(args: argparse.Namespace) -> int:
    import bench

    with bench.environment():
        from django.db import connection

        if connection.vendor != "postgresql":
            print("skipped: PostgreSQL only (run with DATABASE_URL=postgres://…)")
            return 0
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid(), inet_server_addr()")
            pid, address = cursor.fetchone()
        if not os.path.exists(f"/proc/{pid}/stat"):
            print(f"skipped: the backend (pid {pid} on {address}) is not on this machine")
            return 0
        shop, account = _seed()
        updates = itertools.count(1)
        figures = [
            _measure(
                f"intake, 1 row per statement ({args.rows} rows)",
                pid,
                args.rows,
                lambda: _insert_rows(shop, account, updates, args.rows, 1),
            ),
            _measure(
                f"intake, {args.batch} rows per statement ({args.rows} rows)",
                pid,
                args.rows,
                lambda: _insert_rows(shop, account, updates, args.rows, args.batch),
            ),
        ]
        with _fake_telegram(account) as (fake, chats):
            _answer(account, chats, updates, 10)  # warm-up: imports, caches
            sent_before = len(fake.requests_for("sendMessage"))
            figures.append(
                _measure(
                    f"answered event, new chat's first message ({args.events})",
                    pid,
                    args.events,
                    lambda: _answer(account, chats, updates, args.events),
                )
            )
            replies = len(fake.requests_for("sendMessage")) - sent_before
            statements = _statements_of_one(account, chats, updates)
        _report(figures, statements)
        print(f"replies the fake Bot API received for the {args.events} events: {replies}")
        if replies < args.events:
            from channels_adapters.models import InboundEvent

            stuck = InboundEvent.objects.exclude(last_error="").values_list("last_error", flat=True)
            print("FAIL  an event went unanswered: the figure is not an answered event's")
            print(f"      last error: {stuck.last() or 'none recorded'}"[:400])
            return 1
    return 0


def _seed():
    return bench.seed_dress_shop(
        name="PG Boutique",
        owner_email="bench-pg@example.com",
        bot_id=720000000,
        token="720000000:AAFakeSoukPgBenchBot",  # noqa: S106 (a fake)
        bot_name="@pg_bench_bot",
    )


def _update(update_id: int, chat: int, text: str = "hello") -> dict:
    from bench.shoppers import message_update

    return json.loads(message_update(update_id, chat, text))


def _insert_rows(shop, account, updates, rows: int, batch: int) -> None:
    from django.utils import timezone

    from channels_adapters.intake import _insert_new

    done = 0
    while done < rows:
        size = min(batch, rows - done)
        now = timezone.now()
        chunk = []
        for _ in range(size):
            update_id = next(updates)
            payload = json.dumps(_update(update_id, 5_000_000 + update_id), separators=(",", ":"))
            chunk.append((shop.pk, account.pk, str(update_id), payload, now))
        _insert_new(chunk)
        done += size


@contextlib.contextmanager
def _fake_telegram(account):
    from django.conf import settings

    from tests.fakes.telegram import FakeTelegram

    token = account.credentials["token"]
    with FakeTelegram((token,)) as fake:
        previous = settings.TELEGRAM_API_URL
        settings.TELEGRAM_API_URL = fake.url
        try:
            yield fake, itertools.count(6_000_000)
        finally:
            settings.TELEGRAM_API_URL = previous


def _answer(account, chats, updates, events: int) -> None:
    from channels_adapters.base import RawEvent
    from channels_adapters.intake import inbound_events_store

    for _ in range(events):
        update_id = next(updates)
        event = RawEvent(event_id=str(update_id), payload=_update(update_id, next(chats)))
        # Tasks are eager here: storing runs the processing and the sending, in this process.
        inbound_events_store(routed=[(account, event)])


def _statements_of_one(account, chats, updates) -> dict[str, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _answer(account, chats, updates, 1)
    kinds: dict[str, int] = {}
    for query in captured.captured_queries:
        verb = query["sql"].lstrip().split(None, 1)[0].upper()
        kinds[verb] = kinds.get(verb, 0) + 1
    return kinds


def _backend_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _measure(name: str, pid: int, units: int, work) -> Figure:
    from bench.intake import command_cpu_seconds

    server_before = command_cpu_seconds(["postgres"])
    backend_before = _backend_seconds(pid)
    started = time.perf_counter()
    work()
    wall = time.perf_counter() - started
    figure = Figure(
        name=name,
        units=units,
        backend_seconds=_backend_seconds(pid) - backend_before,
        server_seconds=command_cpu_seconds(["postgres"]) - server_before,
        wall_seconds=wall,
    )
    print(f"  {name}: done in {wall:.1f} s", flush=True)
    return figure


def _report(figures: list[Figure], statements: dict[str, int]) -> None:
    import bench

    for line in bench.describe_platform():
        print(f"{line[0]:9} {line[1]}")
    rows = [
        [
            f.name,
            f"{f.backend_ms:.3f}",
            f"{1e3 * f.server_seconds / f.units:.3f}",
            f"{f.per_core:,.0f}",
            f"{f.units / f.wall_seconds:,.0f}",
        ]
        for f in figures
    ]
    print()
    bench.print_table(
        [
            "scenario",
            "backend ms CPU / unit",
            "whole server ms / unit",
            "per core / s",
            "one client, wall / s",
        ],
        rows,
    )
    total = sum(statements.values())
    writes = sum(n for verb, n in statements.items() if verb in {"INSERT", "UPDATE", "DELETE"})
    print(
        f"\none answered first message: {total} statements, {writes} of them writes ("
        + ", ".join(f"{verb} {n}" for verb, n in sorted(statements.items()))
        + ")"
    )
    print(
        "per core: 1,000 / backend ms; the whole server's column adds the WAL writer and the "
        "other background processes, and any other work on a shared server (an upper bound)"
    )
