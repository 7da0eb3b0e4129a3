"""Conversations made straight in the database for the inbox's tests: a shopper on a channel,
what they said and what was sent to them, at chosen times."""

import uuid
from datetime import datetime, timedelta

from django.utils import timezone

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount, OutboundMessage
from conversations.models import Conversation, Customer, CustomerIdentity, Direction, Message

NOW = timezone.now()


def channel(shop, kind: str = "telegram", name: str = "") -> ChannelAccount:
    return ChannelAccount.objects.create(
        shop=shop, kind=kind, name=name, external_id=uuid.uuid4().hex[:12]
    )


def conversation(
    shop,
    name: str = "Léa Martin",
    *,
    account: ChannelAccount | None = None,
    phone: str = "",
    external_id: str = "",
    last: datetime | None = None,
    seen: datetime | None = None,
    **fields,
) -> Conversation:
    """A conversation whose shopper last wrote at `last` and the team last read at `seen`
    (unread when `seen` is before `last`)."""
    account = account or channel(shop)
    customer = Customer.objects.create(shop=shop, name=name, phone=phone)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=external_id or uuid.uuid4().hex
    )
    return Conversation.objects.create(
        shop=shop,
        customer=customer,
        identity=identity,
        channel=account,
        last_message_at=last,
        agent_last_seen_at=seen,
        **fields,
    )


def minutes_ago(n: int) -> datetime:
    return NOW - timedelta(minutes=n)


def said(conv: Conversation, text: str, **body) -> Message:
    """The shopper wrote (or tapped, shared…: `body` overrides the stored event)."""
    event = {"type": "text", "sender": {"external_id": "x"}, "text": text, **body}
    return Message.objects.create(
        shop_id=conv.shop_id,
        conversation=conv,
        direction=Direction.INBOUND,
        kind=event["type"],
        text=text,
        body=event,
    )


def sent(
    conv: Conversation,
    message: m.OutboundMessage,
    *,
    author=None,
    status: str = "sent",
    error_code: str = "",
) -> Message:
    """Something sent to the shopper, with its delivery row in the given state."""
    row = OutboundMessage.objects.create(
        shop_id=conv.shop_id,
        channel=conv.channel,
        recipient=conv.identity.external_id,
        conversation_key=str(conv.pk),
        message=message.to_dict(),
        payloads=[message.to_dict()],
        status=status,
        error_code=error_code,
    )
    return Message.objects.create(
        shop_id=conv.shop_id,
        conversation=conv,
        direction=Direction.OUTBOUND,
        kind=message.type,
        text=getattr(message, "text", "") or "",
        body=message.to_dict(),
        outbound=row,
        author=author,
    )
