"""A person writing to a shopper, within the channel's rules: what the rules allow right now
(each adapter's `reply_window`, asked with when the shopper last wrote), and the reply itself,
which takes the conversation over and goes through `conversation_send` like the bot's messages
(same queue, ordering and retries). The dashboard's composer and the API's reply both call
`conversation_reply`, so a reply refused in one is refused in the other."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from channels_adapters import messages as m
from channels_adapters.base import (
    PERMANENT_OPTED_OUT,
    PERMANENT_REJECTED,
    PERMANENT_WINDOW_CLOSED,
    ReplyCost,
    ReplyWindow,
)
from channels_adapters.models import WhatsAppTemplate
from channels_adapters.registry import adapter_for
from conversations.inbox_services import conversation_take_over
from conversations.models import CannedReply, Conversation, Direction, Message
from conversations.services import conversation_hand_off, conversation_send

REPLY_MAX = 4000  # as the API's AgentReplySerializer
# Canned replies offered by the composer: a team's list, not a library.
CANNED_MAX = 200

OPTED_OUT = "The shopper opted out (STOP): they can't be written to."


class ReplyRefused(Exception):
    """The channel's rules (or the shopper) forbid this reply now: nothing was sent or
    logged. `code` is a base.PERMANENT_* reason."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.code = code


def conversation_last_inbound_at(*, conversation: Conversation) -> datetime | None:
    """When the shopper last wrote: their latest logged message (the (conversation, id)
    index, read backwards)."""
    return (
        Message.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .order_by("-id")
        .values_list("created_at", flat=True)
        .first()
    )


def conversation_reply_window(
    *, conversation: Conversation, now: datetime | None = None
) -> ReplyWindow:
    """What the conversation's channel lets the shop send now."""
    adapter = adapter_for(conversation.channel.kind)
    last = conversation_last_inbound_at(conversation=conversation)
    return adapter.reply_window(last, now or timezone.now())


def reply_cost(*, conversation: Conversation, text: str, shop) -> ReplyCost | None:
    """What `text` would cost `shop` as one reply, on channels that bill per message (the
    adapter counts and words it); None elsewhere."""
    adapter = adapter_for(conversation.channel.kind)
    return adapter.reply_cost(text, currency=shop.currency, language=shop.language)


def canned_replies(*, shop) -> list[CannedReply]:
    return list(CannedReply.objects.for_shop(shop).order_by("shortcut", "id")[:CANNED_MAX])


def reply_templates(*, conversation: Conversation) -> list[WhatsAppTemplate]:
    """The templates registered for the conversation's channel (WhatsApp numbers have them)."""
    return list(
        WhatsAppTemplate.objects.filter(
            shop_id=conversation.shop_id, channel_id=conversation.channel_id
        )
    )


def _refusal(window: ReplyWindow, *, template: bool) -> ReplyRefused | None:
    if window.open or (template and window.template_only):
        return None
    return ReplyRefused(window.explanation, code=PERMANENT_WINDOW_CLOSED)


def _message(
    conversation: Conversation, text: str, template: WhatsAppTemplate | None, params
) -> m.OutboundMessage:
    if template is None:
        text = text.strip()
        if not text:
            raise ReplyRefused("Write a reply first.", code=PERMANENT_REJECTED)
        if len(text) > REPLY_MAX:
            raise ReplyRefused(
                f"A reply is at most {REPLY_MAX} characters.", code=PERMANENT_REJECTED
            )
        return m.Text(text)
    if template.shop_id != conversation.shop_id or template.channel_id != conversation.channel_id:
        raise ReplyRefused(
            "This template belongs to another number of the shop.", code=PERMANENT_REJECTED
        )
    values = tuple(str(value).strip() for value in params)
    if len(values) != template.param_count or not all(values):
        raise ReplyRefused(
            f"The template {template} needs {template.param_count} value(s), none blank.",
            code=PERMANENT_REJECTED,
        )
    return m.Template(
        name=template.name,
        language=template.language,
        params=values,
        text=template.filled(values),
    )


def conversation_reply(
    *,
    conversation: Conversation,
    author,
    text: str = "",
    template: WhatsAppTemplate | None = None,
    params: tuple[str, ...] | list[str] = (),
    now: datetime | None = None,
) -> Message:
    """A person's reply: free text, or a registered template with its values. Checked against
    the shopper's opt-out and the channel's window first (ReplyRefused: nothing sent, nothing
    logged); then the conversation is taken over from the bot (by `author`, unless a teammate
    has it), and the message queued with the tag the window asks for. Returns the logged
    message."""
    if conversation.opted_out:
        raise ReplyRefused(OPTED_OUT, code=PERMANENT_OPTED_OUT)
    window = conversation_reply_window(conversation=conversation, now=now)
    refusal = _refusal(window, template=template is not None)
    if refusal is not None:
        raise refusal
    message = _message(conversation, text, template, params)
    with transaction.atomic():
        if author is not None and conversation.assigned_to_id in (None, author.pk):
            # The inbox's take-over (the bot goes silent, the conversation is the author's and
            # open, the transcript and integrators are told); a teammate's stays theirs.
            conversation_take_over(conversation=conversation, user=author)
        else:
            conversation_hand_off(conversation=conversation)
        conversation_send(
            conversation=conversation, messages=[message], author=author, tag=window.tag
        )
    return Message.objects.filter(conversation=conversation).order_by("-id").first()
