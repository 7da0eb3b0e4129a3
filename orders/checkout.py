"""Checkout: reserve the cart's stock, collect who and where, place the order.

checkout_start    reserves every cart line (all or nothing) for SOUK_RESERVATION_MINUTES;
                  starting again re-reserves what the cart holds now.
checkout_update   contact, address, shipping rate (what the bot collects).
checkout_cancel   gives the stock back.
checkout_complete places the order: numbered, lines snapshotted, totals in minor units;
                  completing the same checkout twice returns the same order.

Each is one short transaction; none calls a payment provider.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from orders import stock
from orders.events import order_event
from orders.funnel import FunnelSource, funnel_record
from orders.live import cart_announce
from orders.models import (
    Cart,
    CartLine,
    Checkout,
    CheckoutStatus,
    FunnelStep,
    Order,
    OrderCounter,
    OrderLine,
    ReservationState,
    ShippingRate,
    StockReservation,
)


class CheckoutError(Exception):
    """The checkout cannot go on; the message says why, for the shopper or the API."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


class EmptyCart(CheckoutError):
    def __init__(self):
        super().__init__("The cart is empty.", code="empty_cart")


class CheckoutClosed(CheckoutError):
    def __init__(self, checkout: Checkout):
        super().__init__(f"This checkout is {checkout.status}.", code=f"checkout_{checkout.status}")


class MissingDetails(CheckoutError):
    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__("Missing: " + ", ".join(missing) + ".", code="missing_details")


@dataclass(frozen=True)
class Totals:
    subtotal: int
    shipping: int

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping


def _reservation_window() -> timedelta:
    return timedelta(minutes=settings.SOUK_RESERVATION_MINUTES)


def checkout_start(
    *, cart: Cart, customer=None, channel=None, funnel: FunnelSource | None = None, **details
) -> Checkout:
    """Reserves the cart's stock. Raises EmptyCart, or stock.NotEnoughStock (nothing
    reserved). `details` prefill contact_name, contact_phone, shipping_address,
    shipping_rate (what we remember of the shopper). `funnel`: the conversation checking
    out, counted in the dashboard's funnel."""
    with transaction.atomic():
        lines = list(
            CartLine.objects.filter(cart=cart).select_related("variant__product").order_by("id")
        )
        if not lines:
            raise EmptyCart
        checkout = (
            Checkout.objects.select_for_update()
            .filter(cart=cart, status=CheckoutStatus.OPEN)
            .first()
        )
        if checkout is not None:
            stock.give_back(list(checkout.reservations.filter(state=ReservationState.HELD)))
        else:
            checkout = Checkout(
                shop_id=cart.shop_id,
                cart=cart,
                customer=customer,
                channel=channel,
                currency=cart.shop.currency,
                **details,
            )
        checkout.expires_at = timezone.now() + _reservation_window()
        checkout.save()
        wants = [stock.Want(line.variant, line.quantity) for line in lines]
        taken = stock.take(wants)
        StockReservation.objects.bulk_create(
            StockReservation(
                shop_id=cart.shop_id,
                checkout=checkout,
                variant=want.variant,
                quantity=want.quantity,
                unit_price=want.variant.price,
                from_stock=from_stock,
            )
            for want, from_stock in taken
        )
        funnel_record(shop_id=cart.shop_id, source=funnel, step=FunnelStep.CHECKOUT_STARTED)
        cart_announce(
            shop_id=cart.shop_id, owner_key=cart.owner_key, customer_id=checkout.customer_id
        )
    return checkout


FIELDS = ("contact_name", "contact_phone", "shipping_address", "shipping_rate")


def checkout_update(*, checkout: Checkout, **changes) -> Checkout:
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise TypeError(f"checkout_update: unknown fields {sorted(unknown)}")
    if checkout.status != CheckoutStatus.OPEN:
        raise CheckoutClosed(checkout)
    rate = changes.get("shipping_rate")
    if rate is not None and (rate.shop_id != checkout.shop_id or not rate.is_active):
        raise CheckoutError("That shipping option is not available.", code="shipping_rate")
    for name, value in changes.items():
        setattr(checkout, name, value)
    checkout.save(update_fields=[*changes, "updated_at"])
    return checkout


def checkout_cancel(*, checkout: Checkout) -> None:
    with transaction.atomic():
        locked = Checkout.objects.select_for_update().get(pk=checkout.pk)
        if locked.status != CheckoutStatus.OPEN:
            return
        stock.give_back(list(locked.reservations.filter(state=ReservationState.HELD)))
        locked.status = checkout.status = CheckoutStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        cart_announce(shop_id=locked.shop_id, customer_id=locked.customer_id)


def held_reservations(checkout: Checkout) -> list[StockReservation]:
    return list(
        checkout.reservations.filter(state=ReservationState.HELD).select_related("variant__product")
    )


def checkout_totals(checkout: Checkout, reservations: list[StockReservation]) -> Totals:
    subtotal = sum(r.unit_price * r.quantity for r in reservations)
    rate = checkout.shipping_rate
    return Totals(subtotal, rate.cost_for(subtotal) if rate else 0)


def missing_details(checkout: Checkout, *, rates_exist: bool) -> list[str]:
    """What must still be asked before the order can be placed, in the order to ask it."""
    missing = []
    if not checkout.contact_name.strip():
        missing.append("contact_name")
    if not checkout.contact_phone.strip():
        missing.append("contact_phone")
    if rates_exist and checkout.shipping_rate is None:
        missing.append("shipping_rate")
    needs_address = checkout.shipping_rate is None or checkout.shipping_rate.needs_address
    if needs_address and not checkout.shipping_address:
        missing.append("shipping_address")
    return missing


def _next_order_number(shop_id: int) -> int:
    """One atomic UPSERT: the row lock it takes is held to the end of this short transaction,
    so numbers are handed out in order, never twice (PostgreSQL, and SQLite ≥ 3.35)."""
    table = connection.ops.quote_name(OrderCounter._meta.db_table)
    sql = (
        f"INSERT INTO {table} (shop_id, last_number) VALUES (%s, 1001) "  # noqa: S608
        f"ON CONFLICT (shop_id) DO UPDATE SET last_number = {table}.last_number + 1 "
        "RETURNING last_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [shop_id])
        return cursor.fetchone()[0]


def checkout_complete(*, checkout: Checkout, require_details: bool = True, actor=None) -> Order:
    """Places the order for this checkout, or returns the one already placed. The stock stays
    reserved for the unpaid order until the checkout's expiry. `require_details=False` when
    the payment page collects them (a Telegram invoice asks for name, phone and address).
    `actor`: the person who placed it for the shopper (an agent's payment request), for the
    order's timeline."""
    with transaction.atomic():
        active_rates = ShippingRate.objects.filter(shop_id=OuterRef("shop_id"), is_active=True)
        locked = (
            Checkout.objects.select_for_update(of=("self",))
            # The order already placed for it (reverse one-to-one) and whether the shop has
            # shipping rates, in the query that locks it: two queries fewer.
            .select_related("shop", "shipping_rate", "channel", "order")
            .annotate(rates_exist=Exists(active_rates))
            .get(pk=checkout.pk)
        )
        existing = getattr(locked, "order", None)
        if existing is not None:
            return existing
        if locked.status != CheckoutStatus.OPEN:
            raise CheckoutClosed(locked)
        reservations = held_reservations(locked)
        if not reservations:
            raise EmptyCart
        if require_details:
            missing = missing_details(locked, rates_exist=locked.rates_exist)
            if missing:
                raise MissingDetails(missing)
        totals = checkout_totals(locked, reservations)
        rate = locked.shipping_rate
        order = Order.objects.create(
            shop=locked.shop,
            number=_next_order_number(locked.shop_id),
            checkout=locked,
            customer_id=locked.customer_id,
            channel_id=locked.channel_id,
            channel_kind=locked.channel.kind if locked.channel else "",
            currency=locked.currency,
            subtotal=totals.subtotal,
            shipping_total=totals.shipping,
            total=totals.total,
            contact_name=locked.contact_name,
            contact_phone=locked.contact_phone,
            shipping_address=locked.shipping_address,
            shipping_rate=rate,
            shipping_method=rate.name if rate else "",
            reserved_until=locked.expires_at,
        )
        OrderLine.objects.bulk_create(
            OrderLine(
                shop_id=locked.shop_id,
                order=order,
                variant_id=r.variant_id,
                product_title=r.variant.product.title[:300],
                variant_name=r.variant.name[:120],
                sku=r.variant.sku,
                unit_price=r.unit_price,
                quantity=r.quantity,
            )
            for r in reservations
        )
        StockReservation.objects.filter(pk__in=[r.pk for r in reservations]).update(order=order)
        locked.status = CheckoutStatus.COMPLETED
        locked.save(update_fields=["status", "updated_at"])
        Cart.objects.filter(pk=locked.cart_id).update(is_open=False)
        cart_announce(shop_id=locked.shop_id, customer_id=locked.customer_id)
        checkout.status = locked.status
        order_event(order, "order.created", actor=actor)
    return order
