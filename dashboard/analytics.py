"""The analytics page's figures, funnel, attribution and charts: aggregates computed by the
database over indexed columns (orders by (shop, paid_at), conversations by shop, funnel events
by (shop, created_at) and (conversation, step)); Python only arranges the few grouped rows.

Definitions (also on the page and in docs/inbox.md):
- Revenue: orders paid in the period (paid_at), net of refunds. Orders: how many were paid.
- Conversations: started in the period. Bought: of those, the ones with a paid order (an
  order's conversation is its customer's on its channel). Bot alone: of those, the ones never
  handed to a person and with no message written by a person.
- First response: from a hand-off in the period to the first message a person wrote after it.
- Funnel: conversations where the shopper wrote in the period (the current one), and how many
  of them, in the period, viewed a product, added to the cart, started a checkout, paid.
- Attribution: a paid order's revenue goes to its channel, and to the person who last wrote
  in its conversation in the 7 days before payment, else to the bot.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    When,
)
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from channels_adapters.models import ChannelKind
from conversations.models import Conversation, Direction, Message
from dashboard.analytics_periods import Period
from dashboard.analytics_sql import medians, without_jit
from dashboard.selectors import PAID_STATES
from orders.models import FunnelEvent, FunnelStep, Order
from shops.models import Shop, User

ATTRIBUTION_WINDOW = timedelta(days=7)
FUNNEL_STEPS = (
    ("conversations", "Conversations"),
    ("product_viewed", "Product viewed"),
    ("added_to_cart", "Added to cart"),
    ("checkout_started", "Checkout started"),
    ("paid", "Paid"),
)
NET = F("total") - F("refunded_total")


def channel_label(kind: str) -> str:
    try:
        return ChannelKind(kind).label
    except ValueError:
        return kind or "Outside the chat"


# --- The figures, each against the previous period ----------------------------------------------


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    current: float | None
    previous: float | None
    unit: str  # money, count, percent, seconds
    lower_is_better: bool = False

    @property
    def change(self) -> float | None:
        """Percent change from the previous period; None when there is nothing to compare."""
        if self.current is None or not self.previous:
            return None
        return (self.current - self.previous) / self.previous * 100

    @property
    def trend(self) -> str:
        """up / down / flat, and whether that is good news: for the page's arrow and colour."""
        change = self.change
        if change is None or abs(change) < 0.05:
            return "flat"
        return "up" if change > 0 else "down"

    @property
    def good(self) -> bool | None:
        if self.trend == "flat":
            return None
        return (self.trend == "down") == self.lower_is_better


def _share(part: int, whole: int) -> float | None:
    return part / whole * 100 if whole else None


def _current_and_previous(field_name: str, period: Period) -> dict[str, Q]:
    return {
        "current": Q(**{f"{field_name}__gte": period.start, f"{field_name}__lt": period.end}),
        "previous": Q(
            **{
                f"{field_name}__gte": period.previous_start,
                f"{field_name}__lt": period.previous_end,
            }
        ),
    }


def _paid_orders(shop: Shop) -> QuerySet[Order]:
    return Order.objects.for_shop(shop).filter(payment_status__in=PAID_STATES)


def _order_figures(shop: Shop, period: Period) -> list[Figure]:
    when = _current_and_previous("paid_at", period)
    found = (
        _paid_orders(shop)
        .filter(paid_at__gte=period.previous_start, paid_at__lt=period.end)
        .aggregate(
            revenue=Sum(NET, filter=when["current"]),
            revenue_before=Sum(NET, filter=when["previous"]),
            orders=Count("id", filter=when["current"]),
            orders_before=Count("id", filter=when["previous"]),
        )
    )
    revenue, before = found["revenue"] or 0, found["revenue_before"] or 0
    orders, orders_before = found["orders"], found["orders_before"]
    return [
        Figure("revenue", "Revenue (net of refunds)", revenue, before, "money"),
        Figure("orders", "Paid orders", orders, orders_before, "count"),
        Figure(
            "aov",
            "Average order value",
            revenue / orders if orders else None,
            before / orders_before if orders_before else None,
            "money",
        ),
    ]


def _paid_by_its_conversation(shop: Shop, orders: QuerySet[Order]) -> Q:
    """For a conversation row: one of `orders` is its own (its customer, on its channel).
    An uncorrelated IN list (a semi-join, computed once and hashed), not a probe per row."""
    own = Exists(
        orders.filter(customer_id=OuterRef("customer_id"), channel_id=OuterRef("channel_id"))
    )
    return Q(pk__in=Conversation.objects.for_shop(shop).filter(own).values("pk"))


def _person_involved(shop: Shop, since) -> Q:
    """For a conversation row started since `since`: ever handed to a person, or written to by
    one. Two uncorrelated IN lists, each read once (the hand-offs by date, the messages that
    have an author by the author index)."""
    handed = FunnelEvent.objects.for_shop(shop).filter(
        step=FunnelStep.HANDED_OFF, created_at__gte=since
    )
    wrote = Message.objects.for_shop(shop).filter(
        author__isnull=False, direction=Direction.OUTBOUND, created_at__gte=since
    )
    return (
        Q(handed_off=True)
        | Q(pk__in=handed.values("conversation_id"))
        | Q(pk__in=wrote.values("conversation_id"))
    )


def _conversation_figures(shop: Shop, period: Period) -> list[Figure]:
    when = _current_and_previous("created_at", period)
    paid = Order.objects.for_shop(shop).filter(paid_at__isnull=False)
    bought, bot = Q(has_paid=True), Q(person_helped=False)
    found = (
        Conversation.objects.for_shop(shop)
        .filter(created_at__gte=period.previous_start, created_at__lt=period.end)
        # Each conversation's two answers once, then counted for both periods.
        .annotate(
            has_paid=ExpressionWrapper(
                _paid_by_its_conversation(shop, paid), output_field=BooleanField()
            ),
            person_helped=ExpressionWrapper(
                _person_involved(shop, period.previous_start), output_field=BooleanField()
            ),
        )
        .aggregate(
            started=Count("id", filter=when["current"]),
            started_before=Count("id", filter=when["previous"]),
            bought=Count("id", filter=when["current"] & bought),
            bought_before=Count("id", filter=when["previous"] & bought),
            bot=Count("id", filter=when["current"] & bot),
            bot_before=Count("id", filter=when["previous"] & bot),
        )
    )
    started, before = found["started"], found["started_before"]
    return [
        Figure("conversations", "Conversations started", started, before, "count"),
        Figure(
            "bought",
            "Conversations that bought",
            _share(found["bought"], started),
            _share(found["bought_before"], before),
            "percent",
        ),
        Figure(
            "bot_alone",
            "Resolved by the bot alone",
            _share(found["bot"], started),
            _share(found["bot_before"], before),
            "percent",
        ),
    ]


def _first_response_figure(shop: Shop, period: Period) -> Figure:
    first_reply = (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            direction=Direction.OUTBOUND,
            author__isnull=False,
            created_at__gte=OuterRef("created_at"),
        )
        .order_by("created_at", "id")
        .values("created_at")[:1]
    )
    handoffs = (
        FunnelEvent.objects.for_shop(shop)
        .filter(
            step=FunnelStep.HANDED_OFF,
            created_at__gte=period.previous_start,
            created_at__lt=period.end,
        )
        .annotate(first_reply=Subquery(first_reply))
        .filter(first_reply__isnull=False)
        .annotate(
            wait=ExpressionWrapper(F("first_reply") - F("created_at"), output_field=DurationField())
        )
    )
    found = medians(handoffs, "wait", _current_and_previous("created_at", period))
    return Figure(
        "first_response",
        "Median first response of a person",
        found["current"],
        found["previous"],
        "seconds",
        lower_is_better=True,
    )


def figures(*, shop: Shop, period: Period) -> list[Figure]:
    return [
        *_order_figures(shop, period),
        *_conversation_figures(shop, period),
        _first_response_figure(shop, period),
    ]


# --- The funnel per channel ---------------------------------------------------------------------


@dataclass
class FunnelColumn:
    kind: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return channel_label(self.kind)

    def steps(self) -> list[dict]:
        """Each step with its count, its share of the step before and the drop."""
        rows, before = [], None
        for key, label in FUNNEL_STEPS:
            count = self.counts.get(key, 0)
            kept = _share(count, before) if before is not None else None
            rows.append(
                {
                    "key": key,
                    "label": label,
                    "count": count,
                    "kept": kept,
                    "drop": None if kept is None else 100 - kept,
                }
            )
            before = count
        return rows


def funnel(*, shop: Shop, period: Period) -> list[FunnelColumn]:
    """One column per channel kind, in the channels' usual order."""
    events = FunnelEvent.objects.for_shop(shop).filter(
        created_at__gte=period.start, created_at__lt=period.end
    )

    def reached(step: str) -> Q:
        return Q(pk__in=events.filter(step=step).values("conversation_id"))

    paid = _paid_by_its_conversation(
        shop,
        Order.objects.for_shop(shop).filter(paid_at__gte=period.start, paid_at__lt=period.end),
    )
    rows = (
        Conversation.objects.for_shop(shop)
        .filter(last_message_at__gte=period.start)
        .values("channel__kind")
        .annotate(
            conversations=Count("id"),
            **{
                step.value: Count("id", filter=reached(step))
                for step in (
                    FunnelStep.PRODUCT_VIEWED,
                    FunnelStep.ADDED_TO_CART,
                    FunnelStep.CHECKOUT_STARTED,
                )
            },
            paid=Count("id", filter=paid),
        )
        .order_by()
    )
    columns = {row.pop("channel__kind"): FunnelColumn("", row) for row in rows}
    order = [kind.value for kind in ChannelKind]
    result = []
    for kind in sorted(columns, key=lambda k: order.index(k) if k in order else len(order)):
        column = columns[kind]
        column.kind = kind
        result.append(column)
    return result


# --- Attribution --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    revenue: int
    orders: int
    percent: float | None = None  # of the period's attributed revenue


@dataclass(frozen=True)
class Attribution:
    by_channel: list[Share]
    by_author: list[Share]  # the bot, then each person, then orders outside a conversation

    @property
    def total(self) -> int:
        return sum(share.revenue for share in self.by_channel)


def last_person_before_payment(*, shop: Shop, since) -> Case:
    """For an order (the outer row) paid after `since`: who last wrote to the shopper in its
    conversation in the attribution window before payment, or NULL for the bot. Only the
    orders of customers someone wrote to look for that message."""
    written_to = Message.objects.for_shop(shop).filter(
        author__isnull=False, direction=Direction.OUTBOUND, created_at__gte=since
    )
    last = (
        Message.objects.filter(
            conversation__customer_id=OuterRef("customer_id"),
            conversation__channel_id=OuterRef("channel_id"),
            direction=Direction.OUTBOUND,
            author__isnull=False,
            created_at__lte=OuterRef("paid_at"),
            created_at__gt=OuterRef("paid_at") - ATTRIBUTION_WINDOW,
        )
        .order_by("-created_at", "-id")
        .values("author_id")[:1]
    )
    return Case(
        When(
            customer_id__in=written_to.values("conversation__customer_id"),
            then=Subquery(last),
        ),
        default=None,
        output_field=BigIntegerField(),
    )


def person_name(user: User) -> str:
    return user.full_name or user.email


def attribution(*, shop: Shop, period: Period) -> Attribution:
    rows = list(
        _paid_orders(shop)
        .filter(paid_at__gte=period.start, paid_at__lt=period.end)
        .annotate(
            person_id=last_person_before_payment(shop=shop, since=period.start - ATTRIBUTION_WINDOW)
        )
        .values("channel_kind", "person_id")
        .annotate(revenue=Sum(NET), orders=Count("id"))
        .order_by()
    )
    people = {
        user.pk: person_name(user)
        for user in User.objects.filter(pk__in={r["person_id"] for r in rows if r["person_id"]})
    }
    by_channel: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_author: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    labels = {"bot": "The bot", "outside": "Outside a conversation (API)"}
    for row in rows:
        by_channel[row["channel_kind"]][0] += row["revenue"] or 0
        by_channel[row["channel_kind"]][1] += row["orders"]
        if row["person_id"]:
            key = f"person:{row['person_id']}"
            labels[key] = people.get(row["person_id"], "A former team member")
        else:
            key = "bot" if row["channel_kind"] else "outside"
        by_author[key][0] += row["revenue"] or 0
        by_author[key][1] += row["orders"]
    channel_order = [kind.value for kind in ChannelKind]
    channels = sorted(
        by_channel, key=lambda k: channel_order.index(k) if k in channel_order else 99
    )
    authors = sorted(by_author, key=lambda k: (k != "bot", k == "outside", -by_author[k][0]))
    total = sum(revenue for revenue, _ in by_channel.values())
    return Attribution(
        by_channel=[
            Share(k, channel_label(k), *by_channel[k], _share(by_channel[k][0], total))
            for k in channels
        ],
        by_author=[
            Share(k, labels[k], *by_author[k], _share(by_author[k][0], total)) for k in authors
        ],
    )


# --- Over time ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    label: str
    revenue: int
    orders: int
    conversations: int


def _bucket_key(value, hourly: bool):
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return local.hour if hourly else local.date()


def series(*, shop: Shop, period: Period) -> list[Point]:
    """Revenue, paid orders and conversations started per hour (today) or per day."""
    trunc = TruncHour if period.hourly else TruncDay
    sales = (
        _paid_orders(shop)
        .filter(paid_at__gte=period.start, paid_at__lt=period.end)
        .annotate(bucket=trunc("paid_at"))
        .values("bucket")
        .annotate(revenue=Sum(NET), orders=Count("id"))
        .order_by()
    )
    started = (
        Conversation.objects.for_shop(shop)
        .filter(created_at__gte=period.start, created_at__lt=period.end)
        .annotate(bucket=trunc("created_at"))
        .values("bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_bucket: dict = defaultdict(lambda: [0, 0, 0])
    for row in sales:
        point = by_bucket[_bucket_key(row["bucket"], period.hourly)]
        point[0] += row["revenue"] or 0
        point[1] += row["orders"]
    for row in started:
        by_bucket[_bucket_key(row["bucket"], period.hourly)][2] += row["n"]
    points = []
    for bucket in period.buckets():
        label = f"{bucket:02d}:00" if period.hourly else bucket.strftime("%d %b")
        points.append(Point(label, *by_bucket.get(bucket, (0, 0, 0))))
    return points


# --- Everything the page shows ------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    period: Period
    figures: list[Figure]
    funnel: list[FunnelColumn]
    attribution: Attribution
    series: list[Point]

    def chart_data(self) -> dict:
        """What analytics.js draws (the same numbers as the page's tables)."""
        return {
            "series": {
                "labels": [p.label for p in self.series],
                "revenue": [p.revenue for p in self.series],
                "orders": [p.orders for p in self.series],
                "conversations": [p.conversations for p in self.series],
            },
            "funnel": {
                "steps": [label for _, label in FUNNEL_STEPS],
                "channels": [
                    {"label": c.label, "counts": [c.counts.get(k, 0) for k, _ in FUNNEL_STEPS]}
                    for c in self.funnel
                ],
            },
            "attribution": {
                "labels": [s.label for s in self.attribution.by_author],
                "revenue": [s.revenue for s in self.attribution.by_author],
            },
        }


def analytics_report(*, shop: Shop, period: Period) -> Report:
    with without_jit():
        return Report(
            period=period,
            figures=figures(shop=shop, period=period),
            funnel=funnel(shop=shop, period=period),
            attribution=attribution(shop=shop, period=period),
            series=series(shop=shop, period=period),
        )
