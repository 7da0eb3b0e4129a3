"""Gunicorn settings for the production image:

    gunicorn -c config/gunicorn.conf.py config.wsgi:application

Tuned through the environment: PORT (8000), WEB_CONCURRENCY (worker processes, default
2 x available CPUs + 1), GUNICORN_THREADS (threads per worker, 8; 1 for sync workers),
GUNICORN_TIMEOUT (30 s), LOG_LEVEL (INFO). Command-line flags win
over this file.
"""

import math
import os
from pathlib import Path


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def available_cpus() -> int:
    """CPUs this process may use: its CPU affinity, capped by a cgroup v2 quota (`docker run
    --cpus`), which `os.cpu_count()` ignores inside a container."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cpus or 1)


bind = f"0.0.0.0:{_int_env('PORT', 8000)}"
# Each worker holds its own database connection (CONN_MAX_AGE): workers x web containers must
# stay below PostgreSQL's max_connections, or go through PgBouncer (docs/deploy.md).
workers = _int_env("WEB_CONCURRENCY", 2 * available_cpus() + 1)
# Threads per worker (gthread): the webhooks a worker's threads store at the same moment share
# one INSERT, one commit and one Redis push (channels_adapters/group_commit.py), which halved
# PostgreSQL's CPU per webhook in bench/intake; 1 goes back to sync workers.
threads = _int_env("GUNICORN_THREADS", 8)
worker_class = "gthread" if threads > 1 else "sync"
# Heartbeat files on tmpfs: a container's overlay filesystem can stall workers' heartbeats.
# (Only gunicorn's own unlinked heartbeat files go there, as its documentation advises.)
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

timeout = _int_env("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30  # on SIGTERM, in-flight requests get this long to finish
keepalive = 5  # seconds; keep below the load balancer's idle timeout

# Recycle workers now and then so a slow leak never grows; jitter keeps them from all
# restarting at once. Not too often: a webhook burst of 700 requests/s recycled each of two
# workers every 6 s at 2,000, and each restart is a latency spike (connections reopened).
max_requests = 10000
max_requests_jitter = 1000
# Load the application once in the master and fork workers from it: a recycled worker is then
# ready at once instead of importing Django and every app again (about a second of CPU taken
# from the live workers each time; 0.3 to 0.4 ms per webhook in bench/intake). Nothing opens a
# connection at import time, so workers share none. A code change needs a restart, not a HUP.
preload_app = True

accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

# Gunicorn ≥ 25.1 opens a control socket under $HOME/.gunicorn/ by default; the image's user
# cannot write its home (/app), and containers are scaled by count, not at run time.
# (Older versions ignore this name.)
control_socket_disable = True


def when_ready(server) -> None:
    """In the master, once the application is preloaded: import the URLconf (every view
    module) and freeze the heap before any worker is forked. A recycled worker then starts
    warm: without this each one imported the views on its first request and its
    gc.collect() touched, so copied, the whole inherited heap, a stall of 150 to 250 ms that
    was the p99 of bench/intake's paced runs (docs/performance.md)."""
    if not server.cfg.preload_app:
        return
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and its views)
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    """Move everything loaded at start-up (Django, apps, libraries) out of the garbage
    collector's view: full collections then scan only per-request objects, which cut the
    product list's p99 by half in bench/product_list (docs/performance.md)."""
    import gc

    gc.collect()
    gc.freeze()
