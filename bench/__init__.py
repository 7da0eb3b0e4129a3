"""Souk's benchmark harness.

Speed is measured here, never asserted by wall-clock in tests. A benchmark is a module of this
package with `DESCRIPTION`, `add_arguments(parser)` and `run(args) -> int`; it measures in one
process a real code path *and* a baseline, and prints figures as ratios against the baseline,
so they compare across machines better than raw milliseconds do.

    .venv/bin/python -m bench                              # every benchmark, default options
    .venv/bin/python -m bench product_list --products 500  # one, with its options

Benchmarks never touch real data: `environment()` points Django at a throwaway database
(a temporary SQLite file, or `test_<name>` on the PostgreSQL server of DATABASE_URL, dropped
afterwards) and a temporary MEDIA_ROOT.
"""

import contextlib
import gc
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

# name -> module; imported only when run, so `python -m bench --help` needs no Django.
BENCHMARKS: dict[str, str] = {
    "product_list": "bench.product_list",
    "checkout": "bench.checkout",
    "inbox_overview": "bench.inbox_overview",
    "worker_cpu": "bench.worker_cpu",
    # Real servers on PostgreSQL and Redis (docs/deploy.md "Scale-out").
    "scale_out": "bench.scale_out",
    "pg_capacity": "bench.pg_capacity",
}

_active = False  # environment() is entered once per process; nested entries reuse it


@contextlib.contextmanager
def environment(*, verbose: bool = True) -> Iterator[None]:
    """Django set up on a throwaway, migrated database and a temporary MEDIA_ROOT.

    Re-entrant: `python -m bench` enters it once around all benchmarks, and each benchmark
    enters it again (a no-op then) so it also works when called on its own.
    """
    global _active
    if _active:
        yield
        return

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    workdir = tempfile.mkdtemp(prefix="souk-bench-")
    os.environ["MEDIA_ROOT"] = os.path.join(workdir, "media")
    database_url = os.environ.get("DATABASE_URL", "")
    on_sqlite = not database_url or database_url.startswith("sqlite")
    if on_sqlite:
        # Never the developer's db.sqlite3: a file of our own, deleted at the end.
        os.environ["DATABASE_URL"] = "sqlite:///" + os.path.join(workdir, "bench.sqlite3")

    # Quiet: no static files are collected here, and eager tasks need not log each run.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    logging.getLogger("celery.app.trace").setLevel(logging.WARNING)

    from django.core.management import call_command
    from django.test.utils import setup_databases, teardown_databases

    from config.celery import app as celery_app

    # Thumbnails (and any other task) run in this process, even when REDIS_URL names a broker:
    # nothing is sent to a real queue. The cache stays Redis when configured, as in production.
    celery_app.conf.task_always_eager = True

    old_config = None
    started = time.perf_counter()
    try:
        if on_sqlite:
            call_command("migrate", verbosity=0, interactive=False)
        else:
            # test_<name>, created and migrated like the test runner does, dropped afterwards.
            old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set())
        if verbose:
            print(f"(throwaway database ready in {time.perf_counter() - started:.1f} s)")
        _active = True
        yield
    finally:
        _active = False
        if old_config is not None:
            teardown_databases(old_config, verbosity=0)
        else:
            from django.db import connections

            connections.close_all()
        shutil.rmtree(workdir, ignore_errors=True)


def describe_platform() -> list[tuple[str, str]]:
    """What the figures were measured on: database, cache, interpreter, framework versions."""
    import django
    import rest_framework
    from django.conf import settings
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        database = f"PostgreSQL {version} (test database {connection.settings_dict['NAME']})"
    elif connection.vendor == "sqlite":
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version} (temporary file)"
    else:
        database = connection.vendor
    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return [
        ("database", database),
        ("cache", cache),
        (
            "python",
            f"{platform.python_implementation()} {platform.python_version()} on "
            f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        ),
        ("django", f"Django {django.get_version()}, DRF {rest_framework.__version__}"),
        ("load", "{:.2f} {:.2f} {:.2f} (1/5/15 min averages)".format(*os.getloadavg())),
    ]


@dataclass
class Timing:
    """Latencies of one measured scenario, in seconds."""

    samples: list[float] = field(default_factory=list)
    elapsed: float = 0.0  # wall time of the whole loop (includes the harness's own overhead)

    @property
    def iterations(self) -> int:
        return len(self.samples)

    @property
    def per_second(self) -> float:
        return self.iterations / self.elapsed if self.elapsed else 0.0

    def percentile_ms(self, p: float) -> float:
        """Nearest-rank percentile, in milliseconds."""
        ordered = sorted(self.samples)
        if not ordered:
            return 0.0
        rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.samples) * 1000 if self.samples else 0.0


def measure(
    call: Callable[[], object], *, iterations: int, warmup: int, max_seconds: float
) -> Timing:
    """Runs `call` `warmup` times unmeasured, then `iterations` times, timing each call.

    Stops early once `max_seconds` have passed, so a benchmark always ends by itself; the
    number of iterations actually run is reported with the figures.
    """
    for _ in range(warmup):
        call()
    # Start from a clean heap, so collections during the loop are paid for by this scenario's
    # own garbage, not by what an earlier one left behind. (Unlike timeit, the collector stays
    # on: its pauses are part of a server's real latency.)
    gc.collect()
    timing = Timing()
    clock = time.perf_counter
    deadline = clock() + max_seconds
    start = clock()
    for _ in range(iterations):
        before = clock()
        call()
        after = clock()
        timing.samples.append(after - before)
        if after > deadline:
            break
    timing.elapsed = clock() - start
    return timing


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]], *, file=None) -> None:
    """A plain-text table: the first column (the row's name) left-aligned, figures right-aligned."""
    file = file or sys.stdout
    cells = [[str(h) for h in headers]] + [[_cell(v) for v in row] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(headers))]

    def line(values: list[str]) -> str:
        first, *rest = values
        return "  ".join(
            [first.ljust(widths[0]), *(v.rjust(w) for v, w in zip(rest, widths[1:], strict=True))]
        ).rstrip()

    print(line(cells[0]), file=file)
    print("  ".join("-" * w for w in widths), file=file)
    for values in cells[1:]:
        print(line(values), file=file)


def seed_dress_shop(*, name: str, owner_email: str, bot_id: int, token: str, bot_name: str):
    """A French shop with one category of 3 dresses in 3 sizes (stock 5000) and a Telegram bot:
    what the chat benchmarks browse, search and tap. Returns (shop, account)."""
    from catalog.services import category_create, product_create
    from channels_adapters.models import ChannelAccount
    from channels_adapters.signatures import secret_digest
    from shops.services import shop_create

    shop = shop_create(name=name, owner_email=owner_email, language="fr")
    category = category_create(shop=shop, name="Robes")
    for p, colour in enumerate(["rouge", "bleue", "verte"]):
        product_create(
            shop=shop,
            title=f"Robe {colour}",
            category=category,
            variants=[
                {
                    "sku": f"R-{p}-{size}",
                    "name": size,
                    "options": {"size": size},
                    "price": 8990,
                    "stock": 5000,
                }
                for size in ("S", "M", "L")
            ],
        )
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id=str(bot_id),
        name=bot_name,
        credentials={"token": token},
        webhook_secret_digest=secret_digest("unused"),
    )
    return shop, account


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)
