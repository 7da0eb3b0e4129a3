from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from catalog.models import Variant
from config.compiled_query import BIGINT, CompiledQuery
from orders.models import Cart, CartLine, Order, OrderEvent, ShippingRate
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from orders.translations import line_title
from shops.models import Shop


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


# The bot reads the cart after every change and on every cart screen: compiled once per
# connection (config/compiled_query.py).
_cart_lines = CompiledQuery(
    lambda cart_id: (
        CartLine.objects.filter(cart_id=cart_id).select_related("variant__product").order_by("id")
    ),
    cart_id=-7_404_001,
)
_cart_line = CompiledQuery(
    # CartLine is ordered (added_at, id): first() is [:1].
    lambda cart_id, line_id: CartLine.objects.filter(cart_id=cart_id, pk=line_id).select_related(
        "variant"
    )[:1],
    cart_id=-7_404_002,
    line_id=-7_404_003,
)


def cart_view(*, cart: Cart) -> CartView:
    return CartView(cart, _cart_lines.all(cart_id=cart.pk))


def cart_line_for(*, cart: Cart, line_id: int) -> CartLine | None:
    line_id = int(line_id)
    if line_id not in BIGINT:
        return None
    line = _cart_line.first(cart_id=cart.pk, line_id=line_id)
    if line is not None:
        line.cart = cart  # known already: no query when a service reads line.cart
    return line


def shipping_rates(*, shop):
    return ShippingRate.objects.for_shop(shop).filter(is_active=True).order_by("position", "id")


def paid_orders_of(customer) -> QuerySet[Order]:
    """The customer's paid orders that "OK" can buy again (`customer`: an instance, an id or
    an OuterRef). A customer belongs to one shop, so this stays within it."""
    return Order.objects.filter(
        customer=customer,
        payment_status=PaymentStatus.PAID,
        status__in=[OrderStatus.CONFIRMED, OrderStatus.COMPLETED],
    )


def last_paid_order(*, shop, customer) -> Order | None:
    # conversation_for_sender (conversations/services.py) tells, in the query that locks the
    # conversation, whether the shopper has any: none (most shoppers) costs no query here. It
    # holds for the one event being answered; nothing offers a reorder in the answer to the
    # event that paid (a Telegram payment: its answer is the receipt).
    if getattr(customer, "has_paid_order", None) is False:
        return None
    return (
        paid_orders_of(customer)
        .filter(shop=shop)
        .select_related("shipping_rate")
        .prefetch_related("lines")
        .order_by("-paid_at", "-id")
        .first()
    )


def last_order(*, shop, customer) -> Order | None:
    """The shopper's most recent order, paid or not, for "where is my order?"."""
    return (
        Order.objects.for_shop(shop)
        .filter(customer=customer)
        .order_by("-created_at", "-id")
        .first()
    )


def customer_order(*, shop, customer, order_id: int) -> Order | None:
    """One of the shopper's own orders (None for anybody else's)."""
    return Order.objects.for_shop(shop).filter(customer=customer, pk=order_id).first()


def open_orders(*, shop, customer) -> QuerySet[Order]:
    """The shopper's orders still under way (awaiting payment, paid, shipped), newest first."""
    return (
        Order.objects.for_shop(shop)
        .filter(customer=customer, status__in=[OrderStatus.PENDING, OrderStatus.CONFIRMED])
        .order_by("-created_at", "-id")
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


def reorder_quote(*, shop, customer, language: str = "") -> ReorderQuote | None:
    """`language`: the shopper's, for the titles (the sold titles in the shop's language)."""
    order = last_paid_order(shop=shop, customer=customer)
    if order is None:
        return None
    lines = list(order.lines.all())
    variants = Variant.objects.for_shop(shop).select_related("product")
    variants = variants.in_bulk([line.variant_id for line in lines if line.variant_id])
    buyable, items, changes = [], [], []
    for line in lines:
        variant = variants.get(line.variant_id)
        title = line_title(line, language, shop.language)
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


# -- The dashboard's order pages ---------------------------------------------------------------
@dataclass(frozen=True)
class OrderFilters:
    """What the dashboard's order list is narrowed to. Dates are days in the shop's time zone,
    both included."""

    status: str = ""
    payment_status: str = ""
    fulfillment_status: str = ""
    channel: str = ""  # a channel kind: "whatsapp", "webchat"…
    customer_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    query: str = ""  # "1003", "#1003", or part of the shopper's name or phone


def _start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def _search(query: str) -> Q:
    """ "#1003" is that order; "1003" is that order or a phone containing it; anything else is
    part of a name or a phone."""
    text = query.strip()
    digits = text.removeprefix("#").strip()
    # Longer than an order number can be: only a phone can contain it.
    number = int(digits) if digits.isdigit() and len(digits) <= 9 else None
    if text.startswith("#"):
        return Q(number=number) if number is not None else Q(pk__in=[])
    people = (
        Q(contact_name__icontains=text)
        | Q(contact_phone__icontains=text)
        | Q(customer__name__icontains=text)
        | Q(customer__phone__icontains=text)
    )
    return people | Q(number=number) if number is not None else people


def order_admin_list(*, shop: Shop, filters: OrderFilters) -> QuerySet[Order]:
    """The brand's orders, newest first, filtered; the customer comes in the same query."""
    orders = Order.objects.for_shop(shop).select_related("customer")
    exact = {
        "status": filters.status,
        "payment_status": filters.payment_status,
        "fulfillment_status": filters.fulfillment_status,
        "channel_kind": filters.channel,
        "customer_id": filters.customer_id,
    }
    orders = orders.filter(**{name: value for name, value in exact.items() if value})
    tz = ZoneInfo(shop.timezone)
    if filters.created_from:
        orders = orders.filter(created_at__gte=_start_of_day(filters.created_from, tz))
    if filters.created_to:
        next_day = filters.created_to + timedelta(days=1)
        orders = orders.filter(created_at__lt=_start_of_day(next_day, tz))
    if filters.query:
        orders = orders.filter(_search(filters.query))
    return orders.order_by("-created_at", "-id")


def order_admin_detail(*, shop: Shop) -> QuerySet[Order]:
    """Orders with all their page shows (lines, payments and their refunds, timeline) in a
    fixed number of queries; the caller picks one with get_for_shop_or_404."""
    return (
        Order.objects.for_shop(shop)
        .select_related("customer", "channel")
        .prefetch_related(
            "lines",
            "payments__method",  # newest attempt first
            "payments__refunds",
            "timeline",  # who: actor_label, kept as written then
        )
    )


EVENT_TITLES = {
    "order.created": "Order placed",
    "order.payment_link": "Payment link sent",
    "order.payment_action": "Payment waiting for the shopper's bank check",
    "order.payment_failed": "Payment failed",
    "order.payment_unavailable": "Payment provider unreachable; the shopper was told",
    "order.paid": "Paid",
    "order.paid_too_late": "Paid after the items sold out; refunded in full",
    "order.amount_reconciled": "Total set to what the payment provider charged",
    "order.fulfilled": "Marked shipped",
    "order.delivered": "Marked delivered",
    "order.cancelled": "Cancelled",
    "order.refund_requested": "Refund requested",
    "order.refunded": "Refund confirmed by the provider",
}
STATUS_LABELS = {
    "status": ("Order", OrderStatus),
    "payment_status": ("Payment", PaymentStatus),
    "fulfillment_status": ("Fulfilment", FulfillmentStatus),
}


@dataclass(frozen=True)
class StatusChange:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime
    title: str
    who: str
    changes: list[StatusChange]
    amount: int | None = None
    note: str = ""


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value


def _note(event: OrderEvent) -> str:
    details = event.details
    if event.type == "order.fulfilled":
        parts = [details.get("carrier"), details.get("tracking_number")]
        return " · ".join(part for part in parts if part)
    if event.type == "order.cancelled" and details.get("reason") != "expired":
        return details.get("reason") or ""
    if event.type in ("order.refund_requested", "order.payment_failed"):
        return details.get("reason") or ""
    return ""


def order_timeline(*, order: Order) -> list[TimelineEntry]:
    """The order's history, oldest first, as the dashboard tells it (from the prefetched
    `timeline` of order_admin_detail)."""
    entries = []
    for event in order.timeline.all():
        changes = [
            StatusChange(
                STATUS_LABELS[name][0],
                _label(STATUS_LABELS[name][1], before),
                _label(STATUS_LABELS[name][1], after),
            )
            for name, (before, after) in event.changes.items()
            if name in STATUS_LABELS
        ]
        amount = event.details.get("amount")
        entries.append(
            TimelineEntry(
                when=event.created_at,
                title=EVENT_TITLES.get(event.type, event.type),
                who=event.actor_label,
                changes=changes,
                amount=amount if isinstance(amount, int) else None,
                note=_note(event),
            )
        )
    return entries
