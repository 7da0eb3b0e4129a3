"""The overview's figures: a handful of indexed aggregates over the current shop."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from catalog.models import Variant
from catalog.selectors import LOW_STOCK_THRESHOLD as LOW_STOCK
from conversations.models import Conversation
from orders.models import Order
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from shops.models import Shop

PAID_STATES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)


@dataclass(frozen=True)
class Overview:
    revenue_30d: int
    orders_30d: int
    orders_today: int
    to_fulfil: int
    awaiting_payment: int
    need_a_person: int
    low_stock: int
    out_of_stock: int
    recent_orders: list[Order]


def shop_overview(*, shop: Shop) -> Overview:
    now = timezone.now()
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    orders = Order.objects.for_shop(shop)
    paid = Q(payment_status__in=PAID_STATES)
    figures = orders.aggregate(
        revenue_30d=Sum(
            F("total") - F("refunded_total"), filter=paid & Q(paid_at__gte=now - timedelta(30))
        ),
        orders_30d=Count("id", filter=paid & Q(paid_at__gte=now - timedelta(30))),
        orders_today=Count("id", filter=Q(created_at__gte=start_of_day)),
        to_fulfil=Count(
            "id",
            filter=Q(
                status=OrderStatus.CONFIRMED, fulfillment_status=FulfillmentStatus.UNFULFILLED
            ),
        ),
        awaiting_payment=Count("id", filter=Q(status=OrderStatus.PENDING)),
    )
    stock = Variant.objects.for_shop(shop).filter(track_stock=True, product__active=True)
    stock_figures = stock.aggregate(
        low=Count("id", filter=Q(stock__gt=0, stock__lte=LOW_STOCK)),
        out=Count("id", filter=Q(stock=0)),
    )
    need_a_person = Conversation.objects.for_shop(shop).filter(handed_off=True).count()
    recent = list(orders.select_related("customer").order_by("-created_at", "-id")[:8])
    return Overview(
        revenue_30d=figures["revenue_30d"] or 0,
        orders_30d=figures["orders_30d"],
        orders_today=figures["orders_today"],
        to_fulfil=figures["to_fulfil"],
        awaiting_payment=figures["awaiting_payment"],
        need_a_person=need_a_person,
        low_stock=stock_figures["low"],
        out_of_stock=stock_figures["out"],
        recent_orders=recent,
    )
