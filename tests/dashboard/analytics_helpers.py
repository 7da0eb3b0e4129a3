"""Small known datasets for the analytics tests: conversations, messages, funnel steps and
orders written directly, each at a chosen time (created_at columns are set after insert)."""

import itertools
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Customer, CustomerIdentity, Direction, Message
from orders.models import FunnelEvent, Order
from orders.transitions import OrderStatus, PaymentStatus

_numbers = itertools.count(5000)


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


def earlier_today(shop, **delta) -> datetime:
    """`ago(**delta)`, kept within the shop's today: just after midnight there, an hour ago is
    yesterday, and a test of the "today" period would fail at that time of day."""
    local_now = timezone.localtime(timezone.now(), ZoneInfo(shop.timezone))
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(ago(**delta), midnight)


def channel(shop, kind: str = "telegram") -> ChannelAccount:
    existing = ChannelAccount.objects.filter(shop=shop, kind=kind).first()
    return existing or ChannelAccount.objects.create(
        shop=shop, kind=kind, external_id=uuid.uuid4().hex[:12], credentials={}
    )


def conversation(
    shop, kind: str = "telegram", *, started: datetime | None = None, name: str = "Léa Martin"
) -> Conversation:
    account = channel(shop, kind)
    customer = Customer.objects.create(shop=shop, name=name)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=uuid.uuid4().hex
    )
    started = started or earlier_today(shop, hours=1)
    found = Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account, last_message_at=started
    )
    Conversation.objects.filter(pk=found.pk).update(created_at=started)
    found.created_at = started
    return found


def wrote(found: Conversation, at: datetime) -> None:
    """The shopper wrote at `at` (the conversation's last message)."""
    Conversation.objects.filter(pk=found.pk).update(last_message_at=at)


def message(found: Conversation, at: datetime, *, author=None, inbound=False) -> Message:
    row = Message.objects.create(
        shop_id=found.shop_id,
        conversation=found,
        direction=Direction.INBOUND if inbound else Direction.OUTBOUND,
        kind="text",
        text="Bonjour",
        body={"type": "text", "text": "Bonjour"},
        author=author,
    )
    Message.objects.filter(pk=row.pk).update(created_at=at)
    return row


def step(found: Conversation, name: str, at: datetime) -> FunnelEvent:
    row = FunnelEvent.objects.create(
        shop_id=found.shop_id,
        channel_kind=found.channel.kind,
        conversation_id=found.pk,
        customer_id=found.customer_id,
        step=name,
    )
    FunnelEvent.objects.filter(pk=row.pk).update(created_at=at)
    return row


def order(
    shop,
    found: Conversation | None,
    total: int,
    *,
    paid_at: datetime | None,
    refunded: int = 0,
    placed: datetime | None = None,
    contact_name: str = "",
) -> Order:
    if paid_at is None:
        payment, status = PaymentStatus.AWAITING, OrderStatus.PENDING
    elif refunded >= total:
        payment, status = PaymentStatus.REFUNDED, OrderStatus.CONFIRMED
    elif refunded:
        payment, status = PaymentStatus.PARTIALLY_REFUNDED, OrderStatus.CONFIRMED
    else:
        payment, status = PaymentStatus.PAID, OrderStatus.CONFIRMED
    row = Order.objects.create(
        shop=shop,
        number=next(_numbers),
        customer=found.customer if found else None,
        channel=found.channel if found else None,
        channel_kind=found.channel.kind if found else "",
        currency=shop.currency,
        subtotal=total,
        total=total,
        refunded_total=refunded,
        payment_status=payment,
        status=status,
        paid_at=paid_at,
        contact_name=contact_name,
    )
    placed = placed or (paid_at - timedelta(minutes=5) if paid_at else ago(minutes=30))
    Order.objects.filter(pk=row.pk).update(created_at=placed)
    row.created_at = placed
    return row
