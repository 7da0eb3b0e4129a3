"""The shopper's details a payment page collected, written on the order it pays: the test
provider's page before it charges the card (payments/pay_page.py), Stripe Checkout once Stripe
took the money (payments/collected.py), as a Telegram invoice's pre-checkout does.

What the order already has wins: a detail is never asked twice, so never overwritten either.
A delivery option chosen on the page sets the shipping cost and the total.
"""

from orders.models import Order, ShippingRate


def order_details_fill(
    *,
    order: Order,
    contact_name: str = "",
    contact_phone: str = "",
    shipping_address: dict | None = None,
    shipping_rate: ShippingRate | None = None,
    shipping_method: str = "",
    shipping_total: int | None = None,
) -> list[str]:
    """Fills what `order` lacks and saves it; returns the fields it changed. The caller holds
    the order's row lock in its own transaction. `shipping_method` and `shipping_total`: the
    option's name and cost as the page showed and charged them (default: the rate's, for the
    order's goods); a delivery option is recorded only on an order that has none."""
    given = {
        "contact_name": contact_name.strip(),
        "contact_phone": contact_phone.strip(),
        "shipping_address": shipping_address or {},
    }
    changed = [name for name, value in given.items() if value and not getattr(order, name)]
    for name in changed:
        setattr(order, name, given[name])
    chosen = shipping_rate is not None or shipping_method
    if chosen and order.shipping_rate_id is None and not order.shipping_method:
        order.shipping_rate = shipping_rate
        order.shipping_method = shipping_method or shipping_rate.name
        if shipping_total is None:
            shipping_total = shipping_rate.cost_for(order.subtotal) if shipping_rate else 0
        order.shipping_total = shipping_total
        order.total = order.subtotal + shipping_total
        changed += ["shipping_rate", "shipping_method", "shipping_total", "total"]
    if changed:
        order.save(update_fields=[*changed, "updated_at"])
    return changed
