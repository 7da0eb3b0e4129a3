"""The analytics page's CSV exports: the period's orders (with who the sale is attributed to)
and the funnel. Written as the catalog export is: `;` and "24,90" for French shops, a BOM for
Excel, and every cell that a spreadsheet would run as a formula escaped."""

import csv
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

from catalog.csv_format import escape, export_delimiter
from dashboard.analytics import (
    ATTRIBUTION_WINDOW,
    NET,
    FunnelColumn,
    channel_label,
    last_person_before_payment,
    person_name,
)
from dashboard.analytics_periods import Period
from orders.models import Order
from shops.models import Membership, Shop, User
from shops.money import amount_input_value

ORDER_COLUMNS = (
    "number",
    "placed_at",
    "paid_at",
    "channel",
    "customer",
    "phone",
    "currency",
    "subtotal",
    "shipping",
    "total",
    "refunded",
    "net",
    "status",
    "payment_status",
    "fulfillment_status",
    "attributed_to",
)
FUNNEL_COLUMNS = ("channel", "step", "conversations", "share_of_previous_step", "drop")


class _Echo:
    """csv.writer writes into this and gets the line back, for streaming."""

    def write(self, value: str) -> str:
        return value


def _when(value, tz: ZoneInfo) -> str:
    return timezone.localtime(value, tz).strftime("%Y-%m-%d %H:%M") if value else ""


def period_orders(*, shop: Shop, period: Period):
    """Orders placed in the period, oldest first, with who last wrote before payment."""
    return (
        Order.objects.for_shop(shop)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .select_related("customer")
        .annotate(
            person_id=last_person_before_payment(
                shop=shop, since=period.start - ATTRIBUTION_WINDOW
            ),
            net=NET,
        )
        .order_by("created_at", "id")
    )


def _team(shop: Shop) -> dict[int, str]:
    """Who may have written to shoppers: the shop's members (a former one is named below)."""
    members = Membership.objects.filter(shop=shop).values_list("user_id", flat=True)
    return {user.pk: person_name(user) for user in User.objects.filter(pk__in=members)}


def orders_csv_lines(*, shop: Shop, period: Period) -> Iterator[str]:
    """Streamed after the view returns: the shop's time zone is named, not the active one."""
    writer = csv.writer(_Echo(), delimiter=export_delimiter(shop.language))
    tz = ZoneInfo(shop.timezone)
    team = _team(shop)

    def money(amount: int) -> str:
        return amount_input_value(amount, shop.currency, shop.language)

    yield "\ufeff" + writer.writerow(ORDER_COLUMNS)
    for order in period_orders(shop=shop, period=period).iterator(chunk_size=500):
        if order.paid_at is None:
            attributed = ""
        elif order.person_id:
            attributed = team.get(order.person_id, "A former team member")
        else:
            attributed = "The bot" if order.channel_kind else "Outside a conversation (API)"
        customer = order.contact_name or (str(order.customer) if order.customer_id else "")
        cells = [
            str(order.number),
            _when(order.created_at, tz),
            _when(order.paid_at, tz),
            channel_label(order.channel_kind),
            customer,
            order.contact_phone,
            order.currency,
            money(order.subtotal),
            money(order.shipping_total),
            money(order.total),
            money(order.refunded_total),
            money(order.net),
            order.get_status_display(),
            order.get_payment_status_display(),
            order.get_fulfillment_status_display(),
            attributed,
        ]
        yield writer.writerow([escape(cell) for cell in cells])


def _percent(value: float | None, language: str) -> str:
    if value is None:
        return ""
    text = f"{value:.1f}"
    return text.replace(".", ",") if language == "fr" else text


def funnel_csv_lines(*, shop: Shop, columns: list[FunnelColumn]) -> Iterator[str]:
    writer = csv.writer(_Echo(), delimiter=export_delimiter(shop.language))
    yield "\ufeff" + writer.writerow(FUNNEL_COLUMNS)
    for column in columns:
        for step in column.steps():
            cells = [
                column.label,
                step["label"],
                str(step["count"]),
                _percent(step["kept"], shop.language),
                _percent(step["drop"], shop.language),
            ]
            yield writer.writerow([escape(cell) for cell in cells])
