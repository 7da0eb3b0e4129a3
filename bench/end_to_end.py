"""Benchmark: end to end, from a Telegram webhook in to the bot's reply received by Telegram.

Real servers on 127.0.0.1, as in production but on one 2-CPU machine:

  - a throwaway PostgreSQL database (`souk_bench_e2e_<pid>`, migrated, dropped at the end) and a
    spare Redis database (`--redis`, flushed before and after) as cache and Celery broker;
  - gunicorn with the production config (`config.wsgi`, sync workers) and a real Celery worker
    (`celery -A config worker -Q intake,send,default`), both started here, stopped at the end;
  - a fake Telegram Bot API (tests/fakes FakeTelegram, in this process) as TELEGRAM_API_URL,
    which notes when the first sendMessage for each chat arrives;
  - `--bots` shops, each with a few products and its own Telegram bot (Telegram lets one bot
    send about 30 messages a second, all chats together: one bot cannot answer 100 a second).

Then "hello" Updates from as many distinct chats (first contact: a new customer and
conversation each) are posted to /webhooks/telegram/<channel>/ with the secret header at a
steady `--rate` for `--seconds`, on a fixed schedule (open loop: a slow answer delays no other
request). For each one: acknowledged (webhook 200) after how long, and how long from when it
was due to be sent until the fake received the bot's greeting for that chat. Events whose
reply has not arrived `--drain-seconds` after the last one was sent count as missing.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import shlex
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
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
    start_gunicorn,
    telegram_body,
    throwaway_database,
    tree_cpu_seconds,
    wait_for_http,
)

DESCRIPTION = "Telegram webhook in -> bot reply received by a fake Telegram, at a steady rate"

DEFAULT_REDIS = "redis://127.0.0.1:6379/10"
TICK = os.sysconf("SC_CLK_TCK")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rate", type=float, default=100.0, help="events per second (100)")
    parser.add_argument("--seconds", type=float, default=20.0, help="how long events are sent (20)")
    parser.add_argument(
        "--bots",
        type=_positive,
        default=4,
        help="shops, each with its own bot; events go round-robin (4: 25 a second each)",
    )
    parser.add_argument(
        "--drain-seconds",
        type=float,
        default=30.0,
        help="how long replies are awaited after the last event was sent (30)",
    )
    parser.add_argument(
        "--warmup", type=int, default=20, help="events sent and answered first, unmeasured (20)"
    )
    parser.add_argument(
        "--workers", type=_positive, default=2, help="gunicorn workers, WEB_CONCURRENCY (2)"
    )
    parser.add_argument(
        "--worker-concurrency", type=_positive, default=2, help="Celery worker processes (2)"
    )
    parser.add_argument(
        "--pool", default="prefork", help="Celery pool: prefork, threads, solo (prefork)"
    )
    parser.add_argument(
        "--senders", type=_positive, default=16, help="threads posting the webhooks (16)"
    )
    parser.add_argument(
        "--gunicorn-args", default="", help="extra gunicorn options, for experiments"
    )
    parser.add_argument("--celery-args", default="", help="extra worker options, for experiments")
    add_service_arguments(parser, redis_default=DEFAULT_REDIS)


def _timed_telegram(tokens: tuple[str, ...]):
    from tests.fakes.telegram import FakeTelegram

    class TimedTelegram(FakeTelegram):
        """FakeTelegram noting when the first message for each chat arrived (monotonic)."""

        keep_alive = True  # as api.telegram.org: a worker's connection serves many replies

        def __init__(self) -> None:
            super().__init__(tokens)
            self.first_reply: dict[int, float] = {}
            self.sends = 0

        def handle(self, request):
            response = super().handle(request)  # runs under the fake's lock
            if request.route == "sendMessage" and response.status == 200:
                self.sends += 1
                chat = str(request.params.get("chat_id", ""))
                if chat.lstrip("-").isdigit():
                    self.first_reply.setdefault(int(chat), request.received_at)
            return response

        def reply_time(self, chat: int) -> float | None:
            with self._lock:
                return self.first_reply.get(chat)

        def replied(self) -> int:
            with self._lock:
                return len(self.first_reply)

    return TimedTelegram()


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
                       "price": 8990, "stock": 5}} for s in ("S", "M", "L")],
        )
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id=str(bot_id), name=f"@bench_{{n}}_bot",
        credentials={{"token": token}}, webhook_secret_digest={digest!r},
    )
    channels.append(account.pk)
print(json.dumps({{"channels": channels}}))
"""


@dataclass
class Event:
    index: int
    chat: int
    channel: int
    body: bytes
    due: float = 0.0  # time.monotonic() when it was scheduled to leave
    acked: float | None = None
    status: int | None = None
    error: str = ""
    replied: float | None = None


def run(args: argparse.Namespace) -> int:
    missing = missing_prerequisites()
    if missing:
        print("skipped: missing " + "; ".join(missing))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-e2e-"))
    try:
        return _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _post(port: int, event: Event, secret: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(
            "POST",
            f"/webhooks/telegram/{event.channel}/",
            body=event.body,
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": secret,
            },
        )
        response = connection.getresponse()
        response.read()
        event.status = response.status
    except OSError as exc:
        event.error = repr(exc)
    finally:
        event.acked = time.monotonic()
        connection.close()


def _send_all(port: int, events: list[Event], secret: str, senders: int) -> None:
    """Posts each event at its due time, from `senders` threads (event i on thread i % senders);
    a thread whose previous request is still running sends late, and the lateness counts."""

    def sender(offset: int) -> None:
        for event in events[offset::senders]:
            wait = event.due - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            _post(port, event, secret)

    threads = [
        threading.Thread(target=sender, args=(k,), daemon=True, name=f"sender-{k}")
        for k in range(min(senders, len(events)))
    ]
    for thread in threads:
        thread.start()
    deadline = (events[-1].due if events else time.monotonic()) + 60
    for thread in threads:
        thread.join(max(0.1, deadline - time.monotonic()))


def _wait_for_replies(fake, events: list[Event], until: float) -> None:
    pending = list(events)
    while pending and time.monotonic() < until:
        time.sleep(0.05)
        pending = [e for e in pending if fake.reply_time(e.chat) is None]
    for event in events:
        event.replied = fake.reply_time(event.chat)


def _cpu(pids: dict[str, int]) -> dict[str, float]:
    cpu = {name: tree_cpu_seconds(pid) for name, pid in pids.items()}
    cpu["postgres"] = command_cpu_seconds(["postgres"])
    cpu["redis"] = command_cpu_seconds(["redis-server"])
    usage = os.times()
    cpu["bench (fake + senders)"] = usage.user + usage.system
    cpu["machine"] = machine_jiffies()[0] / TICK
    return cpu


def _run(args: argparse.Namespace, workdir: Path) -> int:
    from channels_adapters.signatures import secret_digest

    background = background_load()
    started = time.perf_counter()
    secret = secrets.token_urlsafe(32)
    bots = tuple(
        (700000000 + n, f"{700000000 + n}:AAFakeSoukBenchBot{n:02d}") for n in range(args.bots)
    )
    fake = _timed_telegram(tuple(token for _, token in bots))
    port = free_port()
    total = int(args.rate * args.seconds)
    with (
        fake,
        throwaway_database(postgres_server(args.postgres), "e2e") as database_url,
        spare_redis(args.redis),
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
        gunicorn = start_gunicorn(
            services,
            env,
            app="config.wsgi:application",
            port=port,
            workers=args.workers,
            extra_args=shlex.split(args.gunicorn_args),
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
                "--concurrency",
                str(args.worker_concurrency),
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
        wait_for_http(services, "gunicorn", f"http://127.0.0.1:{port}/healthz")

        def make_events(first: int, count: int) -> list[Event]:
            made = []
            for n in range(first, first + count):
                chat = 7100000 + n
                made.append(
                    Event(
                        index=n,
                        chat=chat,
                        channel=channels[n % len(channels)],
                        body=telegram_body(100000 + n, chat, text="hello"),
                    )
                )
            return made

        # Warm-up: imports, connections and caches in every process; proves the worker runs.
        warm = make_events(0, args.warmup)
        now = time.monotonic()
        for k, event in enumerate(warm):
            event.due = now + k * 0.05
        _send_all(port, warm, secret, args.senders)
        _wait_for_replies(fake, warm, time.monotonic() + 90)
        services.check_alive("celery")
        if warm and any(e.replied is None for e in warm):
            print(_database_state(database_url))
            raise RuntimeError(
                f"warm-up: {sum(e.replied is None for e in warm)} of {len(warm)} events got no "
                f"reply in 90 s\n--- celery log:\n{services.log_tail('celery')}"
            )
        ready_in = time.perf_counter() - started

        events = make_events(args.warmup, total)
        pids = {"gunicorn": gunicorn.pid, "celery": worker.pid}
        cpu_before = _cpu(pids)
        load_avg_before = os.getloadavg()
        t0 = time.monotonic() + 0.2
        for k, event in enumerate(events):
            event.due = t0 + k / args.rate
        _send_all(port, events, secret, args.senders)
        sent_until = time.monotonic()
        _wait_for_replies(fake, events, sent_until + args.drain_seconds)
        done_at = max([e.replied for e in events if e.replied] + [sent_until])
        cpu_after = _cpu(pids)
        load_avg_after = os.getloadavg()
        state = _database_state(database_url)
        worker_errors = [
            line
            for line in services.log_tail("celery", 400).splitlines()
            if "Traceback" in line or "ERROR" in line or "CRITICAL" in line
        ]
        services.stop("gunicorn")
        services.stop("celery", timeout=20)

    _report(
        args,
        events,
        fake_sends=fake.sends,
        background=background,
        load_avg=(load_avg_before, load_avg_after),
        cpu={k: cpu_after[k] - cpu_before[k] for k in cpu_before},
        window=done_at - t0,
        send_window=sent_until - t0,
        ready_in=ready_in,
        state=state,
        worker_errors=worker_errors,
    )
    ok = all(e.status == 200 and e.replied is not None for e in events)
    return 0 if ok else 1


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


def _ms(values: list[float], p: float) -> float:
    return bench.Timing(samples=values).percentile_ms(p)


def _report(
    args,
    events: list[Event],
    *,
    fake_sends: int,
    background: float,
    load_avg,
    cpu: dict[str, float],
    window: float,
    send_window: float,
    ready_in: float,
    state: dict[str, int],
    worker_errors: list[str],
) -> None:
    import django

    cpus = os.cpu_count() or 1
    acked = [e for e in events if e.status == 200]
    replied = [e for e in events if e.replied is not None]
    ack_latency = [e.acked - e.due for e in acked if e.acked is not None]
    e2e = [e.replied - e.due for e in replied]
    extra_gunicorn = f" + {args.gunicorn_args}" if args.gunicorn_args else ""
    print(
        f"machine   {cpus} CPUs shared by senders, fake Telegram, gunicorn, Celery, PostgreSQL "
        f"and Redis; other work kept\n          {background:.2f} CPU busy just before; load "
        f"average {load_avg[0][0]:.2f} before, {load_avg[1][0]:.2f} after"
    )
    print(
        f"software  Python {sys.version.split()[0]}, Django {django.get_version()}, gunicorn "
        f"({args.workers} sync workers, config/gunicorn.conf.py{extra_gunicorn}), "
        f"Celery worker\n          ({args.pool}, concurrency {args.worker_concurrency}"
        f"{', ' + args.celery_args if args.celery_args else ''}), python-telegram-bot to a "
        "fake Bot API in this process"
    )
    print(
        f"method    {len(events)} 'hello' Updates from as many new chats, {args.rate:g}/s for "
        f"{args.seconds:g} s, round-robin over {args.bots} bots\n          "
        f"({args.rate / args.bots:g}/s each), {args.senders} sender threads, open loop; "
        f"latencies from when each was due; {args.warmup} warm-up\n          events first; "
        f"servers ready in {ready_in:.1f} s; sending took {send_window:.1f} s, the last reply "
        f"came {window - send_window:.1f} s after\n"
    )
    rows = [
        [
            "webhook acknowledged (200)",
            f"{len(acked)}/{len(events)}",
            _ms(ack_latency, 50),
            _ms(ack_latency, 99),
            max(ack_latency, default=0) * 1000,
        ],
        [
            "reply received by Telegram",
            f"{len(replied)}/{len(events)}",
            _ms(e2e, 50),
            _ms(e2e, 99),
            max(e2e, default=0) * 1000,
        ],
    ]
    bench.print_table(["from due time to", "events", "p50 ms", "p99 ms", "max ms"], rows)
    if e2e:
        thirds = [e2e[: len(e2e) // 3], e2e[len(e2e) // 3 : 2 * len(e2e) // 3]]
        thirds.append(e2e[2 * len(e2e) // 3 :])
        medians = [_ms(t, 50) for t in thirds]
        growing = medians[2] > 2 * medians[0] + 100
        print(
            "reply p50 by third of the run: "
            + ", ".join(f"{m:,.0f} ms" for m in medians)
            + (
                " (growing: the pipeline does not keep up with this rate)"
                if growing
                else " (steady: the pipeline keeps up with this rate)"
            )
        )
    errors = [e for e in events if e.status != 200]
    if errors:
        sample = errors[0].error or f"status {errors[0].status}"
        print(f"note: {len(errors)} webhooks not acknowledged (first: {sample})")
    print(
        f"\ndatabase: {state.get('events', 0)} events stored (warm-up included), "
        f"{state.get('processed', 0)} processed; outbound "
        + ", ".join(f"{k.split()[1]} {v}" for k, v in state.items() if k.startswith("outbound"))
        + f"; the fake got {fake_sends} sendMessage calls"
    )
    total_cpu = cpu.get("machine", 0)
    if window > 0 and events:
        parts = ", ".join(
            f"{name} {1e3 * seconds / len(events):.1f}"
            for name, seconds in cpu.items()
            if name != "machine"
        )
        print(
            f"CPU per event (ms), from the first event to the last reply: {parts}; whole "
            f"machine {1e3 * total_cpu / len(events):.1f}\n({total_cpu / window:.2f} of "
            f"{cpus} CPUs busy on average over {window:.1f} s)"
        )
    if worker_errors:
        print("worker log errors:\n  " + "\n  ".join(worker_errors[:10]))
