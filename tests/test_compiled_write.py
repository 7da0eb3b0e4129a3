"""config/compiled_write.py: the worker's INSERTs and UPDATEs, their SQL kept per connection,
store exactly what bulk_create and save(update_fields=…) store, in one statement, compiling
nothing after the first call, and hand over to the ORM wherever they could differ."""

import pytest
from django.db import DatabaseError, connection
from django.db.models import F
from django.db.models.signals import post_save
from django.db.models.sql.compiler import SQLInsertCompiler
from django.test.utils import CaptureQueriesContext

from config import compiled_write
from config.compiled_write import fast_insert, fast_update
from conversations.models import CannedReply, Label
from shops.live_models import LiveEvent

pytestmark = pytest.mark.django_db


def _compile_again(*args, **kwargs):
    raise AssertionError("compiled again")


COLUMNS = ("shop_id", "kind", "data")


def _events(shop, count, tag):
    return [
        LiveEvent(shop_id=shop.pk, kind="message.created", data={"n": i, "tag": tag, "é": [1]})
        for i in range(count)
    ]


@pytest.mark.parametrize("count", [1, 3])
def test_inserted_rows_are_those_bulk_create_stores(shop, count):
    expected = LiveEvent.objects.bulk_create(_events(shop, count, "orm"))
    first = fast_insert(_events(shop, count, "fast"))  # compiles
    later = fast_insert(_events(shop, count, "fast"))  # reuses
    for made in (first, later):
        assert [e.pk for e in made] == sorted(e.pk for e in made)
        assert all(not e._state.adding and e._state.db == "default" for e in made)
        # The database's own clock (db_default), returned and converted as bulk_create does.
        assert [type(e.created_at) for e in made] == [type(e.created_at) for e in expected]
        stored = LiveEvent.objects.filter(pk__in=[e.pk for e in made]).order_by("pk")
        assert [e.created_at for e in stored] == [e.created_at for e in made]
        wanted = [{**e, "data": {**e["data"], "tag": "fast"}} for e in _rows(expected)]
        assert _rows(made) == wanted


def _rows(events):
    return list(
        LiveEvent.objects.filter(pk__in=[e.pk for e in events]).order_by("pk").values(*COLUMNS)
    )


def test_a_large_batch_keeps_the_backends_form_and_is_one_statement_later(shop, monkeypatch):
    count = compiled_write.MAX_VALUES_PARAMETERS // 3 + 1  # Label writes more than 3 columns
    fast_insert([Label(shop=shop, name=f"first {i}") for i in range(count)])
    monkeypatch.setattr(SQLInsertCompiler, "as_sql", _compile_again)
    with CaptureQueriesContext(connection) as queries:
        labels = fast_insert([Label(shop=shop, name=f"second {i}") for i in range(count)])
    assert len(queries) == 1
    if connection.vendor == "postgresql":
        assert "UNNEST" in queries[0]["sql"]  # one array per column, not 65,535 parameters
    stored = dict(Label.objects.filter(name__startswith="second").values_list("pk", "name"))
    assert stored == {label.pk: label.name for label in labels}
    assert len(stored) == count


def test_auto_now_add_is_stamped_on_the_instance_and_in_the_row(shop):
    fast_insert([Label(shop=shop, name="a")])
    labels = fast_insert([Label(shop=shop, name="b"), Label(shop=shop, name="c")])
    for label in labels:
        assert label.created_at is not None
        assert Label.objects.get(pk=label.pk).created_at == label.created_at
    assert [label.colour for label in Label.objects.filter(name__in="bc")] == ["grey", "grey"]


def test_a_later_insert_is_one_statement_and_compiles_nothing(shop, monkeypatch):
    fast_insert(_events(shop, 2, "first"))  # a column left to the database: VALUES rows
    fast_insert([Label(shop=shop, name="a"), Label(shop=shop, name="b")])  # every column

    monkeypatch.setattr(SQLInsertCompiler, "as_sql", _compile_again)
    with CaptureQueriesContext(connection) as queries:
        made = fast_insert(_events(shop, 2, "second"))
        labels = fast_insert([Label(shop=shop, name="c"), Label(shop=shop, name="d")])
    assert len(queries) == 2
    if connection.vendor == "postgresql":
        # A few rows: one VALUES row each, no per-column arrays for psycopg to escape.
        assert ["UNNEST" in query["sql"] for query in queries] == [False, False]
    assert [e.data["tag"] for e in LiveEvent.objects.filter(pk__in=[e.pk for e in made])] == [
        "second",
        "second",
    ]
    assert [Label.objects.get(pk=label.pk).name for label in labels] == ["c", "d"]


def test_a_row_of_another_shape_goes_through_the_orm(shop):
    fast_insert(_events(shop, 1, "x"))
    # A value the database computes: the kept statement cannot carry it.
    event = LiveEvent(shop_id=shop.pk, kind="typing", data={}, created_at="2020-01-02T03:04:05Z")
    fast_insert([event])
    assert LiveEvent.objects.get(pk=event.pk).created_at.year == 2020


def test_an_update_writes_the_named_columns_and_stamps_auto_now(shop):
    reply = CannedReply.objects.create(shop=shop, shortcut="delai", text="Deux jours")
    before = reply.updated_at
    for text in ("Trois jours", "Quatre jours"):  # compiles, then reuses
        reply.text = text
        reply.shortcut = "not-saved"
        fast_update(reply, ["text", "updated_at"])
        stored = CannedReply.objects.get(pk=reply.pk)
        assert (stored.text, stored.shortcut) == (text, "delai")
        assert stored.updated_at == reply.updated_at > before


def test_a_later_update_is_one_statement(shop):
    label = Label.objects.create(shop=shop, name="vip")
    fast_update(label, ["colour"])
    label.colour = "red"
    with CaptureQueriesContext(connection) as queries:
        fast_update(label, ["colour"])
    assert len(queries) == 1
    assert Label.objects.get(pk=label.pk).colour == "red"


def test_updating_a_row_that_is_gone_fails_as_save_does(shop):
    label = Label.objects.create(shop=shop, name="vip")
    fast_update(label, ["name"])
    Label.objects.filter(pk=label.pk).delete()
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        fast_update(label, ["name"])


def test_an_expression_and_a_listened_model_go_through_the_orm(shop):
    label = Label.objects.create(shop=shop, name="vip")
    fast_update(label, ["name"])
    label.name = F("colour")  # computed by the database
    fast_update(label, ["name"])
    assert Label.objects.get(pk=label.pk).name == "grey"

    heard = []

    def listener(sender, instance, update_fields, **kwargs):
        heard.append((instance.pk, sorted(update_fields)))

    post_save.connect(listener, sender=Label)
    try:
        label.name = "vip"
        fast_update(label, ["name"])
    finally:
        post_save.disconnect(listener, sender=Label)
    assert heard == [(label.pk, ["name"])]
