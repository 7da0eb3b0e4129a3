"""Database helpers of the analytics: a median computed by the database, and PostgreSQL's
JIT compiler kept out of the page's queries."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Aggregate, Count, FloatField, Q, QuerySet


@contextmanager
def without_jit() -> Iterator[None]:
    """The analytics' correlated subqueries are cheap when run (an index probe per row) but
    estimated dear, which makes PostgreSQL JIT-compile them: 300 to 550 ms of compiling for
    queries that run in 20 to 80 ms (bench/inbox_overview.py). Off for this transaction only."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
        yield


class MedianSeconds(Aggregate):
    """PostgreSQL's median of an interval expression, in seconds."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM %(expressions)s))"
    output_field = FloatField()


def medians(queryset: QuerySet, field: str, groups: dict[str, Q]) -> dict[str, float | None]:
    """The median computed by the database: `percentile_cont` on PostgreSQL; elsewhere (SQLite
    in development) a count and the middle one or two rows in order, without loading the rows.
    {group: median of `field` (a duration annotation) in seconds, None without rows} for
    each group of rows of `queryset` (a Q each)."""
    if connection.vendor == "postgresql":
        found = queryset.aggregate(
            **{name: MedianSeconds(field, filter=where) for name, where in groups.items()}
        )
        return {name: found[name] for name in groups}
    counts = queryset.aggregate(
        **{name: Count("pk", filter=where) for name, where in groups.items()}
    )
    result: dict[str, float | None] = {}
    for name, where in groups.items():
        n = counts[name]
        # Asked even without rows, so the page's query count does not depend on its data.
        middle = list(
            queryset.filter(where)
            .order_by(field, "pk")
            .values_list(field, flat=True)[max(n - 1, 0) // 2 : n // 2 + 1]
        )
        seconds = [_seconds(value) for value in middle]
        result[name] = sum(seconds) / len(seconds) if seconds else None
    return result


def _seconds(value) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000
