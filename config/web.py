"""The web server, as the image, the benchmarks and the drills start it: granian serving the
WSGI application with a pool of threads in each worker process.

    python -m config.web                      # config.wsgi:application on 0.0.0.0:$PORT
    python -m config.web --help

Tuned through the environment (flags win): PORT (8000), WEB_CONCURRENCY (worker processes,
default the available CPUs), WEB_THREADS (threads per worker, 8), WEB_ACCESS_LOG (1: one line
per request on standard output), LOG_LEVEL (INFO).

Why granian rather than gunicorn (docs/performance.md, "Issue 12, fourth pass"): it parses
HTTP in Rust and hands each request to a Python thread, so a process serves many requests at
once at less CPU per request than gunicorn's sync workers (one at a time) and far less than
its threaded ones. Concurrent requests are what lets the webhooks that arrive together share
one INSERT and one Redis push (channels_adapters/group_commit.py). In bench/intake on 2 CPUs:
about twice the signed webhooks acknowledged per second, PostgreSQL's CPU per webhook halved,
and 1.6 times the requests of a bare page.
"""

import argparse
import gc
import os

from config.cpus import available_cpus

DEFAULT_APP = "config.wsgi:application"
APP_ENV = "SOUK_WEB_APP"  # how the workers, which import this module afresh, learn the target
GRACEFUL_SECONDS = 30  # on SIGTERM, in-flight requests get this long to finish


def application():
    """Each worker's WSGI application (granian's factory target): the app named by
    SOUK_WEB_APP, with the URLconf (every view module) imported before the first request and
    everything loaded so far moved out of the garbage collector's view, so that full
    collections scan only per-request objects (half the product list's p99 in
    bench/product_list, docs/performance.md)."""
    from importlib import import_module

    module, _, attribute = os.environ.get(APP_ENV, DEFAULT_APP).partition(":")
    app = getattr(import_module(module), attribute or "application")

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and its views)
    gc.collect()
    gc.freeze()
    return app


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m config.web",
        description="Souk's web server: granian serving the WSGI application, threads per "
        "worker process (docs/deploy.md).",
    )
    parser.add_argument(
        "app", nargs="?", default=DEFAULT_APP, help=f"module:attribute ({DEFAULT_APP})"
    )
    parser.add_argument("--host", default="0.0.0.0")  # noqa: S104 (the container's interface)
    # Defaults are strings from the environment: argparse converts them as it converts flags,
    # so WEB_THREADS=eight is refused by name ("--threads: invalid int value") like --threads.
    for flag, variable, default in [
        ("--port", "PORT", 8000),
        ("--workers", "WEB_CONCURRENCY", available_cpus()),
        ("--threads", "WEB_THREADS", 8),
    ]:
        parser.add_argument(
            flag,
            type=int,
            default=os.environ.get(variable, "").strip() or str(default),
            help=f"${variable}, else {default}",
        )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get("WEB_ACCESS_LOG", "1") != "0",
    )
    args = parser.parse_args(argv)
    for name in ("workers", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be at least 1 (got {getattr(args, name)})")
    return args


def main(argv=None) -> None:
    from granian import Granian
    from granian.constants import Interfaces

    args = parse_args(argv)
    os.environ[APP_ENV] = args.app
    Granian(
        "config.web:application",
        factory=True,
        interface=Interfaces.WSGI,
        address=args.host,
        port=args.port,
        workers=args.workers,
        blocking_threads=args.threads,
        websockets=False,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        log_access=args.access_log,
        # A worker that dies is replaced, as gunicorn's master did.
        respawn_failed_workers=True,
        workers_kill_timeout=GRACEFUL_SECONDS,
    ).serve()


if __name__ == "__main__":
    main()
