"""Benchmark: scale out by queues. Shops are split in groups by shop_id, each group's webhooks
go to its own cell (web server + Celery worker on queues of its own, SOUK_QUEUE_SUFFIX=".a",
".b"), all cells on one PostgreSQL database and one Redis. The same backlog is drained by one
worker, then by two workers on separate queues at the same per-worker concurrency: does the
throughput add up, and does the CPU per event of each process stay the same?

Real servers on 127.0.0.1 (bench/intake.py's stack): a throwaway PostgreSQL database, a spare
Redis database (`--redis`, flushed before and after), a web server per cell, a fake Telegram Bot
API in this process (bench/end_to_end.py), `--bots` shops each with its own bot.

Method, per phase (1 group, then 2): with the workers stopped, `--seconds` x `--rate` first
messages from new chats are posted to the cells' webhooks (stored and queued, each to its
group's queues); then the workers start. The rate is measured over the window in which every
worker is busy: from one second after the last worker's first reply to the moment the first
queue runs dry; replies in that window per second. CPU per event over the same window, per
process, from /proc: each worker (consumer and pool), PostgreSQL (our database's backends),
Redis (whole server), this process (the fake Bot API), the whole machine. Web processes and
senders are idle then (the backlog was posted before), so what is measured is the workers'
side, where issue 12 found the cost.

`--platform-ms` holds each answer of the fake Bot API back, as a real platform's round trip
does: workers then wait rather than compute, as in production, and a machine whose CPUs other
work keeps busy can still show the rate adding up.
"""

from __future__ import annotations

import argparse
import bisect
import os
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DESCRIPTION = (
    "shops split by shop_id over 1 then 2 Celery workers on separate queues: drained backlog "
    "rate, CPU per event per process"
)

DEFAULT_REDIS = "redis://127.0.0.1:6379/11"
CELLS = "abcdefgh"  # queue suffixes of the groups (".a", ".b", ...)
SAMPLE_SECONDS = 0.25
WARMUP_EVENTS = 24  # per cell: imports, connections and caches, unmeasured
MACHINE = "whole machine (other work too)"


def queue_group(shop_id: int, groups: int) -> int:
    """Which group (cell, queue suffix) serves a shop: shop_id modulo the number of groups.
    Stable for a shop as long as the groups are; a load balancer does the same on the webhook's
    channel (whose shop it knows), as Citus does with a distributed table's shop_id hash."""
    if groups < 1:
        raise ValueError(f"groups must be at least 1 (got {groups})")
    return shop_id % groups


def queue_suffix(group: int) -> str:
    """SOUK_QUEUE_SUFFIX of a group's cell: ".a", ".b", ..."""
    return "." + CELLS[group]


def split_shops(shop_ids: list[int], groups: int) -> list[list[int]]:
    """The shops of each group, in order."""
    split: list[list[int]] = [[] for _ in range(groups)]
    for shop_id in shop_ids:
        split[queue_group(shop_id, groups)].append(shop_id)
    return split


@dataclass
class Drain:
    """One phase's drained backlog: reply times per group, CPU samples over time."""

    groups: int
    replies: list[list[float]]  # per group, sorted reply times (monotonic)
    samples: list[tuple[float, dict[str, float]]] = field(default_factory=list)

    def window(self) -> tuple[float, float]:
        """From a second after the last group's first reply to the first group's last reply:
        the time during which every worker had work."""
        starts = [times[0] for times in self.replies if times]
        ends = [times[-1] for times in self.replies if times]
        if len(starts) < self.groups:
            return (0.0, 0.0)
        return (max(starts) + 1.0, min(ends))

    def replies_in(self, start: float, end: float) -> int:
        return sum(
            bisect.bisect_right(times, end) - bisect.bisect_left(times, start)
            for times in self.replies
        )

    @property
    def rate(self) -> float:
        start, end = self.window()
        return self.replies_in(start, end) / (end - start) if end > start else 0.0

    def _span(self):
        """The CPU samples nearest the window's ends: (first, last), or None."""
        start, end = self.window()
        if end <= start or len(self.samples) < 2:
            return None
        first, last = _nearest(self.samples, start), _nearest(self.samples, end)
        return (first, last) if last[0] > first[0] else None

    def cpu_per_event_ms(self) -> dict[str, float]:
        """Each process's CPU over the window, in ms per event it served: a worker's per event
        of its own group, the shared processes' per event of all groups (the CPU is counted
        between the samples nearest the window's ends, so are the events)."""
        span = self._span()
        if span is None:
            return {}
        (t0, before), (t1, after) = span
        result = {}
        for name, seconds in after.items():
            group = _worker_group(name)
            if group is None:
                events = self.replies_in(t0, t1)
            else:
                times = self.replies[group]
                events = bisect.bisect_right(times, t1) - bisect.bisect_left(times, t0)
            result[name] = 1e3 * (seconds - before.get(name, 0.0)) / max(1, events)
        return result

    def busy_cpus(self) -> dict[str, float]:
        """Each process's CPUs busy over the window (1.0: one core all the time)."""
        span = self._span()
        if span is None:
            return {}
        (t0, before), (t1, after) = span
        return {name: (s - before.get(name, 0.0)) / (t1 - t0) for name, s in after.items()}

    def projected_rate(self) -> float:
        """Events a second if each worker had a core of its own and used all of it: the sum
        over workers of 1,000 / its ms of CPU per event (the database, Redis and the web on
        other cores). What the measured rate tends to when the machine is not the limit."""
        return sum(
            1e3 / ms
            for name, ms in self.cpu_per_event_ms().items()
            if _worker_group(name) is not None and ms > 0
        )


def _worker_group(name: str) -> int | None:
    """The group of a "celery worker .a" row, None for a shared process."""
    prefix = "celery worker ."
    return CELLS.index(name[len(prefix)]) if name.startswith(prefix) else None


def _nearest(samples, moment: float):
    times = [at for at, _ in samples]
    k = bisect.bisect_left(times, moment)
    candidates = [samples[i] for i in (k - 1, k) if 0 <= i < len(samples)]
    return min(candidates, key=lambda sample: abs(sample[0] - moment))


def speedup(one: float, two: float) -> float:
    """How many times one worker's rate two workers reach (2.0: it adds up exactly)."""
    return two / one if one else 0.0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 (got {value:g})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.intake import add_service_arguments

    parser.add_argument(
        "--seconds",
        type=_positive_float,
        default=8.0,
        help="the backlog is --seconds x --rate first messages (8)",
    )
    parser.add_argument("--rate", type=_positive_float, default=60.0, help="see --seconds (60)")
    parser.add_argument(
        "--bots", type=_positive_int, default=16, help="shops, each with its own bot (16)"
    )
    parser.add_argument(
        "--concurrency",
        type=_positive_int,
        default=1,
        help="processes per Celery worker, the same in both phases (1: a worker is one CPU's "
        "worth, so two fit this machine's 2 CPUs)",
    )
    parser.add_argument(
        "--pool", default="prefork", help="Celery pool: prefork, threads, solo (prefork)"
    )
    parser.add_argument(
        "--platform-ms",
        type=float,
        default=50.0,
        help="the fake Bot API answers each call this much later, as a real platform's round "
        "trip does (50: workers wait, as in production; 0: they are bound by this machine's "
        "CPUs)",
    )
    parser.add_argument(
        "--web-workers", type=_positive_int, default=1, help="web server workers per cell"
    )
    parser.add_argument("--senders", type=_positive_int, default=16, help="threads posting (16)")
    add_service_arguments(parser, redis_default=DEFAULT_REDIS)


SEED = """
import json
from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from shops.services import shop_create
rows = []
for n, (bot_id, token) in enumerate({bots!r}):
    shop = shop_create(
        name=f"Scale Boutique {{n}}", owner_email=f"bench-scale-{{n}}@example.com", language="fr"
    )
    category = category_create(shop=shop, name="Robes")
    for p, colour in enumerate(["rouge", "bleue", "verte"]):
        product_create(
            shop=shop, title=f"Robe {{colour}}", category=category,
            variants=[{{"sku": f"R-{{p}}-{{s}}", "name": s, "options": {{"size": s}},
                       "price": 8990, "stock": 5000}} for s in ("S", "M", "L")],
        )
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id=str(bot_id), name=f"@scale_{{n}}_bot",
        credentials={{"token": token}}, webhook_secret_digest={digest!r},
    )
    rows.append([shop.pk, account.pk, n])
print(json.dumps({{"rows": rows}}))
"""


def run(args: argparse.Namespace) -> int:
    from bench.intake import missing_prerequisites

    if args.bots < 2:
        print("--bots must be at least 2: the shops are split in two groups")
        return 2
    missing = missing_prerequisites()
    if missing:
        print("skipped: missing " + "; ".join(missing))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-scale-"))
    try:
        return _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Shop:
    shop_id: int
    channel_id: int
    bot: int


def _run(args: argparse.Namespace, workdir: Path) -> int:
    import secrets

    from bench.end_to_end import TimedTelegram
    from bench.intake import (
        Services,
        background_load,
        free_port,
        manage,
        postgres_server,
        seed_in_subprocess,
        server_env,
        spare_redis,
        throwaway_database,
    )
    from bench.shoppers import ReplyClock
    from channels_adapters.signatures import secret_digest

    background = background_load()
    secret = secrets.token_urlsafe(32)
    bots = tuple(
        (710000000 + n, f"{710000000 + n}:AAFakeSoukScaleBot{n:02d}") for n in range(args.bots)
    )
    clock = ReplyClock()
    fake = TimedTelegram.create(tuple(token for _, token in bots), clock)
    if args.platform_ms > 0:
        _slow_down(fake, args.platform_ms / 1e3)
    drains: list[Drain] = []
    with (
        fake,
        throwaway_database(postgres_server(args.postgres), "scale") as database_url,
        spare_redis(args.redis),
        Services(workdir) as services,
    ):
        base_env = server_env(
            database_url, args.redis, TELEGRAM_API_URL=fake.url, MEDIA_ROOT=str(workdir)
        )
        manage(base_env, "migrate", "--noinput", "-v", "0")
        seeded = seed_in_subprocess(base_env, SEED.format(bots=bots, digest=secret_digest(secret)))
        shops = [Shop(*row) for row in seeded["rows"]]
        database = database_url.rsplit("/", 1)[-1]
        ports = [free_port() for _ in range(2)]
        envs = [
            {
                **base_env,
                "SOUK_QUEUE_SUFFIX": queue_suffix(group),
                "SOUK_PUBLIC_URL": f"http://127.0.0.1:{ports[group]}",
            }
            for group in range(2)
        ]
        for group in range(2):
            _start_web(services, envs[group], group, ports[group], args.web_workers)
        chats = iter(range(8_100_000, 9_000_000))
        _print_header(args, background)
        for groups in (1, 2):
            # Warm-up: each cell's worker started, answers a few, stopped (imports, caches).
            for group in range(groups):
                _start_worker(services, envs[group], group, args)
            warm = _post_backlog(
                shops, groups, ports, secret, chats, WARMUP_EVENTS * groups, args.senders
            )
            _await(clock, warm, 90)
            for group in range(groups):
                services.stop(f"celery-{group}", timeout=20)
            count = max(groups * 20, int(args.seconds * args.rate))
            backlog = _post_backlog(shops, groups, ports, secret, chats, count, args.senders)
            sampler = _Sampler(services, groups, database)
            for group in range(groups):
                _start_worker(services, envs[group], group, args)
            _await(clock, backlog, 60 + count / 5)
            sampler.stop()
            for group in range(groups):
                services.stop(f"celery-{group}", timeout=20)
            replies: list[list[float]] = [[] for _ in range(groups)]
            for group, chat, sent in backlog:
                at = clock.reply_after(chat, sent)
                if at is not None:
                    replies[group].append(at)
            drain = Drain(groups=groups, replies=[sorted(t) for t in replies])
            drain.samples = sampler.samples
            drains.append(drain)
            answered = sum(len(t) for t in replies)
            print(
                f"{groups} worker(s): {count} first messages, {answered} answered; "
                f"{drain.rate:.1f} events/s while every worker was busy",
                flush=True,
            )
    _report(args, drains)
    return 0 if all(d.rate for d in drains) else 1


def _slow_down(fake, seconds: float) -> None:
    """Each answer of the fake held back `seconds`, calls waiting side by side (its server
    answers each connection in a thread of its own), as on a real platform. Around the
    dispatch, not `handle`: the fake runs `handle` under its lock, which would make the calls
    wait one after another and cap every worker together at 1 / `seconds` calls a second."""
    dispatch = fake._dispatch

    def slow(request):
        response = dispatch(request)
        time.sleep(seconds)
        return response

    fake._dispatch = slow


def _start_web(services, env, group: int, port: int, workers: int) -> None:
    from bench.intake import start_web, wait_for_http

    name = f"web-{group}"
    start_web(services, env, app="config.wsgi:application", port=port, workers=workers, name=name)
    wait_for_http(services, name, f"http://127.0.0.1:{port}/healthz")


def _start_worker(services, env, group: int, args) -> None:
    from bench.intake import BIN

    suffix = queue_suffix(group)
    services.start(
        f"celery-{group}",
        [
            BIN / "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            ",".join(q + suffix for q in ("intake", "send", "default")),
            "--concurrency",
            str(args.concurrency),
            "--pool",
            args.pool,
            "--hostname",
            f"scale{suffix}@%h",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env,
    )


def _post_backlog(shops, groups, ports, secret, chats, count, senders):
    """Posts `count` first messages, shop after shop, each to its group's web cell. Returns
    (group, chat, sent) per event."""
    from bench.end_to_end import Sender
    from bench.shoppers import FIRST_TEXTS, message_update

    plan = []
    for k in range(count):
        shop = shops[k % len(shops)]
        chat = next(chats)
        group = queue_group(shop.shop_id, groups)
        plan.append((group, shop, chat))
    done: list[tuple[int, int, float]] = []
    lock = threading.Lock()
    failures: list[str] = []

    def post(offset: int) -> None:
        clients = {}
        try:
            for group, shop, chat in plan[offset::senders]:
                client = clients.setdefault(group, Sender(ports[group]))
                body = message_update(chat, chat, FIRST_TEXTS[chat % len(FIRST_TEXTS)])
                sent = time.monotonic()
                status, error = client.post(f"/webhooks/telegram/{shop.channel_id}/", body, secret)
                with lock:
                    if status == 200:
                        done.append((group, chat, sent))
                    else:
                        failures.append(f"{status} {error}")
        finally:
            for client in clients.values():
                client.close()

    threads = [threading.Thread(target=post, args=(k,), daemon=True) for k in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if failures:
        print(f"    ({len(failures)} webhook(s) not acknowledged, first: {failures[0]})")
    return done


def _await(clock, events, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pending = list(events)
    while pending and time.monotonic() < deadline:
        time.sleep(0.2)
        pending = [e for e in pending if clock.reply_after(e[1], e[2]) is None]
    if pending:
        print(f"    ({len(pending)} of {len(events)} events unanswered after {timeout:.0f} s)")


class _Sampler:
    """Every SAMPLE_SECONDS: CPU seconds of each worker's tree, our database's backends (the
    last reading of each, as backends may end), Redis and the machine."""

    def __init__(self, services, groups: int, database: str) -> None:
        from bench.end_to_end import backend_cpu

        self.services, self.groups, self.database = services, groups, database
        self._backend_cpu = backend_cpu
        self._backends_start = backend_cpu(database)
        self._backends = dict(self._backends_start)
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name="cpu-sampler")
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), self._read()))
            self._stop.wait(SAMPLE_SECONDS)

    def _read(self) -> dict[str, float]:
        from bench.intake import command_cpu_seconds, machine_jiffies, tree_cpu_seconds

        tick = os.sysconf("SC_CLK_TCK")
        cpu = {}
        for group in range(self.groups):
            proc = self.services.procs.get(f"celery-{group}")
            cpu[f"celery worker {queue_suffix(group)}"] = (
                tree_cpu_seconds(proc.pid) if proc else 0.0
            )
        self._backends.update(self._backend_cpu(self.database))
        cpu["postgres (our backends)"] = (
            sum(t - self._backends_start.get(pid, 0) for pid, t in self._backends.items()) / tick
        )
        cpu["redis (whole server)"] = command_cpu_seconds(["redis-server"])
        usage = os.times()  # this process: the fake Bot API the replies go to, and this sampler
        cpu["bench (fake Telegram)"] = usage.user + usage.system
        cpu[MACHINE] = machine_jiffies()[0] / tick
        return cpu

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def _print_header(args, background: float) -> None:
    print(
        f"machine   {os.cpu_count()} CPUs; other work kept {background:.2f} CPU busy just "
        f"before; load average {os.getloadavg()[0]:.2f}"
    )
    print(
        f"method    {args.bots} shops split by shop_id % groups; per phase a backlog of "
        f"{int(args.seconds * args.rate)} first messages, then workers of concurrency "
        f"{args.concurrency} ({args.pool}) drain it;\n          the fake Bot API answers after "
        f"{args.platform_ms:g} ms; rate over the window in which every worker is busy\n",
        flush=True,
    )


def _report(args, drains: list[Drain]) -> None:
    import bench

    if len(drains) < 2:
        return
    one, two = drains
    if not one.rate or not two.rate:
        print(
            "\nno rate: the workers were never busy at the same time (one drained its queues "
            "before the other had started); give them a longer backlog (--seconds, --rate)"
        )
        return
    names = sorted({*one.cpu_per_event_ms(), *two.cpu_per_event_ms()})
    cpu = [d.cpu_per_event_ms() for d in drains]
    busy = [d.busy_cpus() for d in drains]
    rows = [
        [name, *(_fmt(c.get(name)) for c in cpu), *(_fmt(b.get(name)) for b in busy)]
        for name in names
    ]
    print(
        "\nOver the window in which every worker was busy, per process (a worker's CPU per event"
        " of its own queues;\nthe others' per event of all):"
    )
    bench.print_table(
        ["process", "ms/event, 1 worker", "2 workers", "CPUs busy, 1 worker", "2 workers"], rows
    )
    machine = busy[1].get(MACHINE, 0.0)
    print(
        f"\nmeasured: 1 worker {one.rate:.1f} events/s, 2 workers on separate queues "
        f"{two.rate:.1f} events/s: x{speedup(one.rate, two.rate):.2f} (x2.00 adds up exactly)"
    )
    alone, split = one.projected_rate(), two.projected_rate()
    print(
        f"projected, each worker on a core of its own: {alone:.0f} and {split:.0f} events/s: "
        f"x{speedup(alone, split):.2f}"
    )
    if machine >= 0.85 * (os.cpu_count() or 1):
        print(
            f"the machine was the limit: {machine:.2f} of its {os.cpu_count()} CPUs busy with two "
            "workers (other work included), so the measured rate could not add up here; the "
            "workers' CPU per event is the figure that carries to more cores"
        )


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
