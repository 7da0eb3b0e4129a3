from dataclasses import dataclass

from orders.models import Cart, CartLine


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
