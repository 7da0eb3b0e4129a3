"""A hot query's SQL compiled once per process and database connection, then run with other
values: for the few queries every inbound message makes.

Building and compiling a queryset is most of what a query costs the worker: the conversation's
lookup (three joins, two EXISTS, FOR UPDATE) spent about 4 ms of CPU in the ORM for a 0.3 ms
round trip (docs/performance.md, "worker_cpu"). Its SQL is the same every time; only the values
change. `CompiledQuery` builds the queryset once with example values, keeps Django's compiler
(which knows how to turn rows into model instances, `select_related` and annotations
included) and its SQL, and on each call runs that SQL with the caller's values through
Django's own model iterator. What comes back is exactly what the queryset would return.

The values to substitute are found among the compiled parameters, so each example must be a
value no other part of the query contains (a negative id, an unlikely string) and must reach
the SQL as it is (an exact comparison, not a LIKE pattern Django rewrites): the first call
refuses an example it finds more or less than once.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import QuerySet


class CompiledQuery:
    """`build(**values)` returns the queryset; `examples` are the values it is compiled with.

    conversation_lookup = CompiledQuery(
        lambda channel_id, external_id: Conversation.objects.filter(...),
        channel_id=-7_301, external_id="\\x00external-id",
    )
    rows = conversation_lookup.all(channel_id=5, external_id="4711")
    """

    def __init__(self, build: Callable[..., QuerySet], **examples: Any) -> None:
        self.build = build
        self.examples = examples
        # One compiler per database connection (they are per thread), dropped with it.
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def all(self, using: str = "default", **values: Any) -> list:
        if values.keys() != self.examples.keys():
            raise TypeError(f"expected values for {sorted(self.examples)}, got {sorted(values)}")
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            compiled = self._compile(using, connection)
        queryset, compiler, sql, params, positions = compiled
        bound = list(params)
        for name, index in positions.items():
            bound[index] = values[name]
        run = queryset._chain()
        run.query.get_compiler = lambda *args, **kwargs: compiler
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(bound))
        return list(run)

    def first(self, using: str = "default", **values: Any):
        rows = self.all(using, **values)
        return rows[0] if rows else None

    def _compile(self, using: str, connection):
        queryset = self.build(**self.examples).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = {}
        for name, example in self.examples.items():
            found = [i for i, param in enumerate(params) if param == example]
            if len(found) != 1:
                raise ValueError(
                    f"example {name}={example!r} appears {len(found)} times in the compiled "
                    "parameters: choose a value nothing else in the query has"
                )
            positions[name] = found[0]
        compiled = (queryset, compiler, sql, params, positions)
        with self._lock:
            self._compiled[connection] = compiled
        return compiled
