"""Conversation writes: the inbound handler (SOUK_INBOUND_HANDLER) that logs what shoppers
send, lets the bot answer (or stays silent while a person has the conversation), and queues
the replies; and the hand-off / hand-back between bot and people."""

import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from channels_adapters import messages as m
from channels_adapters.base import TAG_POST_PURCHASE
from channels_adapters.models import ChannelAccount, OutboundMessage, OutboundStatus
from channels_adapters.outbound import outbound_queue
from config.compiled_query import CompiledQuery
from config.compiled_write import fast_insert, fast_update
from conversations.engine.dispatch import respond
from conversations.handed_off import bot_answers_while_handed_off
from conversations.language import supported
from conversations.models import (
    Conversation,
    ConversationStatus,
    Customer,
    CustomerIdentity,
    Direction,
    Message,
)
from conversations.payment_events import payment_event_handle
from conversations.people import person_public_name
from orders.funnel import FunnelSource, funnel_record
from orders.models import FunnelStep
from orders.selectors import paid_orders_of
from shops.events import event_emit
from shops.live import live_event

logger = logging.getLogger(__name__)

LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def _summary(item) -> str:
    # Whole, never cut: it is what the shopper wrote (up to 4,096 characters on Telegram and
    # WhatsApp) and what the inbox, the API and the integrators' webhooks show. Lists and
    # previews shorten it for display only.
    for attribute in ("text", "title", "payload"):
        value = getattr(item, attribute, "")
        if value:
            return str(value)
    if isinstance(item, m.Carousel):
        return " · ".join(card.title for card in item.cards)
    if isinstance(item, m.LocationShared):
        # What the inbox list shows for it (the conversation page draws the map link).
        pin = f"📍 {item.latitude:.5f}, {item.longitude:.5f}"
        return f"{item.address} ({pin})" if item.address else pin
    return ""


def _sender_conversation(channel_id: int, external_id: str):
    return (
        Conversation.objects.select_related("customer", "identity", "shop")
        # The conversation's row lock, in the same query: its events are answered one at a
        # time, each reading the state the previous one left (docs/conversations.md).
        .select_for_update(of=("self",))
        # Whether "OK" has anything to buy again, in the same query: the greeting of a
        # returning shopper asks, and most have no paid order (orders.selectors).
        .annotate(
            customer_has_paid_order=Exists(paid_orders_of(OuterRef("customer_id"))),
            # And whether replies wait to be sent: if none, this event's replies are the head
            # of the queue and the worker sends them without reading it (outbound.py).
            send_queue_empty=~Exists(
                OutboundMessage.objects.filter(
                    conversation_key=Cast(OuterRef("pk"), CharField()),
                    status=OutboundStatus.QUEUED,
                )
            ),
        )
        .filter(identity__channel_id=channel_id, identity__external_id=external_id)
        .order_by("pk")[:1]
    )


# Every inbound message runs it: compiled once per process (config/compiled_query.py).
_sender_conversation_lookup = CompiledQuery(
    _sender_conversation, channel_id=-7_301_001, external_id="\x00sender-example"
)


def conversation_for_sender(*, account: ChannelAccount, sender: m.Sender) -> Conversation:
    """The sender's conversation on this channel, locked until the transaction ends, creating
    customer and identity on first contact. One query for a known sender. Call it inside a
    transaction (inbound_handle runs in the worker's)."""
    conversation = _sender_conversation_lookup.first(
        channel_id=account.pk, external_id=sender.external_id
    )
    if conversation is not None:
        customer = conversation.customer
        customer.has_paid_order = conversation.customer_has_paid_order
        conversation.channel = account
        if sender.name and not customer.name:
            customer.name = sender.name[:150]
            customer.save(update_fields=["name"])
        return conversation
    # No savepoint inside the worker's transaction (nothing here catches a failure: it undoes
    # the whole event, which is retried), so no SAVEPOINT and RELEASE round trips.
    with transaction.atomic(savepoint=False):
        # As objects.create() would, one statement each (nobody listens to these saves).
        (customer,) = fast_insert(
            [
                Customer(
                    shop_id=account.shop_id,
                    name=sender.name[:150],
                    phone=sender.phone[:32],
                    language=sender.language[:8],
                    # Seen now: spares the "last seen" UPDATE that follows the first message.
                    last_seen_at=timezone.now(),
                )
            ]
        )
        (identity,) = fast_insert(
            [
                CustomerIdentity(
                    shop_id=account.shop_id,
                    customer=customer,
                    channel=account,
                    external_id=sender.external_id,
                )
            ]
        )
        (conversation,) = fast_insert(
            [Conversation(shop=account.shop, customer=customer, identity=identity, channel=account)]
        )
    customer.has_paid_order = False  # a new customer
    conversation.send_queue_empty = True
    live_event(
        shop_id=account.shop_id,
        kind="conversation.created",
        data={"conversation_id": conversation.pk},
    )
    return conversation


def conversation_send(
    *,
    conversation: Conversation,
    messages: list[m.OutboundMessage],
    author=None,
    post_purchase: bool = False,
    refused: str = "",
    tag: str = "",
    received: Message | None = None,
) -> None:
    """Queues messages to the customer and logs them in the conversation. `received`: the
    shopper's message they answer, not saved yet: logged first, in the same INSERT (the caller
    logs it itself when nothing is sent). `post_purchase`:
    news about an order, which channels may deliver outside their reply window. `tag`: any
    other reason the channel's rules allow (base.TAG_*, e.g. a person's late answer).
    `refused`: why the channel's rules forbid sending them now (base.PERMANENT_*): logged as
    failed, never sent."""
    if not messages or conversation.opted_out:
        return
    # No savepoint: inside the inbound transaction this adds no statement.
    with transaction.atomic(savepoint=False):
        queued = outbound_queue(
            account=conversation.channel,
            # Known only to the inbound handler, which read it with the conversation's lock.
            after_empty_queue=getattr(conversation, "send_queue_empty", False),
            recipient=conversation.identity.external_id,
            conversation_key=str(conversation.pk),
            messages=messages,
            tag=TAG_POST_PURCHASE if post_purchase else tag,
            refused=refused,
            last_inbound_at=conversation.last_message_at,
        )
        replies = [
            Message(
                shop_id=conversation.shop_id,
                conversation=conversation,
                direction=Direction.OUTBOUND,
                kind=message.type,
                text=_summary(message),
                body=message.to_dict(),
                outbound=row,
                author=author,
            )
            for message, row in zip(messages, queued, strict=True)
        ]
        unlogged = [received] if received is not None and received.pk is None else []
        # One INSERT for the shopper's message and the replies, in that order (ids too).
        logged = fast_insert([*unlogged, *replies])[len(unlogged) :]
        for message in unlogged:
            _message_announce(message)
        for message in logged:
            _message_announce(message)
        if author is not None:
            _message_sent_emit(conversation, logged, author)


def _message_announce(message: Message) -> None:
    live_event(
        shop_id=message.shop_id,
        kind="message.created",
        data={
            "conversation_id": message.conversation_id,
            "message_id": message.pk,
            "direction": message.direction,
        },
    )


def conversation_webhook_data(conversation: Conversation, **extra) -> dict:
    """What every conversation.* webhook event says of the conversation (docs/webhooks.md)."""
    return {
        "conversation_id": conversation.pk,
        "customer_id": conversation.customer_id,
        "channel": conversation.channel.kind,
        **extra,
    }


def person_webhook_data(user) -> dict | None:
    """Who of the team did it: their id, address and name as shoppers see it."""
    if user is None:
        return None
    return {"id": user.pk, "email": user.email, "name": person_public_name(user)}


def _message_sent_emit(conversation: Conversation, logged: list[Message], author) -> None:
    """conversation.message_sent, for integrators: what a person (not the bot) sent."""
    event_emit(
        shop=conversation.shop,
        type="conversation.message_sent",
        data=lambda: conversation_webhook_data(
            conversation,
            author=person_webhook_data(author),
            messages=[
                {
                    "id": message.pk,
                    "kind": message.kind,
                    "text": message.text,
                    "status": message.outbound.status if message.outbound else None,
                    "created_at": message.created_at.isoformat(),
                }
                for message in logged
            ],
        ),
    )


def conversation_hand_off(*, conversation: Conversation) -> Conversation:
    if not conversation.handed_off:
        conversation.handed_off = True
        conversation.handed_off_at = timezone.now()
        with transaction.atomic():
            conversation.save(update_fields=["handed_off", "handed_off_at"])
            # Kept for the analytics (bot-alone share, first response): a hand-back clears
            # handed_off_at, this stays.
            funnel_record(
                shop_id=conversation.shop_id,
                source=FunnelSource(
                    conversation.channel.kind, conversation.pk, conversation.customer_id
                ),
                step=FunnelStep.HANDED_OFF,
            )
            event_emit(
                shop=conversation.shop,
                type="conversation.handoff",
                data=conversation_webhook_data(
                    conversation, handed_off_at=conversation.handed_off_at.isoformat()
                ),
            )
        live_event(
            shop_id=conversation.shop_id,
            kind="conversation.updated",
            data={"conversation_id": conversation.pk, "change": "handed_off"},
        )
    return conversation


def conversation_hand_back(*, conversation: Conversation, by=None) -> Conversation:
    """A person (`by`, when known) gives the conversation back to the bot, which answers the
    next message."""
    conversation.handed_off = False
    conversation.handed_off_at = None
    conversation.assigned_to = None
    with transaction.atomic():
        conversation.save(update_fields=["handed_off", "handed_off_at", "assigned_to"])
        event_emit(
            shop=conversation.shop,
            type="conversation.handback",
            data=lambda: conversation_webhook_data(conversation, by=person_webhook_data(by)),
        )
    live_event(
        shop_id=conversation.shop_id,
        kind="conversation.updated",
        data={"conversation_id": conversation.pk, "change": "handed_back"},
    )
    return conversation


def inbound_handle(*, account: ChannelAccount, events: list[m.InboundEvent]) -> None:
    """SOUK_INBOUND_HANDLER: runs inside the transaction that marks the event processed (or
    its own, when called outside one), which holds each conversation's row lock to its end."""
    with transaction.atomic(savepoint=False):
        _events_handle(account=account, events=events)


def _events_handle(*, account: ChannelAccount, events: list[m.InboundEvent]) -> None:
    for event in events:
        if isinstance(event, m.StatusUpdate):
            # The raw event stays stored; delivery news needs no answer.
            logger.debug("status %s for %s", event.status, event.message_id)
            continue
        if isinstance(event, m.ShippingQuery | m.PreCheckout):
            # Questions inside an invoice: answered at once, not chat messages.
            payment_event_handle(account=account, event=event)
            continue
        conversation = conversation_for_sender(account=account, sender=event.sender)
        received = Message(
            shop_id=account.shop_id,
            conversation=conversation,
            direction=Direction.INBOUND,
            kind=event.type,
            text=_summary(event),
            body=event.to_dict(),
        )
        now = timezone.now()
        conversation.last_message_at = now
        changed = ["last_message_at", "bot_state", "opted_out"]
        if conversation.status == ConversationStatus.RESOLVED:
            # The shopper wrote again: back in the team's open list.
            conversation.status, conversation.resolved_at = ConversationStatus.OPEN, None
            changed += ["status", "resolved_at"]
        if isinstance(event, m.OptOut):
            _received_log(received)
            conversation.opted_out = True  # the platform itself confirms (Twilio: STOP reply)
        else:
            if isinstance(event, m.OptIn):
                # START / YES: the shopper may be written to again; welcome them (back).
                conversation.opted_out = False
                event = m.ButtonPressed(sender=event.sender, payload="start")
            if isinstance(event, m.PaymentSucceeded):
                _received_log(received)
                payment_event_handle(account=account, event=event)  # the receipt follows
            elif not conversation.opted_out and (
                not conversation.handed_off or bot_answers_while_handed_off(event)
            ):
                if not supported(conversation.customer.language, conversation.shop):
                    # The bot guesses the language from the shopper's logged messages,
                    # this one included.
                    _received_log(received)
                reply = respond(conversation, event)
                if reply.hand_off:
                    conversation_hand_off(conversation=conversation)
                # Logged with the replies, one INSERT instead of two.
                conversation_send(
                    conversation=conversation, messages=reply.messages, received=received
                )
        if received.pk is None:  # no reply (a person has the conversation, opted out…)
            _received_log(received)
        fast_update(conversation, changed)
        _touch_customer(conversation.customer, now)


def _received_log(received: Message) -> None:
    if received.pk is None:
        fast_insert([received])
        _message_announce(received)


def _touch_customer(customer: Customer, now) -> None:
    # Minute resolution is plenty for "last seen", and spares a write per message.
    if customer.last_seen_at is None or now - customer.last_seen_at > LAST_SEEN_RESOLUTION:
        Customer.objects.filter(pk=customer.pk).update(last_seen_at=now)
        customer.last_seen_at = now
