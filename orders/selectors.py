from dataclasses import dataclass, field

from catalog.models import Variant
from orders.models import Cart, CartLine, Order, ShippingRate
from orders.transitions import OrderStatus, PaymentStatus


@dataclass(frozen=True)
class CartView:
    cart: Cart
    lines: list[CartLine]

    @property
    def total(self) -> int:
        return sum(line.variant.price * line.quantity for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def cart_view(*, cart: Cart) -> CartView:
    lines = list(
        CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("id")
    )
    return CartView(cart, lines)


def cart_line_for(*, cart: Cart, line_id: int) -> CartLine | None:
    return CartLine.objects.filter(cart=cart, pk=line_id).select_related("variant").first()


def shipping_rates(*, shop):
    return ShippingRate.objects.for_shop(shop).filter(is_active=True).order_by("position", "id")


def last_paid_order(*, shop, customer) -> Order | None:
    return (
        Order.objects.for_shop(shop)
        .filter(
            customer=customer,
            payment_status=PaymentStatus.PAID,
            status__in=[OrderStatus.CONFIRMED, OrderStatus.COMPLETED],
        )
        .select_related("shipping_rate")
        .prefetch_related("lines")
        .order_by("-paid_at", "-id")
        .first()
    )


@dataclass(frozen=True)
class ReorderChange:
    kind: str  # "gone" (no longer sold or not enough left) or "price"
    item: str
    old_price: int = 0
    new_price: int = 0


@dataclass(frozen=True)
class ReorderQuote:
    """The last paid order priced as of now: what "OK" would buy and charge."""

    order: Order
    lines: list[tuple[Variant, int]]  # what can be bought again
    items: list[tuple[str, int]]  # (title, quantity) as shown to the shopper
    total: int
    changes: list[ReorderChange] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return bool(self.lines) and not self.changes


def reorder_quote(*, shop, customer) -> ReorderQuote | None:
    order = last_paid_order(shop=shop, customer=customer)
    if order is None:
        return None
    lines = list(order.lines.all())
    variants = Variant.objects.for_shop(shop).select_related("product")
    variants = variants.in_bulk([line.variant_id for line in lines if line.variant_id])
    buyable, items, changes = [], [], []
    for line in lines:
        title = (
            f"{line.product_title} ({line.variant_name})"
            if line.variant_name
            else line.product_title
        )
        variant = variants.get(line.variant_id)
        if (
            variant is None
            or not variant.product.active
            or (variant.track_stock and variant.stock < line.quantity)
        ):
            changes.append(ReorderChange("gone", title))
            continue
        if variant.price != line.unit_price:
            changes.append(ReorderChange("price", title, line.unit_price, variant.price))
        buyable.append((variant, line.quantity))
        items.append((title, line.quantity))
    subtotal = sum(variant.price * quantity for variant, quantity in buyable)
    rate = order.shipping_rate if order.shipping_rate and order.shipping_rate.is_active else None
    shipping = rate.cost_for(subtotal) if rate else order.shipping_total
    return ReorderQuote(order, buyable, items, subtotal + shipping, changes)
