"""Cart writes. Stock is checked, not reserved: reservation happens when checkout starts
(orders/checkout.py)."""

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from catalog.models import Variant
from config.compiled_query import CompiledQuery
from orders.funnel import FunnelSource, funnel_record
from orders.live import cart_announce
from orders.models import Cart, CartLine, FunnelStep
from orders.stock import NotEnoughStock
from shops.models import Shop

MAX_LINE_QUANTITY = 99


# Every add to cart reads the open cart and the variant's line: compiled once per connection
# (config/compiled_query.py). Cart is unordered, so first() orders by pk; CartLine is ordered.
_open_cart = CompiledQuery(
    lambda shop_id, owner_key: Cart.objects.filter(
        shop_id=shop_id, owner_key=owner_key, is_open=True
    ).order_by("pk")[:1],
    shop_id=-7_403_001,
    owner_key="\x00owner-key-example",
)
_line_for_update = CompiledQuery(
    lambda cart_id, variant_id: CartLine.objects.select_for_update().filter(
        cart_id=cart_id, variant_id=variant_id
    )[:1],
    cart_id=-7_403_002,
    variant_id=-7_403_003,
)


def cart_open(*, shop: Shop, owner_key: str) -> Cart:
    cart = _open_cart.first(shop_id=shop.pk, owner_key=owner_key)
    if cart is None:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(shop=shop, owner_key=owner_key)
        except IntegrityError:  # created concurrently
            cart = Cart.objects.get(shop=shop, owner_key=owner_key, is_open=True)
    return cart


def _available(variant: Variant) -> int:
    return MAX_LINE_QUANTITY if not variant.track_stock else min(variant.stock, MAX_LINE_QUANTITY)


@dataclass(frozen=True)
class LineChange:
    line: CartLine | None
    quantity: int


def cart_add(
    *, cart: Cart, variant: Variant, quantity: int, funnel: FunnelSource | None = None
) -> LineChange:
    """Adds `quantity` (the line grows if the variant is already in the cart).
    Raises NotEnoughStock when the cart would hold more than is in stock. `funnel`: the
    conversation it is added for, counted in the dashboard's funnel."""
    with transaction.atomic():
        line = _line_for_update.first(cart_id=cart.pk, variant_id=variant.pk)
        wanted = quantity + (line.quantity if line else 0)
        if wanted > _available(variant):
            raise NotEnoughStock(variant, _available(variant))
        if line is None:
            line = CartLine.objects.create(
                shop_id=cart.shop_id, cart=cart, variant=variant, quantity=wanted
            )
        else:
            line.quantity = wanted
            line.save(update_fields=["quantity"])
        funnel_record(shop_id=cart.shop_id, source=funnel, step=FunnelStep.ADDED_TO_CART)
        cart_announce(shop_id=cart.shop_id, owner_key=cart.owner_key)
        return LineChange(line, wanted)


def cart_line_set_quantity(*, line: CartLine, quantity: int) -> LineChange:
    """0 removes the line."""
    if quantity <= 0:
        line.delete()
        cart_announce(shop_id=line.shop_id, owner_key=line.cart.owner_key)
        return LineChange(None, 0)
    if quantity > _available(line.variant):
        raise NotEnoughStock(line.variant, _available(line.variant))
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    cart_announce(shop_id=line.shop_id, owner_key=line.cart.owner_key)
    return LineChange(line, quantity)
