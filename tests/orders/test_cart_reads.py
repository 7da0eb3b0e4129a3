"""The cart's reads on every add to cart, compiled once (orders/services.py, selectors.py on
config/compiled_query.py): each shop's cart is its own, a second add grows the line, and the
cart's lines come in order with what the bot shows loaded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import product_create
from orders.models import Cart
from orders.selectors import cart_line_for, cart_view
from orders.services import cart_add, cart_open

pytestmark = pytest.mark.django_db


def _variants(shop, title):
    product = product_create(
        shop=shop,
        title=title,
        variants=[
            {"sku": f"{title}-{size}", "name": size, "price": 1000 + n, "stock": 5}
            for n, size in enumerate(("S", "M"))
        ],
    )
    return list(product.variants.order_by("id"))


def test_each_shop_opens_its_own_cart_for_the_same_key(shop, other_shop):
    mine = cart_open(shop=shop, owner_key="customer:1")
    theirs = cart_open(shop=other_shop, owner_key="customer:1")
    assert mine.pk != theirs.pk
    assert (mine.shop_id, theirs.shop_id) == (shop.pk, other_shop.pk)
    assert cart_open(shop=shop, owner_key="customer:1").pk == mine.pk
    assert cart_open(shop=shop, owner_key="customer:2").pk not in (mine.pk, theirs.pk)
    Cart.objects.filter(pk=mine.pk).update(is_open=False)  # checked out
    assert cart_open(shop=shop, owner_key="customer:1").pk not in (mine.pk, theirs.pk)


def test_adding_twice_grows_the_line_and_the_view_lists_lines_in_order(shop, other_shop):
    small, medium = _variants(shop, "Robe")
    cart = cart_open(shop=shop, owner_key="customer:1")
    other_cart = cart_open(shop=other_shop, owner_key="customer:1")
    cart_add(cart=other_cart, variant=_variants(other_shop, "Robe")[0], quantity=1)

    cart_add(cart=cart, variant=medium, quantity=1)
    cart_add(cart=cart, variant=small, quantity=2)
    assert cart_add(cart=cart, variant=medium, quantity=2).quantity == 3

    view = cart_view(cart=cart)
    with CaptureQueriesContext(connection) as read:
        lines = [
            (line.variant.name, line.variant.product.title, line.quantity) for line in view.lines
        ]
    assert len(read) == 0
    assert lines == [("M", "Robe", 3), ("S", "Robe", 2)]
    assert (view.item_count, view.total) == (5, 3 * 1001 + 2 * 1000)

    first = view.lines[0]
    assert cart_line_for(cart=cart, line_id=first.pk).variant.name == "M"
    # Another cart's line is not found through this cart.
    assert cart_line_for(cart=other_cart, line_id=first.pk) is None
    assert cart_line_for(cart=cart, line_id=2**64) is None
    assert cart_view(cart=other_cart).item_count == 1
