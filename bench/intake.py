"""Benchmark: webhook intake by the web server on PostgreSQL + Redis, against a bare Django view
on the same server and against python-telegram-bot's own webhook server.

Unlike `product_list` (in process), this one measures real servers over HTTP on 127.0.0.1:

  1. a throwaway PostgreSQL database `souk_bench_intake_<pid>` (created, migrated with
     `manage.py migrate`, dropped at the end) and a spare Redis database (`--redis`, flushed
     before and after), seeded with one shop, a Messenger channel (page id) and a Telegram one;
  2. the web server exactly as production starts it (`python -m config.web`: granian, a pool
     of threads per worker, gc.freeze) on `bench.wsgi_bench` (the site plus `POST /bench/bare/`),
     DEBUG off, WEB_CONCURRENCY workers (`--workers`, 2), bound to 127.0.0.1 only, the access
     log sent to /dev/null; NO Celery worker: the tasks each stored event enqueues pile up in
     Redis, untouched (what is measured is the acknowledgement path, not the processing);
  3. python-telegram-bot's `Application.run_webhook` (`bench/ptb_peer.py`, one process);
  4. `wrk` (one connection per thread, `--concurrency` of them) sending pre-built requests,
     each exactly once per scenario, and timing each request itself (Lua, CLOCK_MONOTONIC):

  bare view        POST /bench/bare/: the same body through the site's middleware (as a
                   page), no signature, no database, no queue: the ceiling of this server
  bare, lean       the same view at /webhooks/bench-bare/: without the pages' middleware,
                   as the webhooks are served (config/webhooks_wsgi.py)
  messenger new    POST /webhooks/messenger/, signed (X-Hub-Signature-256), one event with a
                   new mid per request: verified, stored (INSERT ... ON CONFLICT DO NOTHING),
                   committed and its task pushed to Redis, then 200
  messenger dup    the same requests again: verified, the INSERT finds the row, nothing is
                   enqueued (what a platform's redelivery costs)
  telegram souk    POST /webhooks/telegram/<channel>/ with the secret header, one Update with a
                   new update_id per request: looked up, checked, stored, enqueued, 200
  telegram ptb     the same Updates to python-telegram-bot's webhook server: checked, parsed,
                   queued in memory, 200 (nothing stored)

The scenarios take turns in `--rounds` rounds. Afterwards the database is asked how many
events it holds: every acknowledged new event must be a row (rows == acks), and Redis how many
tasks wait (one per row).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import itertools
import json
import os
import resource
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bench

DESCRIPTION = (
    "signed webhooks acknowledged by the web server (PostgreSQL + Redis) vs a bare view and "
    "python-telegram-bot's webhook server"
)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin/, where celery is
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/9"
PAGE_ID = "104000000000777"
TELEGRAM_TOKEN = "123456789:AAFakeSoukTestTokenForTheFakeBotApi0"  # noqa: S105 (a fake)
PEER_PATH = "bench-telegram"
BARE_PATH = "/bench/bare/"  # bench/bare_urls.py
BARE_WEBHOOK_PATH = "/webhooks/bench-bare/"  # the same view, on the webhooks' lean path
# Goals of the channels issue.
PEER_REFERENCE = 3900  # acks/s python-telegram-bot's server reached "on this kind of machine"
P99_GOAL_MS = 20.0
BARE_RATIO_GOAL = 0.5


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--requests",
        type=_positive,
        default=9000,
        help="measured requests per scenario, split over the rounds (9000)",
    )
    parser.add_argument(
        "--concurrency",
        type=_positive,
        default=32,
        help="connections (one wrk thread each) kept busy, in every scenario (32)",
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        default=6,
        help="the scenarios take turns this many times (6); the ratio to the bare view is the "
        "median of the rounds' ratios",
    )
    parser.add_argument(
        "--warmup", type=int, default=300, help="unmeasured requests per scenario first (300)"
    )
    parser.add_argument(
        "--workers", type=_positive, default=2, help="web server workers, WEB_CONCURRENCY (2)"
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=20.0,
        help="time budget of one scenario's round; it is cut short past it (20)",
    )
    parser.add_argument(
        "--web-args",
        default="",
        help="extra options of `python -m config.web`, after the production ones, for "
        "experiments (e.g. '--threads 1')",
    )
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=200.0,
        help="requests/s of the paced (open-loop) runs, where latency is measured (200)",
    )
    parser.add_argument(
        "--paced-seconds",
        type=float,
        default=5.0,
        help="length of each scenario's paced run; 0 skips them (5)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip python-telegram-bot's server")
    add_service_arguments(parser, redis_default=DEFAULT_REDIS)


def add_service_arguments(parser: argparse.ArgumentParser, *, redis_default: str) -> None:
    parser.add_argument(
        "--postgres",
        default=None,
        help="PostgreSQL server to create the throwaway database on (the server of a "
        f"postgres DATABASE_URL, else {DEFAULT_POSTGRES})",
    )
    parser.add_argument(
        "--redis",
        default=redis_default,
        help=f"a spare Redis database, FLUSHED before and after ({redis_default})",
    )


# --- Services: throwaway database, spare Redis, processes (shared with end_to_end) ----------


def postgres_server(option: str | None) -> str:
    if option:
        return option
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()
    return DEFAULT_POSTGRES


def missing_prerequisites(*, wrk: bool = False, peer: bool = False) -> list[str]:
    missing = []
    for tool in ["granian", "celery"]:
        if not (BIN / tool).exists():
            missing.append(f"{BIN / tool} (pip install -e '.[dev]')")
    if wrk and shutil.which("wrk") is None:
        missing.append("wrk (apt-get install -y wrk)")
    if peer:
        try:
            import tornado  # noqa: F401
        except ImportError:
            missing.append("tornado, for the peer (pip install 'python-telegram-bot[webhooks]')")
    return missing


@contextlib.contextmanager
def throwaway_database(server_url: str, tag: str) -> Iterator[str]:
    """Creates `souk_bench_<tag>_<pid>` on the server, yields its URL, drops it at the end."""
    import psycopg

    name = f"souk_bench_{tag}_{os.getpid()}"
    url = urllib.parse.urlsplit(server_url)._replace(path=f"/{name}").geturl()
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def spare_redis(url: str) -> Iterator[object]:
    """A Redis database of our own: flushed before (saying what was left) and after."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    leftover = client.dbsize()
    if leftover:
        print(f"(flushing {leftover} keys left in {url})")
    client.flushdb()
    try:
        yield client
    finally:
        client.flushdb()
        client.close()


def server_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Production settings (config.settings, DEBUG off) on the throwaway database and Redis."""
    from cryptography.fernet import Fernet

    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "CELERY_BROKER_URL",
            "DJANGO_SETTINGS_MODULE",
            "TRUST_X_FORWARDED_PROTO",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        SECRET_KEY="bench-only-" + secrets.token_urlsafe(32),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        ALLOWED_HOSTS="127.0.0.1",
        # Upper case: config.settings hands it to logging as is ("warning" fails there);
        # config/web.py lower-cases it for granian.
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """`manage.py <args>` in a subprocess on the benchmark's environment; returns stdout."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def seed_in_subprocess(env: dict[str, str], code: str) -> dict:
    """Runs `code` in `manage.py shell -c`; it prints one JSON line, returned parsed."""
    out = manage(env, "shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Services:
    """Processes a benchmark starts, each in a session of its own; `close()` stops them all
    (SIGTERM to the process, then SIGKILL to its group if anything is left), even on error."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.procs: dict[str, subprocess.Popen] = {}

    def __enter__(self) -> Services:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
        with open(self.log_path(name), "wb") as log:
            proc = subprocess.Popen(  # noqa: S603
                [str(a) for a in argv],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.procs[name] = proc
        return proc

    def log_path(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def log_tail(self, name: str, lines: int = 30) -> str:
        try:
            text = self.log_path(name).read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, name: str, timeout: float = 15.0) -> None:
        proc = self.procs.pop(name, None)
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
        # Whatever is left of the session we created (workers of a killed master...).
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(5)

    def close(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)

    def check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")


def start_web(
    services: Services,
    env: dict[str, str],
    *,
    app: str,
    port: int,
    workers: int,
    extra_args: Sequence[str] = (),
    name: str = "web",
) -> subprocess.Popen:
    """The web server as production starts it (`python -m config.web`: granian, threads per
    worker), but on 127.0.0.1 only and without access log lines."""
    argv = [
        sys.executable,
        "-m",
        "config.web",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        *extra_args,
    ]
    return services.start(name, argv, env)


def wait_for_http(
    services: Services,
    name: str,
    url: str,
    *,
    timeout: float = 30.0,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Polls `url` until it answers 200 (or the process exits, or `timeout`)."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        services.check_alive(name)
        request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
                last = f"status {response.status}"
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        time.sleep(0.1)
    raise RuntimeError(
        f"{name} not ready at {url} after {timeout}s ({last}):\n{services.log_tail(name)}"
    )


# --- CPU accounting ---------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and its live descendants, plus their children already reaped."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{current}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            stack += _children(current)
    return total / _TICK


def command_cpu_seconds(commands: Sequence[str]) -> float:
    """CPU time of every process whose command name is one of `commands` (with the children
    they reaped: PostgreSQL's ended backends count in the postmaster's)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            with open(f"/proc/{entry}/stat") as f:
                text = f.read()
            name = text[text.index("(") + 1 : text.rindex(")")]
            if name in commands:
                total += sum(int(x) for x in text.rsplit(")", 1)[1].split()[11:15])
    return total / _TICK


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def wrk_path() -> str:
    return shutil.which("wrk") or "wrk"


# --- Load generation: wrk, one connection per thread, each request timed in Lua --------------

WRK_LUA = r"""
-- Each thread has ONE connection: request() and response() strictly alternate, so the time
-- between them is that request's latency. Requests are pre-built by the benchmark (files
-- req-<thread>: "<length>\n<bytes>" records) and each is sent once; the index only moves on
-- a response, so a request lost to a socket error is sent again, as platforms retry.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + tonumber(ts.tv_nsec) / 1000
end
local dir = os.getenv("BENCH_WRK_DIR")
-- A finished thread must not leave an idle connection to the server: after a response with
-- "Connection: close" (a server with one request at a time) wrk reconnects at once, and such
-- a server that accepts a connection blocks on it until something arrives. So a finished
-- thread's last reconnection goes to a sink socket of the benchmark's, which nobody serves.
local sink_port = os.getenv("BENCH_SINK_PORT")
-- Paced runs (BENCH_RATE requests/s in all): the j-th request of the run is due at
-- BENCH_T0_US + j / rate, whatever happened to the others (open loop), and its latency counts
-- from when it was due if it left late, so a slow response delays no measurement away.
local rate = tonumber(os.getenv("BENCH_RATE") or "")
local t0 = tonumber(os.getenv("BENCH_T0_US") or "")
local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
local function due(k)
  return t0 + ((k - 1) * nthreads + tid) * 1000000 / rate
end

-- setup/done phase (wrk's main Lua state)
local threads, next_tid = {}, 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local out = io.open(dir .. "/result-" .. t:get("tid"), "w")
    out:write(string.format("%.1f %.1f %d\n", t:get("first") or 0, t:get("last") or 0,
                            t:get("count") or 0))
    for code, n in pairs(t:get("statuses") or {}) do out:write(code .. ":" .. n .. " ") end
    out:write("\n")
    for _, v in ipairs(t:get("lat") or {}) do out:write(string.format("%.1f\n", v)) end
    out:close()
  end
end

-- running phase (one Lua state per thread)
reqs, n, i, count, statuses, lat, first, last = {}, 0, 1, 0, {}, {}, nil, 0
local sent_at = 0
function init(args)
  local f = assert(io.open(dir .. "/req-" .. tid, "rb"))
  while true do
    local line = f:read("*l")
    if not line then break end
    reqs[#reqs + 1] = f:read(tonumber(line))
  end
  f:close()
  n = #reqs
  sink = wrk.lookup("127.0.0.1", sink_port)[1]
end

if rate then
  function delay()
    local wait = (due(math.min(i, n)) - now_us()) / 1000
    if wait < 0 then return 0 end
    return wait
  end
end

function request()
  sent_at = now_us()
  if rate then sent_at = math.min(sent_at, due(math.min(i, n))) end
  return reqs[math.min(i, n)]
end

function response(status, headers, body)
  local t = now_us()
  if not first then first = sent_at end
  last = t
  count = count + 1
  lat[count] = t - sent_at
  statuses[status] = (statuses[status] or 0) + 1
  i = i + 1
  if i > n then
    local mark = io.open(dir .. "/done-" .. tid, "w")
    mark:close()
    wrk.thread.addr = sink
    wrk.thread:stop()
  end
end
"""


@dataclass
class Load:
    """One scenario's requests as the client saw them (latencies in seconds)."""

    name: str
    planned: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0
    socket_errors: int = 0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    busy_cpu: float = 0.0  # CPU seconds the whole machine spent meanwhile (all processes)
    postgres_cpu: float = 0.0  # every PostgreSQL process, whoever it works for
    redis_cpu: float = 0.0
    cut_short: bool = False

    @property
    def acks(self) -> int:
        return self.statuses.get(200, 0)

    @property
    def errors(self) -> int:
        return sum(n for code, n in self.statuses.items() if code != 200) + self.socket_errors

    def add(self, other: Load) -> None:
        self.planned += other.planned
        self.latencies += other.latencies
        for code, n in other.statuses.items():
            self.statuses[code] = self.statuses.get(code, 0) + n
        self.elapsed += other.elapsed
        self.socket_errors += other.socket_errors
        self.client_cpu += other.client_cpu
        self.server_cpu += other.server_cpu
        self.busy_cpu += other.busy_cpu
        self.postgres_cpu += other.postgres_cpu
        self.redis_cpu += other.redis_cpu
        self.cut_short |= other.cut_short

    @property
    def per_second(self) -> float:
        return self.acks / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: float) -> float:
        timing = bench.Timing(samples=self.latencies)
        return timing.percentile_ms(p)


def http_request(port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    head = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def run_wrk(
    name: str,
    port: int,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    max_seconds: float,
    server_pid: int | None,
    workdir: Path,
    rate: float | None = None,
) -> Load:
    """Sends each of `requests` once over `concurrency` connections (fewer if there are fewer
    requests); stops when all are answered or after `max_seconds`. Without `rate` each
    connection sends its next request as soon as it has the previous answer (closed loop: the
    server's capacity at that concurrency); with `rate`, requests leave on a fixed schedule of
    `rate` per second (open loop: latency at that load)."""
    threads = max(1, min(concurrency, len(requests)))
    run_dir = Path(tempfile.mkdtemp(prefix="wrk-", dir=workdir))
    files = [open(run_dir / f"req-{t}", "wb") for t in range(threads)]  # noqa: SIM115
    try:
        for index, raw in enumerate(requests):
            files[index % threads].write(b"%d\n%s" % (len(raw), raw))
    finally:
        for f in files:
            f.close()
    script = run_dir / "bench.lua"
    script.write_text(WRK_LUA)
    seconds = max(1, int(max_seconds + 0.999))
    argv = [
        wrk_path(),
        "-t",
        str(threads),
        "-c",
        str(threads),
        "-d",
        f"{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/",
    ]
    before_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    busy_before, _ = machine_jiffies()
    postgres_before = command_cpu_seconds(["postgres"])
    redis_before = command_cpu_seconds(["redis-server"])
    sink = socket.socket()
    sink.bind(("127.0.0.1", 0))
    sink.listen(4096)  # never accepted from: the kernel queues the finished threads' connections
    env = {
        **os.environ,
        "BENCH_WRK_DIR": str(run_dir),
        "BENCH_SINK_PORT": str(sink.getsockname()[1]),
        "BENCH_THREADS": str(threads),
    }
    if rate:
        # time.monotonic() is CLOCK_MONOTONIC, the Lua script's clock; wrk starts within it.
        env.update(BENCH_RATE=str(rate), BENCH_T0_US=str(int((time.monotonic() + 0.5) * 1e6)))
    with open(run_dir / "wrk.out", "wb") as out:
        proc = subprocess.Popen(  # noqa: S603
            argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        deadline = time.monotonic() + seconds + 10
        while proc.poll() is None:
            if len(list(run_dir.glob("done-*"))) >= threads:
                proc.send_signal(signal.SIGINT)  # wrk then stops, reports and exits
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
            raise RuntimeError(f"wrk did not stop: {(run_dir / 'wrk.out').read_text()}") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        sink.close()
    after_children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after, _ = machine_jiffies()
    load = Load(name=name, planned=len(requests))
    load.client_cpu = (after_children.ru_utime - before_children.ru_utime) + (
        after_children.ru_stime - before_children.ru_stime
    )
    load.server_cpu = (tree_cpu_seconds(server_pid) - server_before) if server_pid else 0.0
    load.busy_cpu = (busy_after - busy_before) / _TICK
    load.postgres_cpu = command_cpu_seconds(["postgres"]) - postgres_before
    load.redis_cpu = command_cpu_seconds(["redis-server"]) - redis_before
    output = (run_dir / "wrk.out").read_text(errors="replace")
    firsts, lasts = [], []
    for t in range(threads):
        path = run_dir / f"result-{t}"
        if not path.exists():
            raise RuntimeError(f"wrk wrote no results ({name}):\n{output}")
        lines = path.read_text().splitlines()
        first, last, count = lines[0].split()
        if int(count):
            firsts.append(float(first))
            lasts.append(float(last))
        for item in lines[1].split():
            code, n = item.split(":")
            load.statuses[int(code)] = load.statuses.get(int(code), 0) + int(n)
        load.latencies += [float(v) / 1e6 for v in lines[2:]]
    load.elapsed = (max(lasts) - min(firsts)) / 1e6 if firsts else 0.0
    load.cut_short = sum(load.statuses.values()) < len(requests)
    for line in output.splitlines():
        if "Socket errors:" in line:
            load.socket_errors = sum(int(x.strip(", ")) for x in line.split()[3::2])
    shutil.rmtree(run_dir, ignore_errors=True)
    return load


# --- Request bodies ---------------------------------------------------------------------------


def meta_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_body(page_id: str, n: int, tag: str) -> bytes:
    """One Messenger text message event, as Meta delivers it; `n` makes its mid unique."""
    timestamp = 1763900000000 + n
    event = {
        "sender": {"id": str(7100000000000000 + n % 997)},
        "recipient": {"id": page_id},
        "timestamp": timestamp,
        "message": {
            "mid": f"m_{tag}{n:08d}bench-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
            "text": "Bonjour, vous avez la robe portefeuille en 38 ?",
        },
    }
    body = {"object": "page", "entry": [{"id": page_id, "time": timestamp, "messaging": [event]}]}
    return json.dumps(body, separators=(",", ":")).encode()


def telegram_body(update_id: int, chat_id: int, text: str = "Bonjour") -> bytes:
    """One Telegram Update carrying a private text message."""
    sender = {"id": chat_id, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
    update = {
        "update_id": update_id,
        "message": {
            "message_id": update_id % 1000000 + 1,
            "from": sender,
            "chat": {"id": chat_id, "type": "private", "first_name": "Léa"},
            "date": 1763900000,
            "text": text,
        },
    }
    return json.dumps(update, separators=(",", ":"), ensure_ascii=False).encode()


# --- The benchmark ----------------------------------------------------------------------------

SEED = """
import json
from channels_adapters.models import ChannelAccount
from shops.services import shop_create
shop = shop_create(name="Bench Intake", owner_email="bench-intake@example.com", language="fr")
messenger = ChannelAccount.objects.create(
    shop=shop, kind="messenger", external_id={page!r}, name="Bench page",
    credentials={{"access_token": "EAAbenchPageAccessToken"}},
)
telegram = ChannelAccount.objects.create(
    shop=shop, kind="telegram", external_id={bot_id!r}, name="@bench_bot",
    credentials={{"token": {token!r}}}, webhook_secret_digest={digest!r},
)
print(json.dumps({{"shop": shop.pk, "messenger": messenger.pk, "telegram": telegram.pk}}))
"""


def run(args: argparse.Namespace) -> int:
    missing = missing_prerequisites(wrk=True, peer=not args.no_peer)
    if missing:
        print("skipped: missing " + "; ".join(missing))
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="souk-bench-intake-"))
    try:
        return _run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class Target:
    """Where a scenario's requests go, and the requests: warm-up, measured, paced."""

    port: int
    pid: int
    warmup: list[bytes]
    rounds: list[list[bytes]]
    paced: list[bytes]


def background_load(seconds: float = 2.0) -> float:
    """CPUs kept busy by whatever else runs on the machine, measured before starting."""
    busy_before, _ = machine_jiffies()
    time.sleep(seconds)
    busy_after, _ = machine_jiffies()
    return (busy_after - busy_before) / _TICK / seconds


def _run(args: argparse.Namespace, workdir: Path) -> int:
    from channels_adapters.signatures import secret_digest

    background = background_load()
    started = time.perf_counter()
    app_secret = secrets.token_hex(16)
    telegram_secret = secrets.token_urlsafe(32)
    tag = secrets.token_hex(3)
    port, peer_port = free_port(), free_port()
    paced_count = int(args.paced_rate * args.paced_seconds)
    with (
        throwaway_database(postgres_server(args.postgres), "intake") as database_url,
        spare_redis(args.redis) as redis_client,
        Services(workdir) as services,
    ):
        env = server_env(
            database_url, args.redis, META_APP_SECRET=app_secret, MEDIA_ROOT=str(workdir)
        )
        manage(env, "migrate", "--noinput", "-v", "0")
        ids = seed_in_subprocess(
            env,
            SEED.format(
                page=PAGE_ID,
                bot_id=TELEGRAM_TOKEN.split(":")[0],
                token=TELEGRAM_TOKEN,
                digest=secret_digest(telegram_secret),
            ),
        )
        web = start_web(
            services,
            env,
            app="bench.wsgi_bench:application",
            port=port,
            workers=args.workers,
            extra_args=shlex.split(args.web_args),
        )
        wait_for_http(services, "web", f"http://127.0.0.1:{port}/healthz")
        secret_header = {"X-Telegram-Bot-Api-Secret-Token": telegram_secret}
        peer = None
        if not args.no_peer:
            peer = services.start(
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
                    telegram_secret,
                ],
                {**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            wait_for_http(
                services,
                "ptb_peer",
                f"http://127.0.0.1:{peer_port}/{PEER_PATH}",
                data=telegram_body(1, 1),
                headers={"Content-Type": "application/json", **secret_header},
            )
        ready_in = time.perf_counter() - started

        # Every request of a scenario is distinct: warm-up, measured and paced ones.
        total = args.warmup + args.requests + paced_count
        bodies = [messenger_body(PAGE_ID, n, tag) for n in range(total)]
        updates = [telegram_body(1000 + n, 5000000 + n % 997) for n in range(total)]
        telegram_path = f"/webhooks/telegram/{ids['telegram']}/"

        def signed(body: bytes) -> dict[str, str]:
            return {"X-Hub-Signature-256": meta_signature(app_secret, body)}

        requests = {
            "bare view": (port, [http_request(port, BARE_PATH, b, {}) for b in bodies]),
            "bare, lean": (port, [http_request(port, BARE_WEBHOOK_PATH, b, {}) for b in bodies]),
            "messenger new": (
                port,
                [http_request(port, "/webhooks/messenger/", b, signed(b)) for b in bodies],
            ),
            "telegram souk": (
                port,
                [http_request(port, telegram_path, u, secret_header) for u in updates],
            ),
        }
        if peer is not None:
            requests["telegram ptb"] = (
                peer_port,
                [http_request(peer_port, f"/{PEER_PATH}", u, secret_header) for u in updates],
            )
        targets = {}
        for name, (target_port, raw) in requests.items():
            measured = raw[args.warmup : args.warmup + args.requests]
            bounds = [round(r * len(measured) / args.rounds) for r in range(args.rounds + 1)]
            targets[name] = Target(
                port=target_port,
                pid=peer.pid if name == "telegram ptb" else web.pid,
                warmup=raw[: args.warmup],
                rounds=[measured[a:b] for a, b in itertools.pairwise(bounds)],
                paced=raw[args.warmup + args.requests :],
            )
        # Redeliveries: the new events' requests again, once they have been stored.
        targets["messenger dup"] = dataclass_replace(targets["messenger new"], warmup=[])
        order = [
            name
            for name in [
                "bare view",
                "bare, lean",
                "messenger new",
                "messenger dup",
                "telegram souk",
                "telegram ptb",
            ]
            if name in targets
        ]

        def load(name: str, batch: list[bytes], *, rate: float | None = None) -> Load:
            target = targets[name]
            return run_wrk(
                name,
                target.port,
                batch,
                concurrency=args.concurrency,
                max_seconds=(len(batch) / rate + 5) if rate else args.max_seconds,
                server_pid=target.pid,
                workdir=workdir,
                rate=rate,
            )

        # Warm-up: every worker imports, connects and fills its caches before the clock runs.
        warm = {name: load(name, t.warmup) for name, t in targets.items() if t.warmup}
        saturated = {name: Load(name=name) for name in order}
        by_round: dict[str, list[Load]] = {name: [] for name in order}
        paced = {name: Load(name=name) for name in order}
        load_avg_before = os.getloadavg()
        measure_started = time.perf_counter()
        for round_index in range(args.rounds):
            for name in order:
                result = load(name, targets[name].rounds[round_index])
                by_round[name].append(result)
                saturated[name].add(result)
        if paced_count:
            for name in order:
                paced[name].add(load(name, targets[name].paced, rate=args.paced_rate))
        measured_in = time.perf_counter() - measure_started
        load_avg_after = os.getloadavg()

        # What the server stored and enqueued.
        rows = _count_rows(database_url, ids)
        queued = redis_client.llen("intake")
        services.check_alive("web")
        peer_handled = ""
        if peer is not None:
            services.stop("ptb_peer")
            peer_handled = services.log_tail("ptb_peer", 1).strip()
        services.stop("web")
        server_errors = [
            line
            for line in services.log_tail("web", 400).splitlines()
            if "Traceback" in line or " ERROR " in line or "CRITICAL" in line
        ]

    acked = {
        "messenger": sum(
            r["messenger new"].acks for r in (warm, saturated, paced) if "messenger new" in r
        ),
        "telegram": sum(
            r["telegram souk"].acks for r in (warm, saturated, paced) if "telegram souk" in r
        ),
    }
    report = Report(
        args=args,
        saturated=saturated,
        by_round=by_round,
        paced=paced if paced_count else {},
        rows=rows,
        acked=acked,
        queued=queued,
        background=background,
        load_avg=(load_avg_before, load_avg_after),
        ready_in=ready_in,
        measured_in=measured_in,
        peer_handled=peer_handled,
        server_errors=server_errors,
    )
    report.print()
    results = [*saturated.values(), *(paced.values() if paced_count else [])]
    clean = all(r.errors == 0 and not r.cut_short for r in results)
    return 0 if report.consistent and clean else 1


def dataclass_replace(target: Target, **changes) -> Target:
    import dataclasses

    return dataclasses.replace(target, **changes)


def _count_rows(database_url: str, ids: dict) -> dict[str, int]:
    import psycopg

    with psycopg.connect(database_url) as conn:
        counts = dict(
            conn.execute(
                "SELECT channel_id, count(*) FROM channels_adapters_inboundevent "
                "GROUP BY channel_id"
            ).fetchall()
        )
    return {kind: counts.get(ids[kind], 0) for kind in ("messenger", "telegram")}


def _mark(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@dataclass
class Report:
    args: argparse.Namespace
    saturated: dict[str, Load]
    by_round: dict[str, list[Load]]
    paced: dict[str, Load]
    rows: dict[str, int]
    acked: dict[str, int]
    queued: int
    background: float
    load_avg: tuple
    ready_in: float
    measured_in: float
    peer_handled: str
    server_errors: list[str]

    @property
    def consistent(self) -> bool:
        return self.rows == self.acked and self.queued == sum(self.rows.values())

    def print(self) -> None:
        import django

        args = self.args
        cpus = os.cpu_count() or 1
        print(
            f"machine   {cpus} CPUs shared by client, servers, PostgreSQL and Redis; other work "
            f"kept {self.background:.2f} CPU busy\n          just before; load average "
            f"{self.load_avg[0][0]:.2f} before measuring, {self.load_avg[1][0]:.2f} after"
        )
        print(
            f"software  Python {sys.version.split()[0]}, Django {django.get_version()}, "
            f"{_version('granian')} ({args.workers} workers, python -m config.web"
            f"{' ' + args.web_args if args.web_args else ''}),\n          "
            f"python-telegram-bot {_version('telegram')}, {_wrk_version()}, PostgreSQL "
            "and Redis on 127.0.0.1"
        )
        print(
            f"method    wrk, {args.concurrency} connections (one per thread), each request "
            "sent once and timed in Lua;\n"
            f"          {args.warmup} warm-up requests per scenario, then {args.requests} "
            f"at full speed in {args.rounds} interleaved rounds,\n          then "
            f"{int(args.paced_rate * args.paced_seconds)} paced at {args.paced_rate:g}/s; "
            f"no Celery worker (tasks wait in Redis);\n          servers ready in "
            f"{self.ready_in:.1f} s, measured in {self.measured_in:.1f} s\n"
        )
        self._table(
            f"At full speed ({args.concurrency} connections, each sending as soon as answered):",
            self.saturated,
            cpu=True,
        )
        if self.paced:
            self._table(
                f"\nPaced at {args.paced_rate:g} requests/s (open loop; latency counted from "
                "when a request was due):",
                self.paced,
                cpu=False,
            )
        print(
            "\nacks/s: 200 answers per second; x bare: acks/s over the bare view's; client: "
            "wrk's share of all CPU\ntime used meanwhile; ms CPU/ack: CPU time per 200 of the "
            "server's processes (the web server, or\nthe peer), of PostgreSQL and Redis (all their "
            f"processes), and of the whole machine (out of {cpus} CPUs)."
        )
        for results in (self.saturated, self.paced):
            for name, load in results.items():
                if load.cut_short:
                    print(f"note: {name} was cut short by its time budget ({load.planned} planned)")
                codes = {c: n for c, n in load.statuses.items() if c != 200}
                if codes or load.socket_errors:
                    print(f"note: {name}: non-200 {codes}, socket errors {load.socket_errors}")
        if self.peer_handled:
            print(f"peer: {self.peer_handled} (warm-up and probe included)")
        if self.server_errors:
            print("server log errors:\n  " + "\n  ".join(self.server_errors[:10]))
        print(
            f"\nstored: messenger {self.rows['messenger']} rows for {self.acked['messenger']} "
            f"new events acknowledged (warm-up and paced included), telegram "
            f"{self.rows['telegram']} for {self.acked['telegram']};\n        "
            f"{self.queued} processing tasks waiting in Redis (one per row expected)"
        )
        self._goals()

    def _table(self, title: str, results: dict[str, Load], *, cpu: bool) -> None:
        print(title)
        bare = results["bare view"].per_second if "bare view" in results else 0
        headers = ["scenario", "requests", "acks/s", "p50 ms", "p99 ms", "max ms", "errors"]
        headers += ["x bare"]
        if cpu:
            headers += ["client", "server", "postgres", "redis", "machine"]
        rows = []
        for name, load in results.items():
            acks = max(1, load.acks)
            row = [
                name,
                sum(load.statuses.values()),
                load.per_second,
                load.percentile_ms(50),
                load.percentile_ms(99),
                max(load.latencies, default=0) * 1000,
                load.errors,
                f"{load.per_second / bare:.2f}" if bare else "-",
            ]
            if cpu:
                row += [
                    f"{100 * load.client_cpu / load.busy_cpu:.0f}%" if load.busy_cpu else "-",
                    f"{1e3 * load.server_cpu / acks:.2f}",
                    f"{1e3 * load.postgres_cpu / acks:.2f}",
                    f"{1e3 * load.redis_cpu / acks:.2f}",
                    f"{1e3 * load.busy_cpu / acks:.2f}",
                ]
            rows.append(row)
        if cpu:
            print(" " * 62 + "ms CPU/ack: server  postgres  redis  machine")
        bench.print_table(headers, rows)

    def _goals(self) -> None:
        args = self.args
        souk = self.saturated["messenger new"]
        bare = self.saturated["bare view"].per_second
        lean = self.saturated["bare, lean"].per_second if "bare, lean" in self.saturated else 0
        peer = self.saturated.get("telegram ptb")
        peer_rate = peer.per_second if peer else PEER_REFERENCE
        peer_label = "measured in this run" if peer else "the issue's figure"
        souk_tg = self.saturated["telegram souk"].per_second
        ratio, ratios = paired_ratio(self.by_round["messenger new"], self.by_round["bare view"])
        paced = self.paced.get("messenger new")
        queueing_ms = 1e3 * args.concurrency / max(1, souk.per_second)
        print("\ngoals (signed Messenger webhooks, new events):")
        goals = [
            (
                self.consistent,
                "every event stored before the 200: rows == acks (messenger "
                f"{self.rows['messenger']} == {self.acked['messenger']}, telegram "
                f"{self.rows['telegram']} == {self.acked['telegram']}), one task per row "
                f"({self.queued})",
            ),
            (
                souk.per_second >= peer_rate,
                f"faster than python-telegram-bot's server: {souk.per_second:,.0f} vs "
                f"{peer_rate:,.0f} acks/s ({peer_label}); Souk's Telegram webhook "
                f"{souk_tg:,.0f}",
            ),
            (
                ratio >= BARE_RATIO_GOAL,
                f"at least {BARE_RATIO_GOAL:g} x the bare view: {ratio:.2f} x, the median of the "
                f"rounds' ({', '.join(f'{r:.2f}' for r in ratios)}); over the whole run "
                f"{souk.per_second / bare if bare else 0:.2f} x ({bare:,.0f} acks/s; "
                f"{souk.per_second / lean if lean else 0:.2f} x the same view on the webhooks' "
                f"lean path, {lean:,.0f} acks/s)",
            ),
        ]
        if paced is not None:
            goals.append(
                (
                    paced.percentile_ms(99) < P99_GOAL_MS,
                    f"p99 under {P99_GOAL_MS:g} ms at {args.paced_rate:g} requests/s: "
                    f"{paced.percentile_ms(99):.1f} ms (p50 {paced.percentile_ms(50):.1f})",
                )
            )
        goals.append(
            (
                souk.percentile_ms(99) < P99_GOAL_MS,
                f"p99 under {P99_GOAL_MS:g} ms at full speed, {args.concurrency} connections: "
                f"{souk.percentile_ms(99):.1f} ms (queueing: {args.concurrency} connections / "
                f"{souk.per_second:,.0f} acks/s = {queueing_ms:.0f} ms on average)",
            )
        )
        for ok, text in goals:
            print(f"  {_mark(bool(ok))}  {text}")


def paired_ratio(loads: Sequence[Load], baselines: Sequence[Load]) -> tuple[float, list[float]]:
    """The median over rounds of each round's acks/s over its baseline's, and those ratios.

    The two ran seconds apart in each round, the rounds minutes apart at most: on a shared
    machine whose speed drifts by a third between runs (docs/performance.md, intake, "seventh
    pass"), a round's pair saw the same machine where the totals of the run did not, and the
    median leaves out the round a burst of other work landed in."""
    ratios = [
        load.per_second / baseline.per_second
        for load, baseline in zip(loads, baselines, strict=True)
        if baseline.per_second
    ]
    return (statistics.median(ratios) if ratios else 0.0), ratios


def _version(module: str) -> str:
    try:
        imported = __import__(module)
    except ImportError:
        return f"{module} (not installed)"
    return f"{module} {getattr(imported, '__version__', '?')}"


def _wrk_version() -> str:
    try:
        out = subprocess.run(  # noqa: S603
            [wrk_path(), "--version"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except OSError:
        return "wrk ?"
    return " ".join(out.split()[:2])
