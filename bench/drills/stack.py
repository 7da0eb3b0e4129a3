"""The production stack on private services, for drills that kill, hang and restart them.

A drill must never touch the shared PostgreSQL (5432) or Redis (6379): other people's tests run
there. So each stack starts its own:

  - a PostgreSQL cluster (`initdb -A trust` in a temporary directory owned by `postgres`, run
    as that user, on a free port of 127.0.0.1), which a drill may `pg_ctl restart`;
  - a redis-server (no persistence: a killed broker loses what it held, the worst case) on a
    free port, which a drill may SIGKILL, SIGSTOP/SIGCONT and start again on the same port;
  - fake Telegram and Stripe servers in this process;
  - the web server (`python -m config.web`: granian on `config.wsgi`), a Celery worker
    (`-Q intake,send,checkout,default`) and Celery beat, with the production settings.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.intake import (
    BIN,
    Services,
    free_port,
    manage,
    seed_in_subprocess,
    server_env,
    start_web,
    wait_for_http,
)

WORKER_QUEUES = "intake,send,checkout,default"
TELEGRAM_SECRET = "drill-webhook-secret-0123456789abcdef"  # noqa: S105 (a fake's)


class MissingBinary(RuntimeError):
    """A program the drills need is not installed (CI installs them: a failure there)."""


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if not found:
        raise MissingBinary("PostgreSQL server binaries (apt-get install -y postgresql)")
    return Path(found[0]).parent


def missing_binaries() -> list[str]:
    missing = []
    if shutil.which("redis-server") is None:
        missing.append("redis-server (apt-get install -y redis-server)")
    try:
        postgres_bin()
    except MissingBinary as exc:
        missing.append(str(exc))
    for tool in ("granian", "celery"):
        if not (BIN / tool).exists():
            missing.append(f"{BIN / tool} (pip install -e '.[dev]')")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing.append("a 'postgres' user to run the private cluster as")
    return missing


def _as_postgres(argv: Sequence[str]) -> list[str]:
    """initdb refuses to run as root: run the cluster as the `postgres` user then."""
    argv = [str(a) for a in argv]
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class PrivatePostgres:
    def __init__(self, workdir: Path) -> None:
        self.bin = postgres_bin()
        self.dir = workdir / "pg"
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/souk"

    def _ctl(self, *args: str, timeout: float = 60) -> None:
        subprocess.run(  # noqa: S603
            _as_postgres([self.bin / "pg_ctl", "-D", self.data, "-w", "-t", "60", *args]),
            check=True,
            capture_output=True,
            timeout=timeout,
        )

    def start(self) -> None:
        self.dir.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            # the temporary parent is root's 0700 directory: let postgres through it
            os.chmod(self.dir.parent, 0o755)  # noqa: S103
        subprocess.run(  # noqa: S603
            _as_postgres(
                [
                    self.bin / "initdb",
                    "-D",
                    self.data,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._start_server()
        subprocess.run(  # noqa: S603
            _as_postgres([self.bin / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "souk"]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def _start_server(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir}"
            # a drill's data is thrown away: durability costs time and proves nothing here
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=100"
        )
        self._ctl("-o", options, "-l", str(self.dir / "postgres.log"), "start")

    def restart(self, down_seconds: float = 0.0) -> None:
        """`pg_ctl restart -m fast` (every connection cut), or stopped `-m fast` and started
        again after `down_seconds`."""
        if not down_seconds:
            # The log file again: otherwise the new server writes to pg_ctl's captured pipe,
            # which never closes, and the call times out.
            self._ctl("-m", "fast", "-l", str(self.dir / "postgres.log"), "restart")
            return
        self._ctl("-m", "fast", "stop")
        time.sleep(down_seconds)
        self._start_server()

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self._ctl("-m", "immediate", "stop", timeout=30)

    def pids(self) -> list[int]:
        try:
            master = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return []
        return [master, *_descendants(master)]


class PrivateRedis:
    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.dir / "redis.log", "ab")  # noqa: SIM115 (the process keeps it)
        self.proc = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + 10
        while not _port_open(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"redis-server did not start on {self.port}")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def pause(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)


def _descendants(pid: int) -> list[int]:
    found = []
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        found += [child, *_descendants(child)]
    return found


def rss_mib(pids: Sequence[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


SEED = """
import json
from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from shops.services import shop_create
channels = []
for n, (bot_id, token) in enumerate({bots!r}):
    shop = shop_create(
        name=f"Drill Boutique {{n}}", owner_email=f"drill-{{n}}@example.com", language="fr"
    )
    category = category_create(shop=shop, name="Robes")
    for p, colour in enumerate(["rouge", "bleue", "verte", "noire"]):
        product_create(
            shop=shop, title=f"Robe {{colour}}", category=category,
            variants=[{{"sku": f"R-{{p}}-{{s}}", "name": s, "options": {{"size": s}},
                       "price": 8990, "stock": 100000}} for s in ("S", "M", "L")],
        )
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id=str(bot_id), name=f"@drill_{{n}}_bot",
        credentials={{"token": token}}, webhook_secret_digest={digest!r},
    )
    channels.append(account.pk)
print(json.dumps({{"channels": channels}}))
"""


@dataclass
class Stack:
    """Everything a drill runs against; `start()` brings it up, `close()` takes it all down."""

    bots: int = 4
    web_workers: int = 2
    worker_concurrency: int = 2
    beat: bool = True
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="souk-drill-")))
    port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    channels: list[int] = field(default_factory=list)
    bot_ids: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        from tests.fakes.stripe import FakeStripe
        from tests.fakes.telegram import FakeTelegram

        self.bot_ids = [800000000 + n for n in range(self.bots)]
        self.tokens = tuple(f"{b}:AAFakeSoukDrillBot{n:02d}" for n, b in enumerate(self.bot_ids))
        self.telegram = FakeTelegram(self.tokens)
        self.telegram.keep_alive = True
        self.stripe = FakeStripe()
        self.postgres = PrivatePostgres(self.workdir)
        self.redis = PrivateRedis(self.workdir)
        self.services = Services(self.workdir)
        self.timings: dict[str, float] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> Stack:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self) -> None:
        from channels_adapters.signatures import secret_digest

        missing = missing_binaries()
        if missing:
            raise MissingBinary("missing: " + "; ".join(missing))
        started = time.monotonic()
        self.telegram.start()
        self.stripe.start()
        self.postgres.start()
        self.redis.start()
        self.env = server_env(
            self.postgres.url,
            self.redis.url,
            TELEGRAM_API_URL=self.telegram.url,
            STRIPE_API_BASE=self.stripe.url,
            STRIPE_SECRET_KEY=self.stripe.secret_key,
            STRIPE_WEBHOOK_SECRET=self.stripe.webhook_secret,
            MEDIA_ROOT=str(self.workdir / "media"),
            SOUK_PUBLIC_URL=f"http://127.0.0.1:{self.port}",
        )
        self.timings["services"] = time.monotonic() - started
        manage(self.env, "migrate", "--noinput", "-v", "0", timeout=300)
        self.timings["migrated"] = time.monotonic() - started
        bots = list(zip(self.bot_ids, self.tokens, strict=True))
        seeded = seed_in_subprocess(
            self.env, SEED.format(bots=bots, digest=secret_digest(TELEGRAM_SECRET))
        )
        self.channels = seeded["channels"]
        start_web(
            self.services,
            self.env,
            app="config.wsgi:application",
            port=self.port,
            workers=self.web_workers,
        )
        self.start_worker()
        if self.beat:
            self.services.start(
                "beat",
                [
                    BIN / "celery",
                    "-A",
                    "config",
                    "beat",
                    "--loglevel",
                    "WARNING",
                    "-s",
                    self.workdir / "beat-schedule",
                ],
                self.env,
            )
        wait_for_http(self.services, "web", f"http://127.0.0.1:{self.port}/healthz")
        self.timings["ready"] = time.monotonic() - started

    def start_worker(self, name: str = "celery") -> subprocess.Popen:
        return self.services.start(
            name,
            [
                BIN / "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                WORKER_QUEUES,
                "--concurrency",
                str(self.worker_concurrency),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{name}@%h",
            ],
            self.env,
        )

    def close(self) -> None:
        self.services.close()
        self.redis.stop()
        self.postgres.stop()
        self.telegram.stop()
        self.stripe.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- what drills look at -----------------------------------------------------------------
    def processes(self) -> dict[str, list[int]]:
        """Process ids by role, for memory figures."""
        found: dict[str, list[int]] = {}
        for name, proc in self.services.procs.items():
            if proc.poll() is None:
                found[name] = [proc.pid, *_descendants(proc.pid)]
        found["postgres"] = self.postgres.pids()
        if self.redis.proc is not None:
            found["redis"] = [self.redis.proc.pid]
        return found

    def sql(self, query: str, params: Sequence = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.postgres.url, connect_timeout=10) as conn:
            return conn.execute(query, params).fetchall()

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5):
                return True
        except (urllib.error.URLError, OSError):
            return False

    def log_errors(self, name: str = "celery", limit: int = 10) -> list[str]:
        lines = self.services.log_tail(name, 2000).splitlines()
        return [x for x in lines if "Traceback" in x or "ERROR" in x or "CRITICAL" in x][:limit]

    def seed(self, code: str) -> dict:
        return seed_in_subprocess(self.env, code)

    def describe(self) -> str:
        return (
            f"stack: web server ({self.web_workers} workers, python -m config.web), Celery "
            f"worker (prefork {self.worker_concurrency}, -Q {WORKER_QUEUES}), beat, private "
            f"PostgreSQL :{self.postgres.port} and Redis :{self.redis.port}, fake Telegram "
            f"({self.bots} bots) and Stripe; ready in {self.timings.get('ready', 0):.1f} s"
        )


def dump(obj) -> str:
    return json.dumps(obj, sort_keys=True)
