"""Benchmark: end to end, from a Telegram webhook in to the bot's reply received by Telegram:
the highest steady rate at which the reply p99 stays under a second, and the same for
python-telegram-bot's minimal bot in the same run.

Real servers on 127.0.0.1, as in production but on one machine, every process on its CPUs:

  - a throwaway PostgreSQL database (`souk_bench_e2e_<pid>`, migrated, dropped at the end) and a
    spare Redis database (`--redis`, flushed before and after) as cache and Celery broker;
  - the web server as production starts it (`python -m config.web`: granian, threads) and a
    real Celery worker
    (`celery -A config worker -Q intake,send,default`), both started here, stopped at the end;
  - a fake Telegram Bot API (tests/fakes FakeTelegram, in this process) as TELEGRAM_API_URL,
    noting when each bot message arrives in each chat (bench/shoppers.py);
  - `--bots` shops, each with a category, 3 products of 3 sizes and its own Telegram bot
    (Telegram lets one bot send about 30 messages a second, all chats together);
  - the peer: python-telegram-bot's `Application.run_webhook` with one handler that answers every
    update with a message (bench/ptb_peer.py --reply), against the same fake, after Souk.

Traffic: a mix of first messages, searches and taps (`--mix`, bench/shoppers.py) posted to the
webhooks with the secret header at a steady rate, open loop (a slow answer delays no other
request), from `--senders` threads each keeping its connection when the server does. For
each event: acknowledged after how long, and how long from when it was due until the fake
received the bot's first message to that chat after it.

The search for the highest steady rate (for Souk, then for the peer): probes of
`--probe-seconds` from `--start-rate`, times 1.5 while the run is steady: the reply p99
under `--p99-ms` (1 s), every event answered, and no queue building up faster than would take
the replies past that p99 within `--seconds` (the medians of the first and last quarters'
reply latencies compared: `Run.falling_behind`), then probes halfway (geometrically)
between the last good and the first bad rate until they are within 10 %, then the best rate
confirmed over `--seconds` (60; if it fails there, 0.85 times it, three attempts at most). `--rate`
skips the search: one run at that rate. Between two runs the benchmark waits until the queues
are empty and the last replies are in.

CPU per event, per process: each process's CPU time (utime + stime, from /proc) over the
confirmed run, from its first event to its last reply, divided by the events: the web server (main
process and workers), Celery's consumer (the main process) and its pool processes, the peer, all of
PostgreSQL, Redis, this process (the fake and the senders) and the whole machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import math
import os
import secrets
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import bench
from bench.intake import (
    BIN,
    Services,
    add_service_arguments,
    background_load,
    command_cpu_seconds,
    free_port,
    machine_jiffies,
    manage,
    missing_prerequisites,
    postgres_server,
    seed_in_subprocess,
    server_env,
    spare_redis,
    start_web,
    throwaway_database,
    tree_cpu_seconds,
    wait_for_http,
)
from bench.shoppers import (
    Event,
    PendingChats,
    ReplyClock,
    Shoppers,
    message_update,
    parse_mix,
)

DESCRIPTION = (
    "Telegram webhooks (first messages, searches, taps) -> bot replies at a fake Telegram: "
    "highest steady rate, CPU per event per process, vs python-telegram-bot"
)

DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
TICK = os.sysconf("SC_CLK_TCK")
# Targets of issue 12.
RATE_GOAL = 200.0
PEER_RATIO_GOAL = 0.5
STEP = 1.5  # rate factor between probes
# The search stops when the highest steady rate and the lowest failed one are this close (a factor).
RESOLUTION = 1.1
# Confirming runs tried, each 15 % below the last: an 8 s probe overstates what holds over 60 s by
# 15 to 30 % (Souk and the peer alike), and two attempts left the peer unconfirmed in a run where
# Souk confirmed, so that the ratio fell back to probes.
CONFIRM_ATTEMPTS = 3
CONFIRM_STEP = 0.85
# Fewer events than this in a quarter of a run: too few to tell a growing queue from noise.
MIN_QUARTER = 20
STALL = 8.0  # seconds without a new reply, queues empty, after which a reply is given up
PEER_PATH = "bench-peer"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def _mix(text: str) -> str:
    try:
        parse_mix(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--seconds", type=float, default=60.0, help="length of the confirming run (60)"
    )
    parser.add_argument(
        "--probe-seconds", type=float, default=8.0, help="length of each probe of the search (8)"
    )
    parser.add_argument(
        "--start-rate", type=float, default=20.0, help="first rate probed, events/s (20)"
    )
    parser.add_argument("--max-rate", type=float, default=3000.0, help="highest probed (3000)")
    parser.add_argument(
        "--rate", type=float, default=None, help="one Souk run at this rate (no search)"
    )
    parser.add_argument(
        "--p99-ms", type=float, default=1000.0, help="reply p99 a steady rate stays under (1000)"
    )
    parser.add_argument(
        "--mix",
        type=_mix,
        default="first=1,search=1,tap=2",
        help="kinds of events and their weights (first=1,search=1,tap=2)",
    )
    parser.add_argument(
        "--bots",
        type=_positive,
        default=16,
        help="shops, each with its own bot (16: Telegram lets a bot send about 30 messages a "
        "second, and an answer is one to four messages)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=20.0,
        help="how long replies are awaited after the last event was sent (20)",
    )
    parser.add_argument(
        "--warmup", type=int, default=40, help="events sent and answered first, unmeasured (40)"
    )
    parser.add_argument(
        "--workers", type=_positive, default=2, help="web server workers, WEB_CONCURRENCY (2)"
    )
    parser.add_argument(
        "--worker-concurrency",
        type=_positive,
        default=None,
        help="Celery worker processes (the settings' default: 6 per CPU)",
    )
    parser.add_argument(
        "--pool", default="prefork", help="Celery pool: prefork, threads, solo (prefork)"
    )
    parser.add_argument(
        "--senders", type=_positive, default=32, help="threads posting the webhooks (32)"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip python-telegram-bot")
    parser.add_argument(
        "--peer-rate", type=float, default=None, help="one peer run at this rate (no search)"
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="py-spy the Celery worker during the confirming run; raw profile written here",
    )
    parser.add_argument(
        "--web-args", default="", help="extra options of `python -m config.web`, for experiments"
    )
    parser.add_argument("--celery-args", default="", help="extra worker options, for experiments")
    parser.add_argument(
        "--api-latency",
        type=float,
        default=0.0,
        metavar="MS",
        help="the fake Bot API answers every call after this long, as a distant "
        "api.telegram.org would, for Souk and the peer alike (0)",
    )
    add_service_arguments(parser, redis_default=DEFAULT_REDIS)


class TimedTelegram:
    """FakeTelegram whose bot messages are noted in a ReplyClock (built lazily: tests.fakes
    imports Django-free modules only, but keep bench imports cheap)."""

    @staticmethod
    def create(tokens: tuple[str, ...], clock: ReplyClock):
        from tests.fakes.telegram import FakeTelegram

        class _Timed(FakeTelegram):
            keep_alive = True  # as api.telegram.org: a worker's connection serves many replies

            def handle(self, request):
                response = super().handle(request)
                if response.status == 200:
                    result = (response.json or {}).get("result") if response.json else None
                    clock.note(request.route, request.params, result, request.received_at)
                return response

        return _Timed(tokens)


@dataclass
class Target:
    """Where the events go: Souk's webhooks (one per bot) or the peer's."""

    name: str
    port: int
    paths: list[str]
    secret: str
    pids: dict[str, int]  # process trees whose CPU is counted
    own_pids: dict[str, int] = field(default_factory=dict)  # processes counted alone
    queues: object = None  # a Redis client whose intake/send lists must be empty when idle
    database: str = ""  # PostgreSQL database whose backends' CPU is counted


@dataclass
class Run:
    rate: float
    seconds: float
    events: list[Event]
    started: float = 0.0
    sent_until: float = 0.0
    done_at: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    late_sends: int = 0

    @property
    def acked(self) -> list[Event]:
        return [e for e in self.events if e.status == 200]

    @property
    def replied(self) -> list[Event]:
        return [e for e in self.events if e.replied is not None]

    def latencies(self) -> list[float]:
        return [e.replied - e.due for e in self.replied]

    def ack_latencies(self) -> list[float]:
        return [e.acked - e.due for e in self.acked if e.acked is not None]

    def p99_ms(self) -> float:
        return _ms(self.latencies(), 99)

    def backlog_growth_ms(self) -> float:
        """How much later the replies to the last quarter of the events (by when they were
        due) came than those to the first quarter, medians: a queue building up."""
        answered = sorted(self.replied, key=lambda event: event.due)
        quarter = len(answered) // 4
        if quarter < MIN_QUARTER:
            return 0.0
        first = statistics.median(e.replied - e.due for e in answered[:quarter])
        last = statistics.median(e.replied - e.due for e in answered[-quarter:])
        return 1000 * (last - first)

    def falling_behind(self, p99_ms: float, horizon_seconds: float) -> bool:
        """The queue grows fast enough to push replies past `p99_ms` within `horizon_seconds`
        (the confirming run's length). An 8 s probe can stay under a second's p99 while its
        backlog grows by a tenth of a second every second: it was called steady, and its 60 s
        confirmation failed (docs/performance.md, end_to_end, "seventh pass")."""
        # The two quarters' middles are three quarters of the run apart.
        growth_per_second = self.backlog_growth_ms() / (0.75 * self.seconds)
        return growth_per_second * horizon_seconds >= p99_ms

    def steady(self, p99_ms: float, horizon_seconds: float) -> bool:
        return (
            len(self.replied) == len(self.events)
            and self.p99_ms() < p99_ms
            and not self.falling_behind(p99_ms, horizon_seconds)
        )


def run(args: argparse.Namespace) -> int:
    missing = missing_prerequisites(peer=not args.no_peer)
    if missing:
        print("skipped: missing " + "; ".join(missing))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-e2e-"))
    try:
        return _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


SEED = """
import json
from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from shops.services import shop_create
channels = []
for n, (bot_id, token) in enumerate({bots!r}):
    shop = shop_create(
        name=f"Bench Boutique {{n}}", owner_email=f"bench-e2e-{{n}}@example.com", language="fr"
    )
    category = category_create(shop=shop, name="Robes")
    for p, colour in enumerate(["rouge", "bleue", "verte"]):
        product_create(
            shop=shop, title=f"Robe {{colour}}", category=category,
            variants=[{{"sku": f"R-{{p}}-{{s}}", "name": s, "options": {{"size": s}},
                       "price": 8990, "stock": 5000}} for s in ("S", "M", "L")],
        )
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id=str(bot_id), name=f"@bench_{{n}}_bot",
        credentials={{"token": token}}, webhook_secret_digest={digest!r},
    )
    channels.append(account.pk)
print(json.dumps({{"channels": channels}}))
"""


class Sender:
    """One thread's connection to the target, kept as long as the server keeps it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, secret: str) -> tuple[int | None, str]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request(
                    "POST",
                    path,
                    body=body,
                    headers={
                        "Content-Type": "application/json",
                        "X-Telegram-Bot-Api-Secret-Token": secret,
                    },
                )
                response = self.connection.getresponse()
                response.read()
                if response.will_close:
                    self.close()
                return response.status, ""
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                # A kept connection the server closed meanwhile: once more on a new one.
                if attempt == 2 or not isinstance(
                    exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    return None, repr(exc)
        return None, "unreachable"

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _send_all(target: Target, shoppers: Shoppers, events: list[Event], senders: int) -> int:
    """Posts each event at its due time (event i from thread i % senders); returns how many
    left more than 50 ms late (the senders could not keep up: the rate is the client's)."""
    late = [0] * senders

    def send(offset: int) -> None:
        sender = Sender(target.port)
        try:
            for event in events[offset::senders]:
                wait = event.due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                elif wait < -0.05:
                    late[offset] += 1
                shoppers.prepare(event)
                event.sent = time.monotonic()
                path = target.paths[event.bot % len(target.paths)]
                event.status, event.error = sender.post(path, event.body, target.secret)
                event.acked = time.monotonic()
        finally:
            sender.close()

    threads = [
        threading.Thread(target=send, args=(k,), daemon=True, name=f"sender-{k}")
        for k in range(min(senders, len(events)))
    ]
    for thread in threads:
        thread.start()
    deadline = (events[-1].due if events else time.monotonic()) + 60
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))
    return sum(late)


def _wait_for_replies(clock: ReplyClock, events: list[Event], until: float) -> None:
    pending = [e for e in events if e.sent is not None]
    while pending and time.monotonic() < until:
        time.sleep(0.05)
        for event in pending:
            event.replied = clock.reply_after(event.chat, event.sent)
        pending = [e for e in pending if e.replied is None]
    for event in events:
        if event.sent is not None:
            event.replied = clock.reply_after(event.chat, event.sent)


def _own_cpu_seconds(pid: int) -> float:
    with contextlib.suppress(OSError, IndexError, ValueError):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK
    return 0.0


def backend_cpu(database: str) -> dict[int, int]:
    """CPU ticks of each PostgreSQL backend connected to `database` now ("postgres: user
    database host(port) state"), by pid: the server is shared with other work, so the rest of
    it is left out."""
    ticks = {}
    marker = f" {database} ".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                command = f.read()
            if not command.startswith(b"postgres: ") or marker not in command:
                continue
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
    return ticks


class BackendWatch:
    """The CPU our database's backends use during a run. Connections are replaced during a run
    (CONN_MAX_AGE) and an ended backend's CPU is gone from /proc, so each backend is read every
    PERIOD seconds and its last reading kept."""

    PERIOD = 0.5

    def __init__(self, database: str) -> None:
        self.database = database
        self.start = backend_cpu(database)
        self.last = dict(self.start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="backends")
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(self.PERIOD):
            self.last.update(backend_cpu(self.database))

    def seconds(self) -> float:
        """CPU seconds used since the watch started (stops it)."""
        self._stop.set()
        self._thread.join(5)
        self.last.update(backend_cpu(self.database))
        used = sum(ticks - self.start.get(pid, 0) for pid, ticks in self.last.items())
        return used / TICK


def _cpu(target: Target) -> dict[str, float]:
    cpu = {}
    for name, pid in target.own_pids.items():
        cpu[name] = _own_cpu_seconds(pid)
    for name, pid in target.pids.items():
        cpu[name] = tree_cpu_seconds(pid) - sum(
            cpu[own] for own in target.own_pids if own.split()[0] == name.split()[0]
        )
    cpu["redis (whole server)"] = command_cpu_seconds(["redis-server"])
    usage = os.times()
    cpu["bench (fake + senders)"] = usage.user + usage.system
    cpu["machine"] = machine_jiffies()[0] / TICK
    return cpu


def _wait_idle(target: Target, clock: ReplyClock, previous: list[Event], timeout: float) -> str:
    """Waits until the queues are empty and the previous run's events all have replies, or
    nothing has moved for STALL seconds with the queues empty (a reply the peer lost never
    comes); returns "" or what was still pending."""
    deadline = time.monotonic() + timeout
    queued, missing, last_change, last_count = 0, [], time.monotonic(), -1
    while time.monotonic() < deadline:
        queued = 0
        if target.queues is not None:
            queued = sum(target.queues.llen(q) for q in ("intake", "send"))
        missing = [
            e for e in previous if e.sent is not None and clock.reply_after(e.chat, e.sent) is None
        ]
        if not queued and not missing:
            time.sleep(0.5)  # the last replies' follow-up messages
            return ""
        if len(missing) != last_count or queued:
            last_change, last_count = time.monotonic(), len(missing)
        elif time.monotonic() - last_change > STALL:
            break
        time.sleep(0.2)
    return f"{queued} tasks queued, {len(missing)} replies missing"


def _one_run(
    target: Target,
    clock: ReplyClock,
    shoppers: Shoppers,
    *,
    rate: float,
    seconds: float,
    args: argparse.Namespace,
    profile: Path | None = None,
) -> Run:
    count = max(1, int(rate * seconds))
    start = time.monotonic() + 0.3
    events = shoppers.schedule(count, rate=rate, start=start)
    result = Run(rate=rate, seconds=seconds, events=events, started=start)
    before = {**_cpu(target), "_messages": clock.calls}
    backends = BackendWatch(target.database) if target.database else None
    spy = _start_profile(target, profile, seconds) if profile else None
    result.late_sends = _send_all(target, shoppers, events, args.senders)
    result.sent_until = time.monotonic()
    _wait_for_replies(clock, events, result.sent_until + args.drain_seconds)
    after = {**_cpu(target), "_messages": clock.calls}
    if backends is not None:
        before["postgres (our backends)"] = 0.0
        after["postgres (our backends)"] = backends.seconds()
    if spy is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spy.wait(30)
    result.done_at = max([e.replied for e in events if e.replied] + [result.sent_until])
    result.cpu = {k: after[k] - before[k] for k in before}
    return result


def _start_profile(target: Target, path: Path, seconds: float) -> subprocess.Popen | None:
    spy = BIN / "py-spy"
    pid = target.own_pids.get("celery consumer")
    if not spy.exists() or pid is None:
        print(f"(no profile: {spy} missing; pip install py-spy)")
        return None
    return subprocess.Popen(  # noqa: S603
        [
            spy,
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--nonblocking",
            "--gil",
            "--rate",
            "250",
            "--format",
            "raw",
            "-o",
            str(path),
            "-d",
            str(max(1, int(seconds))),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _search(
    target: Target,
    clock: ReplyClock,
    shoppers: Shoppers,
    args: argparse.Namespace,
    *,
    start_rate: float,
    fixed_rate: float | None,
) -> tuple[Run | None, list[Run]]:
    """The highest steady rate: probes, then the confirming run. Returns (confirmed or None,
    every run)."""
    runs: list[Run] = []

    def probe(rate: float, seconds: float, profile: Path | None = None) -> Run:
        result = _one_run(
            target, clock, shoppers, rate=rate, seconds=seconds, args=args, profile=profile
        )
        runs.append(result)
        _print_run(target.name, result, args.p99_ms, args.seconds)
        pending = _wait_idle(target, clock, result.events, args.drain_seconds + 30)
        if pending:
            print(f"    (still busy after the run: {pending})")
        return result

    if fixed_rate:
        result = probe(fixed_rate, args.seconds, args.profile)
        return (result if result.steady(args.p99_ms, args.seconds) else None), runs
    good, bad = None, None
    rate = start_rate
    while rate <= args.max_rate:
        result = probe(rate, args.probe_seconds)
        if result.steady(args.p99_ms, args.seconds):
            good = rate
            rate = round(rate * STEP, 1)
        else:
            bad = rate
            break
    if good is None:
        good = start_rate / STEP**2  # even the first probe was too fast: try well below it
    elif bad is not None:
        # Halved (geometrically) until the steady and the failed rate are within RESOLUTION.
        while bad / good > RESOLUTION:
            middle = round(math.sqrt(good * bad), 1)
            if probe(middle, args.probe_seconds).steady(args.p99_ms, args.seconds):
                good = middle
            else:
                bad = middle
    for attempt in range(CONFIRM_ATTEMPTS):
        confirmed = probe(good, args.seconds, args.profile if attempt == 0 else None)
        if confirmed.steady(args.p99_ms, args.seconds):
            return confirmed, runs
        good = round(good * CONFIRM_STEP, 1)
    return None, runs


def _run(args: argparse.Namespace, workdir: Path) -> int:
    from channels_adapters.signatures import secret_digest

    background = background_load()
    started = time.perf_counter()
    secret = secrets.token_urlsafe(32)
    bots = tuple(
        (700000000 + n, f"{700000000 + n}:AAFakeSoukBenchBot{n:02d}") for n in range(args.bots)
    )
    peer_token = "699999999:AAFakeSoukBenchPeerBot"  # noqa: S105 (a fake)
    clock = ReplyClock()
    fake = TimedTelegram.create((*(token for _, token in bots), peer_token), clock)
    if args.api_latency:
        fake.delay_next(seconds=args.api_latency / 1000, times=None)
    port = free_port()
    pattern = parse_mix(args.mix)
    souk: Run | None = None
    peer: Run | None = None
    peer_runs: list[Run] = []
    with (
        fake,
        throwaway_database(postgres_server(args.postgres), "e2e") as database_url,
        spare_redis(args.redis) as redis_client,
        Services(workdir) as services,
    ):
        env = server_env(
            database_url,
            args.redis,
            TELEGRAM_API_URL=fake.url,
            MEDIA_ROOT=str(workdir),
            SOUK_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        manage(env, "migrate", "--noinput", "-v", "0")
        channels = seed_in_subprocess(env, SEED.format(bots=bots, digest=secret_digest(secret)))[
            "channels"
        ]
        web = start_web(
            services,
            env,
            app="config.wsgi:application",
            port=port,
            workers=args.workers,
            extra_args=shlex.split(args.web_args),
        )
        worker = services.start(
            "celery",
            [
                BIN / "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "intake,send,default",
                *(
                    ["--concurrency", str(args.worker_concurrency)]
                    if args.worker_concurrency
                    else []
                ),
                "--pool",
                args.pool,
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *shlex.split(args.celery_args),
            ],
            env,
        )
        wait_for_http(services, "web", f"http://127.0.0.1:{port}/healthz")
        target = Target(
            name="souk",
            port=port,
            paths=[f"/webhooks/telegram/{channel}/" for channel in channels],
            secret=secret,
            pids={"web": web.pid, "celery pool": worker.pid},
            own_pids={"celery consumer": worker.pid},
            queues=redis_client,
            database=database_url.rsplit("/", 1)[-1],
        )
        pending = PendingChats(database_url)
        shoppers = Shoppers(
            clock=clock, bots=args.bots, pattern=pattern, first_chat=7_100_000, pending=pending
        )
        with pending:
            _warm_up(target, clock, shoppers, args, services)
            ready_in = time.perf_counter() - started
            _print_header(args, background, ready_in)
            souk, souk_runs = _search(
                target, clock, shoppers, args, start_rate=args.start_rate, fixed_rate=args.rate
            )
        state = _database_state(database_url)
        worker_errors = [
            line
            for line in services.log_tail("celery", 400).splitlines()
            if "Traceback" in line or "ERROR" in line or "CRITICAL" in line
        ]
        services.stop("web")
        services.stop("celery", timeout=20)

        if not args.no_peer:
            peer_port = free_port()
            process = services.start(
                "ptb_peer",
                [
                    sys.executable,
                    "-m",
                    "bench.ptb_peer",
                    "--port",
                    str(peer_port),
                    "--url-path",
                    PEER_PATH,
                    "--secret",
                    secret,
                    "--reply",
                    "--api-url",
                    fake.url,
                    "--token",
                    peer_token,
                ],
                {**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            peer_target = Target(
                name="peer",
                port=peer_port,
                paths=[f"/{PEER_PATH}"],
                secret=secret,
                pids={"ptb peer": process.pid},
            )
            wait_for_http(
                services,
                "ptb_peer",
                f"http://127.0.0.1:{peer_port}/{PEER_PATH}",
                data=message_update(1, 1, "probe"),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": secret,
                },
            )
            peer_shoppers = Shoppers(clock=clock, bots=1, pattern=pattern, first_chat=9_100_000)
            _warm_up(peer_target, clock, peer_shoppers, args, services)
            peer_start = max(args.start_rate, (souk.rate if souk else args.start_rate) * STEP)
            peer_args = argparse.Namespace(**{**vars(args), "profile": None})
            peer, peer_runs = _search(
                peer_target,
                clock,
                peer_shoppers,
                peer_args,
                start_rate=peer_start,
                fixed_rate=args.peer_rate,
            )
            services.stop("ptb_peer")

    _report(
        args,
        Outcome(souk, souk_runs),
        Outcome(peer, peer_runs) if not args.no_peer else None,
        state=state,
        worker_errors=worker_errors,
    )
    return 0 if souk is not None else 1


def _warm_up(target, clock, shoppers, args, services) -> None:
    """Imports, connections and caches in every process, and chats to come back to."""
    if not args.warmup:
        return
    events = shoppers.schedule(args.warmup, rate=20, start=time.monotonic())
    _send_all(target, shoppers, events, min(args.senders, 8))
    _wait_for_replies(clock, events, time.monotonic() + 90)
    missing = [e for e in events if e.replied is None]
    if missing:
        name = "celery" if target.name == "souk" else "ptb_peer"
        raise RuntimeError(
            f"warm-up of {target.name}: {len(missing)} of {len(events)} events got no reply in "
            f"90 s (first: {missing[0].status} {missing[0].error})\n--- log:\n"
            f"{services.log_tail(name)}"
        )
    _wait_idle(target, clock, events, 30)


def _database_state(database_url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        events = conn.execute(
            "SELECT count(*), count(processed_at) FROM channels_adapters_inboundevent"
        ).fetchone()
        outbound = dict(
            conn.execute(
                "SELECT status, count(*) FROM channels_adapters_outboundmessage GROUP BY status"
            ).fetchall()
        )
        # Why an event is still unprocessed, if one is: its attempts and last error.
        stuck = conn.execute(
            "SELECT attempts, left(last_error, 160), count(*) FROM channels_adapters_inboundevent"
            " WHERE processed_at IS NULL GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 5"
        ).fetchall()
    for attempts, error, count in stuck:
        print(f"unprocessed: {count} event(s), {attempts} attempt(s), last error {error!r}")
    return {
        "events": events[0],
        "processed": events[1],
        **{f"outbound {k}": v for k, v in outbound.items()},
    }


def _by_kind(result: Run) -> dict[str, list[float]]:
    kinds: dict[str, list[float]] = {}
    for event in result.replied:
        kinds.setdefault(event.kind.split("→")[-1], []).append(event.replied - event.due)
    return kinds


def _ms(values: list[float], p: float) -> float:
    return bench.Timing(samples=values).percentile_ms(p)


def _print_header(args, background: float, ready_in: float) -> None:
    import django

    cpus = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(
        f"machine   {cpus} CPUs shared by senders, fake Telegram, web server, Celery, PostgreSQL, "
        f"Redis (and the peer,\n          after Souk); other work kept {background:.2f} CPU "
        f"busy just before; load average {load:.2f}"
    )
    print(
        f"software  Python {sys.version.split()[0]}, Django {django.get_version()}, granian "
        f"({args.workers} workers{', ' + args.web_args if args.web_args else ''}"
        f"), Celery worker ({args.pool}, concurrency {args.worker_concurrency or '6 per CPU'}"
        f"{', ' + args.celery_args if args.celery_args else ''}),\n          "
        "python-telegram-bot to a fake Bot API in this process"
        + (f", answering after {args.api_latency:g} ms" if args.api_latency else "")
    )
    print(
        f"method    mix {args.mix} over {args.bots} bots, open loop, {args.senders} senders; "
        f"steady: every event answered,\n          reply p99 < {args.p99_ms:g} ms and no queue "
        f"growing past it within {args.seconds:g} s; probes "
        f"of {args.probe_seconds:g} s from {args.start_rate:g}/s (x{STEP}, narrowed to "
        f"{round((RESOLUTION - 1) * 100)} %), confirmed over {args.seconds:g} s;\n"
        f"          servers ready in {ready_in:.1f} s\n"
    )
    print(
        f"{'':6}{'rate/s':>8} {'events':>7} {'acked':>7} {'replied':>8} {'ack p99':>8} "
        f"{'reply p50':>10} {'reply p99':>10}  result"
    )


def _print_run(name: str, result: Run, p99_ms: float, horizon_seconds: float) -> None:
    events = len(result.events)
    if result.steady(p99_ms, horizon_seconds):
        verdict = "steady"
    elif result.falling_behind(p99_ms, horizon_seconds):
        verdict = f"falling behind, +{result.backlog_growth_ms():.0f} ms first to last quarter"
    else:
        verdict = "too fast"
    late = f", {result.late_sends} sent late" if result.late_sends > events // 100 else ""
    print(
        f"{name:6}{result.rate:8.1f} {events:7} {len(result.acked):7} {len(result.replied):8} "
        f"{_ms(result.ack_latencies(), 99):8.1f} {_ms(result.latencies(), 50):10.1f} "
        f"{_ms(result.latencies(), 99):10.1f}  {verdict} ({result.seconds:g} s{late})",
        flush=True,
    )


def _cpu_table(souk: Run | None, peer: Run | None) -> None:
    rows = []
    for label, result in (("souk", souk), ("peer", peer)):
        if result is None:
            continue
        count = len(result.events)
        window = max(1e-9, result.done_at - result.started)
        for name, seconds in result.cpu.items():
            if name in ("machine", "_messages") or (label == "peer" and name.startswith("redis")):
                continue
            rows.append([label, name, f"{1e3 * seconds / count:.2f}", f"{seconds / window:.2f}"])
        rows.append(
            [
                label,
                "whole machine (other work too)",
                f"{1e3 * result.cpu['machine'] / count:.2f}",
                f"{result.cpu['machine'] / window:.2f}",
            ]
        )
    bench.print_table(["run", "process", "ms CPU / event", "CPUs busy"], rows)


@dataclass
class Outcome:
    """A system's search: the confirmed run (None if no rate held over --seconds) and all."""

    confirmed: Run | None
    runs: list[Run]

    def probed(self, p99_ms: float, horizon_seconds: float) -> float:
        """The highest rate that was steady in any run, probes included."""
        return max((r.rate for r in self.runs if r.steady(p99_ms, horizon_seconds)), default=0.0)

    @property
    def measured(self) -> Run | None:
        """The run whose CPU is reported: the confirmed one, else the last long one."""
        if self.confirmed is not None:
            return self.confirmed
        longest = max((r.seconds for r in self.runs), default=0)
        return next((r for r in reversed(self.runs) if r.seconds == longest), None)

    def rate(self, p99_ms: float, horizon_seconds: float) -> tuple[float, str]:
        if self.confirmed is not None:
            return self.confirmed.rate, f"confirmed over {self.confirmed.seconds:g} s"
        probed = self.probed(p99_ms, horizon_seconds)
        if not probed:
            return 0.0, "no run was steady"
        return probed, "in a probe only: not confirmed"


def _report(args, souk_outcome: Outcome, peer_outcome: Outcome | None, *, state, worker_errors):
    souk = souk_outcome.measured
    peer = peer_outcome.measured if peer_outcome else None
    print()
    if souk is not None:
        kinds: dict[str, int] = {}
        for event in souk.events:
            kinds[event.kind] = kinds.get(event.kind, 0) + 1
        verdict = "confirmed" if souk_outcome.confirmed else "not steady"
        print(
            f"souk {verdict} at {souk.rate:g}/s over {souk.seconds:g} s: "
            + ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        )
        print(
            f"  webhook ack p50 / p99 {_ms(souk.ack_latencies(), 50):.1f} / "
            f"{_ms(souk.ack_latencies(), 99):.1f} ms; reply p50 / p99 "
            f"{_ms(souk.latencies(), 50):.1f} / {_ms(souk.latencies(), 99):.1f} ms; by kind: "
            + "; ".join(
                f"{kind} {_ms(values, 50):.0f} / {_ms(values, 99):.0f} ms"
                for kind, values in _by_kind(souk).items()
            )
        )
        per_bot = souk.cpu.get("_messages", 0) / max(1e-9, souk.seconds) / args.bots
        print(
            f"  bot messages: {per_bot:.1f}/s per bot ({args.bots} bots; Telegram allows about "
            f"30 a second per bot){' — over it: add --bots' if per_bot > 30 else ''}"
        )
    print(
        f"database: {state.get('events', 0)} events stored (warm-up and probes included), "
        f"{state.get('processed', 0)} processed; outbound "
        + ", ".join(f"{k.split()[1]} {v}" for k, v in state.items() if k.startswith("outbound"))
    )
    print(
        "\nCPU per event, per process, over the confirmed runs (else the last long one), from "
        "the first event to the last reply:"
    )
    _cpu_table(souk, peer)
    if worker_errors:
        print("worker log errors:\n  " + "\n  ".join(worker_errors[:10]))
    print("\ngoals (issue 12):")
    souk_rate, souk_how = souk_outcome.rate(args.p99_ms, args.seconds)
    print(
        f"  {'PASS' if souk_rate >= RATE_GOAL else 'FAIL'}  highest steady rate "
        f"{souk_rate:g} events/s ({souk_how}; reply p99 < {args.p99_ms:g} ms), goal "
        f"{RATE_GOAL:g}"
    )
    if peer_outcome is None:
        print("  ----  python-telegram-bot peer: skipped (--no-peer)")
    else:
        peer_rate, peer_how = peer_outcome.rate(args.p99_ms, args.seconds)
        if not (souk_outcome.confirmed and peer_outcome.confirmed):
            # Like for like: a rate held for a probe's seconds against another's.
            souk_rate = souk_outcome.probed(args.p99_ms, args.seconds)
            peer_rate = peer_outcome.probed(args.p99_ms, args.seconds)
            peer_how = f"both in probes, Souk's {souk_rate:g}: one was not confirmed"
        ratio = souk_rate / peer_rate if peer_rate else 0.0
        print(
            f"  {'PASS' if ratio >= PEER_RATIO_GOAL else 'FAIL'}  {ratio:.2f} x "
            f"python-telegram-bot's steady rate ({peer_rate:g} events/s, {peer_how}; same "
            f"run), goal {PEER_RATIO_GOAL:g}"
        )
    if args.profile and args.profile.exists():
        from bench.flame import print_entries, top_entries, top_own

        print(f"\nCelery worker profile ({args.profile}), top entries:")
        total, entries = top_entries(args.profile, top=40)
        print_entries(total, [e for e in entries if e.inclusive < 0.6][:25])
        print("\nwhere the samples were taken (own):")
        print_entries(*top_own(args.profile, top=15))
