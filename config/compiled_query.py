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
refuses an example it finds more or less than once. A list (`IN (…)`) cannot be an example:
its length changes the SQL.

`prefetch_related` on the compiled queryset: a lookup that follows one reverse foreign key
(`"variants"`, or `Prefetch("variants", queryset=…)` without `to_attr`) is compiled too, its
`IN (…)` once per number of parents (up to `MAX_PREFETCH_COMPILED`; more go through Django),
and its rows are put where Django's prefetch puts them (the parent's prefetch cache, each
child's foreign key cache), so `product.variants.all()` reads them without a query, as it would
have. A queryset with any other lookup (nested, `to_attr`, many-to-many, forward) has all its
lookups prefetched by Django after the compiled query, exactly as the queryset would.
`CompiledPrefetch` does the same for instances fetched otherwise (a search whose SQL changes
with the shopper's words).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from django.db import connections
from django.db.models import IntegerField, Model, Prefetch, QuerySet, prefetch_related_objects
from django.db.models.constants import LOOKUP_SEP
from django.db.models.fields.related_descriptors import (
    ReverseManyToOneDescriptor,
    _filter_prefetch_queryset,
)

# The ids a bigint column holds. Django answers a lookup of an id outside it with no row; raw
# SQL would fail on it (PostgreSQL) or overflow (SQLite): callers substituting an id they were
# handed check it is `in BIGINT` first.
BIGINT = range(-(2**63), 2**63)
# Parents one compiled prefetch serves at most: an IN list is compiled once per length, and a
# bot's page shows ten or so products. Longer lists are rare and go through Django.
MAX_PREFETCH_COMPILED = 50
# The IN list's example values: ids no row has (negative), counted down from here.
_IN_EXAMPLE = -7_919_000_000_001


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
        queryset, compiler, sql, params, positions, prefetches = compiled
        bound = list(params)
        for name, index in positions.items():
            bound[index] = values[name]
        run = queryset._chain()
        run.query.get_compiler = lambda *args, **kwargs: compiler
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(bound))
        rows = list(run)
        for prefetch in prefetches:
            prefetch.run(rows, using)
        return rows

    def first(self, using: str = "default", **values: Any):
        rows = self.all(using, **values)
        return rows[0] if rows else None

    def _compile(self, using: str, connection):
        queryset = self.build(**self.examples).using(using)
        prefetches = _compiled_prefetches(queryset.model, queryset._prefetch_related_lookups)
        if prefetches:
            # Run after the rows by `all()`; the queryset itself prefetches nothing.
            queryset = queryset.prefetch_related(None)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        _converters_memoized(compiler)
        positions = _positions(params, self.examples)
        compiled = (queryset, compiler, sql, params, positions, prefetches)
        with self._lock:
            self._compiled[connection] = compiled
        return compiled


class CompiledPrefetch:
    """`prefetch_related` for instances already fetched, compiled as CompiledQuery compiles its
    own: `build()` returns a queryset of their model whose lookups are prefetched (each must
    follow one reverse foreign key, see the module's docstring; others are refused).

    product_prefetch = CompiledPrefetch(lambda: Product.objects.prefetch_related("variants"))
    product_prefetch.run(products)  # as list(queryset.prefetch_related("variants")) would
    """

    def __init__(self, build: Callable[[], QuerySet]) -> None:
        self.build = build
        self._compiled: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def run(self, instances: list[Model], using: str = "default") -> None:
        connection = connections[using]
        prefetches = self._compiled.get(connection)
        if prefetches is None:
            queryset = self.build()
            lookups = queryset._prefetch_related_lookups
            prefetches = _compiled_prefetches(queryset.model, lookups)
            if not prefetches:
                raise ValueError(
                    f"{lookups!r}: only lookups along one reverse foreign key are compiled"
                )
            with self._lock:
                self._compiled[connection] = prefetches
        for prefetch in prefetches:
            prefetch.run(instances, using)


def _converters_memoized(compiler) -> None:
    """Django works out the columns' converters (JSON decoding, time zones…) each time it reads
    rows, walking every selected expression: for a compiled query they never change, and the
    walk cost as much as a short query's round trip (docs/performance.md, eighth pass)."""
    compute = compiler.get_converters
    memo: dict[tuple[int, ...], dict] = {}

    def get_converters(expressions):
        key = tuple(map(id, expressions))
        converters = memo.get(key)
        if converters is None:
            converters = memo[key] = compute(expressions)
        return converters

    compiler.get_converters = get_converters


def _positions(params, examples: dict[str, Any]) -> dict[str, int]:
    positions = {}
    for name, example in examples.items():
        found = [i for i, param in enumerate(params) if param == example]
        if len(found) != 1:
            raise ValueError(
                f"example {name}={example!r} appears {len(found)} times in the compiled "
                "parameters: choose a value nothing else in the query has"
            )
        positions[name] = found[0]
    return positions


def _compiled_prefetches(model, lookups) -> list[_ReversePrefetch]:
    """The lookups compiled, in their order; [] when any of them is not one CompiledQuery can
    compile (then Django prefetches them all, as the queryset would)."""
    prefetches = []
    for lookup in lookups:
        prefetch = _ReversePrefetch.of(model, lookup)
        if prefetch is None or any(p.to == prefetch.to for p in prefetches):
            return []
        prefetches.append(prefetch)
    return prefetches


class _ReversePrefetch:
    """One prefetch lookup along a reverse foreign key (a product's variants), compiled per
    connection and per number of parents; run on parents as Django's prefetch_one_level runs
    it: the same query (the lookup's queryset filtered `<fk>__in` the parents, joins reused),
    the same caches filled."""

    def __init__(self, lookup: Prefetch, field) -> None:
        self.lookup = lookup
        self.to = lookup.prefetch_to
        self.field = field  # the child's foreign key (Variant.product)
        self.target = field.target_field.attname  # the parent's column it holds (id)
        self.cache_name = field.remote_field.cache_name
        self.base = (
            lookup.queryset
            if lookup.queryset is not None
            else field.model._default_manager.get_queryset()
        )
        self._by_length: dict[int, CompiledQuery] = {}

    @classmethod
    def of(cls, model, lookup) -> _ReversePrefetch | None:
        if not isinstance(lookup, Prefetch):
            lookup = Prefetch(lookup)
        if LOOKUP_SEP in lookup.prefetch_through or lookup.to_attr:
            return None
        descriptor = getattr(model, lookup.prefetch_through, None)
        if type(descriptor) is not ReverseManyToOneDescriptor:
            return None
        field = descriptor.rel.field
        if len(field.foreign_related_fields) != 1 or not isinstance(
            field.target_field, IntegerField
        ):
            return None
        queryset = lookup.queryset
        if queryset is not None and (
            queryset.query.is_sliced or queryset._prefetch_related_lookups
        ):
            return None
        if field.model._default_manager.get_queryset()._prefetch_related_lookups:
            return None
        return cls(lookup, field)

    def _query(self, length: int) -> CompiledQuery:
        query = self._by_length.get(length)
        if query is None:

            def build(**values):
                # As the related manager's get_prefetch_querysets() builds it.
                return _filter_prefetch_queryset(
                    self.base._chain(), self.field.name, list(values.values())
                )

            examples = {f"v{i}": _IN_EXAMPLE - i for i in range(length)}
            query = self._by_length[length] = CompiledQuery(build, **examples)
        return query

    def run(self, instances: list[Model], using: str) -> None:
        parents = []
        for instance in instances:
            if not hasattr(instance, "_prefetched_objects_cache"):
                instance._prefetched_objects_cache = {}
            # Already prefetched (the same instance twice, or prefetched before): left as is.
            if self.cache_name not in instance._prefetched_objects_cache:
                parents.append(instance)
        if not parents:
            return
        by_value: dict[Any, Model] = {}
        for parent in parents:
            # The same id twice: the last instance is the children's parent, as in Django.
            by_value[getattr(parent, self.target)] = parent
        if len(by_value) > MAX_PREFETCH_COMPILED:
            prefetch_related_objects(parents, self.lookup)
            return
        values = {f"v{i}": value for i, value in enumerate(by_value)}
        children = self._query(len(values)).all(using, **values)
        groups: dict[Any, list[Model]] = {}
        field = self.field
        for child in children:
            value = getattr(child, field.attname)
            if not field.is_cached(child):
                field.set_cached_value(child, by_value[value])
            groups.setdefault(value, []).append(child)
        for parent in parents:
            manager = getattr(parent, self.to)
            if self.lookup.queryset is not None:
                rows = manager._apply_rel_filters(self.lookup.queryset)
            else:
                rows = manager.get_queryset()
            rows._result_cache = groups.get(getattr(parent, self.target), [])
            rows._prefetch_done = True
            parent._prefetched_objects_cache[self.cache_name] = rows
