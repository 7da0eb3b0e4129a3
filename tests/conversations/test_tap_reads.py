"""What a product's "Add to cart" and a size's tap read (conversations/bot.py): each row once,
the product with its variants but without the pictures the question does not show, the cart
once per add. docs/performance.md, "worker_cpu"."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_adapters import messages as m
from conversations.engine.dispatch import respond
from orders.models import CartLine

pytestmark = pytest.mark.django_db

SHOPPER = m.Sender(external_id="42", name="Léa")


def tap(conversation, payload: str):
    with CaptureQueriesContext(connection) as captured:
        reply = respond(conversation, m.ButtonPressed(sender=SHOPPER, payload=payload))
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
    statements = [q["sql"] for q in captured if not q["sql"].startswith(control)]
    return reply, statements


def selects(statements) -> list[str]:
    """The tables the catalog's and the cart's reads start from, in order (the conversation's
    own reads are not this test's)."""
    tables = [
        sql.split(" FROM ", 1)[1].split()[0].strip('"')
        for sql in statements
        if sql.startswith("SELECT")
    ]
    return [table for table in tables if table.startswith(("catalog_", "orders_"))]


def test_a_size_is_asked_then_added_reading_each_row_once(conversation, catalog):
    reply, statements = tap(conversation, f"p:{catalog['dress'].pk}")
    sizes = {o.title: o.payload for o in reply.messages[-1].options}
    assert list(sizes) == ["Rouge 38", "Rouge 40"]
    # The product and its variants; no images (the card is on screen already).
    assert selects(statements) == ["catalog_product", "catalog_variant"], statements

    reply, statements = tap(conversation, sizes["Rouge 40"])
    assert "1 x Robe portefeuille rouge (Rouge 40)" in reply.messages[-1].text
    assert CartLine.objects.get().quantity == 1
    # The variant with its product, the open cart once (created here), the line to grow,
    # the cart's lines for the total.
    assert selects(statements) == [
        "catalog_variant",
        "orders_cart",
        "orders_cartline",
        "orders_cartline",
    ], statements

    # The same size again: the line grows, and the size already remembered is not written.
    reply, statements = tap(conversation, sizes["Rouge 40"])
    assert CartLine.objects.get().quantity == 2
    assert not [sql for sql in statements if sql.startswith('UPDATE "conversations_customer"')]


def test_a_single_variant_is_added_without_reading_it_again(conversation, catalog):
    reply, statements = tap(conversation, f"p:{catalog['shirt'].pk}")
    assert "1 x Chemise blanche (Unique)" in reply.messages[-1].text
    assert selects(statements) == [
        "catalog_product",
        "catalog_variant",
        "orders_cart",
        "orders_cartline",
        "orders_cartline",
    ], statements
