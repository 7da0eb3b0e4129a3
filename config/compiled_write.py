"""The worker's hot writes with their SQL built once per process and database connection: what
`bulk_create` and `save(update_fields=…)` do, without rebuilding the same statement for every
message.

Every inbound message stores rows of the same few shapes (the shopper's message and the
replies, the replies' outbound rows, the inbox's live events) and updates the same columns
(the conversation's state, an outbound row once sent). Django assembles each statement from
scratch: `bulk_create` of three messages costs about 1.2 ms of CPU here against 0.35 ms for the
same INSERT sent as it is (docs/performance.md, "Issue 12, third pass"). The statement only
depends on the model, the columns and the number of rows, so it is built by Django once, with
the first call's rows, and kept; later calls only compute the values, with the fields' own
`pre_save` and `get_db_prep_save`, as Django's compiler does.

Both stay what the ORM call was, for the rows they write: `fast_insert` behaves as
`bulk_create` for new instances (the primary keys set from RETURNING, the instances marked
saved; no signals, as `bulk_create` sends none), `fast_update` as `save(update_fields=…)`
(`auto_now` columns stamped, an error when no row matched). Whenever the fast path could
differ, they hand over to the ORM call itself: a model someone listens to for saves (the
process caches do), an instance that already has a primary key, a field with its own SQL
placeholder, a value that is an SQL expression.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import DatabaseError, connections
from django.db.models import AutoField, Model
from django.db.models.expressions import DatabaseDefault
from django.db.models.signals import post_save, pre_save
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLInsertCompiler

# Above this many values an INSERT keeps the backend's own form (PostgreSQL: one array per
# column): a statement has at most 65,535 parameters, and few rows per statement is the hot case.
MAX_VALUES_PARAMETERS = 1_000

_lock = threading.Lock()
# connection -> {(model, row count): _Insert} for INSERTs, {(model, columns): (sql, fields)}
# for UPDATEs. Connections are per thread; their statements go with them.
_inserts: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_updates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _observed(model: type[Model]) -> bool:
    """Someone reacts to this model's saves: only the ORM's save sends what they expect."""
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def _statements(store: weakref.WeakKeyDictionary, connection) -> dict:
    statements = store.get(connection)
    if statements is None:
        with _lock:
            statements = store.setdefault(connection, {})
    return statements


def _prepared(field, value, connection):
    if hasattr(value, "resolve_expression"):
        raise _NotPlain
    return field.get_db_prep_save(value, connection=connection)


class _NotPlain(Exception):
    """A value is an SQL expression (F(), Now()…): the ORM compiles it."""


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: list
    # Per field: left to the database (db_default, written DEFAULT, no parameter).
    defaults: tuple[bool, ...]
    # PostgreSQL sends several rows as one array per column (INSERT … SELECT * FROM UNNEST).
    by_column: bool
    compiler: object  # turns RETURNING values into Python ones, as Django does
    converters: dict


def fast_insert(objs: Sequence[Model], using: str = "default") -> list[Model]:
    """`Model.objects.bulk_create(objs)` for new instances of one model, one statement."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    connection = connections[using]
    if (
        _observed(model)
        or not connection.features.can_return_rows_from_bulk_insert
        or any(type(obj) is not model or obj.pk is not None for obj in objs)
    ):
        return model._default_manager.db_manager(using).bulk_create(objs)
    statements = _statements(_inserts, connection)
    insert = statements.get((model, len(objs)))
    if insert is None:
        return _insert_first(objs, connection, statements, using)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    try:
        rows = [_row_params(insert, obj, connection) for obj in objs]
    except _NotPlain:
        return model._default_manager.db_manager(using).bulk_create(objs)
    if insert.by_column:
        params = [list(column) for column in zip(*rows, strict=True)]
    else:
        params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(insert.sql, params)
        returned = cursor.fetchall()
    if insert.converters:
        returned = list(insert.compiler.apply_converters(returned, insert.converters))
    _mark_saved(objs, returned, using)
    return objs


def _row_params(insert: _Insert, obj: Model, connection) -> list:
    params = []
    for field, default in zip(insert.fields, insert.defaults, strict=True):
        value = field.pre_save(obj, True)
        if isinstance(value, DatabaseDefault) != default:
            raise _NotPlain  # not the statement's shape: the ORM builds another
        if not default:
            params.append(_prepared(field, value, connection))
    return params


def _insert_first(objs, connection, statements, using) -> list[Model]:
    """Django compiles the statement with these rows; it runs, and is kept if it is plain."""
    model = type(objs[0])
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoField)]
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    query = InsertQuery(model)
    query.insert_values(fields, objs)
    compiler = query.get_compiler(using=using)
    compiler.returning_fields = opts.db_returning_fields
    if len(objs) * len(fields) <= MAX_VALUES_PARAMETERS:
        # One row of parameters per instance (VALUES), not one array per column (PostgreSQL's
        # UNNEST): the statement is kept per number of rows and prepared by psycopg, so
        # UNNEST's saving (planning) is had anyway, while its arrays are escaped value by value
        # in Python (more than half the worker's parameter dumping, docs/performance.md).
        compiler.assemble_as_sql = functools.partial(SQLInsertCompiler.assemble_as_sql, compiler)
    (sql, params), *more = compiler.as_sql()  # pre_save has stamped the instances
    patterns = {
        tuple(isinstance(getattr(obj, f.attname), DatabaseDefault) for f in fields) for obj in objs
    }
    same_shape = len(patterns) == 1  # every row leaves the same columns to the database
    defaults = patterns.pop() if same_shape else ()
    written = len(fields) - sum(defaults)
    count = len(objs)
    by_rows = len(params) == count * written and sql.count("%s") == len(params)
    by_column = (
        count > 1
        and not any(defaults)
        and len(params) == written
        and sql.count("%s") == written
        and all(isinstance(param, list) and len(param) == count for param in params)
    )
    plain = (
        not more
        and same_shape
        and (by_rows or by_column)
        and not any(hasattr(field, "get_placeholder") for field in fields)
    )
    cols = [field.get_col(opts.db_table) for field in opts.db_returning_fields]
    converters = compiler.get_converters(cols)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if converters:
        rows = list(compiler.apply_converters(rows, converters))
    if plain:
        insert = _Insert(sql, fields, defaults, by_column, compiler, converters)
        with _lock:
            statements[(model, count)] = insert
    _mark_saved(objs, rows, using)
    return objs


def _mark_saved(objs, rows, using) -> None:
    returning = type(objs[0])._meta.db_returning_fields
    for obj, row in zip(objs, rows, strict=True):
        for field, value in zip(returning, row, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using


def fast_update(obj: Model, update_fields: Sequence[str], using: str = "default") -> None:
    """`obj.save(update_fields=update_fields)` by primary key, one statement."""
    model = type(obj)
    connection = connections[using]
    if _observed(model) or obj.pk is None:
        obj.save(update_fields=update_fields, using=using)
        return
    statements = _statements(_updates, connection)
    key = (model, tuple(update_fields))
    known = statements.get(key)
    if known is None:
        opts = model._meta
        fields = [opts.get_field(name) for name in update_fields]
        if any(not f.concrete or f.primary_key or hasattr(f, "get_placeholder") for f in fields):
            obj.save(update_fields=update_fields, using=using)
            return
        quote = connection.ops.quote_name
        # Names are the model's own, quoted by the backend; every value is a parameter.
        sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(opts.db_table),
            ", ".join(f"{quote(field.column)} = %s" for field in fields),
            quote(opts.pk.column),
        )
        known = (sql, fields)
        with _lock:
            statements[key] = known
    sql, fields = known
    obj._prepare_related_fields_for_save(operation_name="save")
    try:
        params = [_prepared(field, field.pre_save(obj, False), connection) for field in fields]
    except _NotPlain:
        obj.save(update_fields=update_fields, using=using)
        return
    params.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.rowcount
    if not updated:
        # As save(update_fields=…) says it.
        raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = using
