"""What the dashboard's open pages hear about carts and orders (shops/live.py): the inbox's
sidebar shows the shopper's cart and orders as they change."""

from shops.live import live_event

CUSTOMER_CART = "customer:"


def cart_announce(*, shop_id: int, owner_key: str = "", customer_id: int | None = None) -> None:
    """cart.updated for the customer whose cart (`owner_key` "customer:<id>") or checkout
    (`customer_id`) changed; carts of nobody the shop knows are not shown anywhere."""
    if customer_id is None and owner_key.startswith(CUSTOMER_CART):
        rest = owner_key[len(CUSTOMER_CART) :]
        customer_id = int(rest) if rest.isdigit() else None
    if customer_id is None:
        return
    live_event(shop_id=shop_id, kind="cart.updated", data={"customer_id": customer_id})


def order_announce(order, event_type: str) -> None:
    live_event(
        shop_id=order.shop_id,
        kind="order.updated",
        data={"order_id": order.pk, "customer_id": order.customer_id, "type": event_type},
    )
