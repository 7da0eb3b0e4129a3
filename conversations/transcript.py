"""A conversation as the team reads it in the inbox: the shopper's messages and what was sent
to them (as the shopper saw it: cards, chips, receipts, payment requests), who wrote each
outgoing message and whether it was delivered (and if not, why, in words), with the team's
private notes and actions in between."""

from dataclasses import dataclass, field
from datetime import datetime

from channels_adapters import base
from channels_adapters.models import OutboundStatus
from channels_adapters.preview import shown_url
from conversations.models import ConversationNote, Direction, Message
from conversations.payloads import decode
from conversations.people import person_label
from shops.models import Shop
from shops.money import format_amount

BOT = "Bot"

# Why a message never reached the shopper (OutboundMessage.error_code), said plainly.
DELIVERY_REASONS = {
    base.PERMANENT_BLOCKED: "Blocked: the shopper blocked the shop on this channel.",
    base.PERMANENT_WINDOW_CLOSED: (
        "Window closed: the channel no longer accepts messages this long after the shopper's "
        "last message."
    ),
    base.PERMANENT_INVALID_RECIPIENT: (
        "Undeliverable: this number or account no longer receives messages."
    ),
    base.PERMANENT_OPTED_OUT: "Unsubscribed: the shopper replied STOP.",
    base.PERMANENT_BAD_CREDENTIALS: (
        "The channel refused the shop's credentials: reconnect it on the Channels page."
    ),
    base.PERMANENT_REJECTED: "Refused by the platform.",
    "gave_up": "Undeliverable: the platform could not be reached after several tries.",
}
UNKNOWN_REASON = "Not delivered."

ACTIVITIES = {
    "took_over": "took over from the bot",
    "handed_back": "handed the conversation back to the bot",
    "assigned": "assigned the conversation to {text}",
    "unassigned": "unassigned the conversation",
    "resolved": "resolved the conversation",
    "reopened": "reopened the conversation",
}


def delivery_reason(code: str) -> str:
    return DELIVERY_REASONS.get(code, UNKNOWN_REASON)


@dataclass
class Entry:
    """One line of the transcript. `kind`: "in", "out", "note" or "activity"."""

    kind: str
    pk: int
    at: datetime
    body: dict = field(default_factory=dict)
    text: str = ""
    author: str = ""
    delivery: str = ""  # queued, sent, failed ("" for inbound, notes)
    reason: str = ""
    amount: str = ""  # a payment's or payment request's total, formatted

    @property
    def dom_id(self) -> str:
        prefix = "note" if self.kind in ("note", "activity") else "message"
        return f"{prefix}-{self.pk}"


def _money(shop: Shop, amount: int, currency: str) -> str:
    return format_amount(int(amount or 0), currency or shop.currency, shop.language)


def _outbound_body(body: dict) -> dict:
    """The message with its image URLs as the dashboard may show them (its own media only)."""
    shown = dict(body)
    if "url" in shown and shown.get("type") == "image":
        shown["url"] = shown_url(shown["url"])
    if "cards" in shown:
        shown["cards"] = [
            {**card, "image_url": shown_url(card.get("image_url", ""))} for card in shown["cards"]
        ]
    return shown


def _tap_title(body: dict) -> str:
    """What the shopper tapped, in words: the button's title, else what its payload means."""
    if body.get("title"):
        return body["title"]
    payload = body.get("payload", "")
    tap = decode(payload)
    return tap.action if tap else payload


def _message_entry(message: Message, shop: Shop) -> Entry:
    body = message.body or {}
    if message.direction == Direction.INBOUND:
        entry = Entry("in", message.pk, message.created_at, body=body, text=message.text)
        if message.kind == "button":
            entry.text = _tap_title(body)
        elif message.kind == "payment":
            entry.amount = _money(shop, body.get("total_amount", 0), body.get("currency", ""))
        return entry
    entry = Entry(
        "out",
        message.pk,
        message.created_at,
        body=_outbound_body(body),
        text=message.text,
        author=person_label(message.author) or BOT,
    )
    if message.kind == "invoice":
        total = sum(int(amount) for _label, amount in body.get("prices", ()))
        entry.amount = _money(shop, total, body.get("currency", ""))
    outbound = message.outbound
    if outbound is not None:
        entry.delivery = outbound.status
        if outbound.status == OutboundStatus.FAILED:
            entry.reason = delivery_reason(outbound.error_code)
    return entry


def _note_entry(note: ConversationNote) -> Entry:
    if not note.event:
        return Entry(
            "note", note.pk, note.created_at, text=note.text, author=person_label(note.author)
        )
    event = note.event
    if event == "assigned" and not note.text:
        event = "unassigned"
    text = ACTIVITIES.get(event, event).format(text=note.text)
    return Entry("activity", note.pk, note.created_at, text=text, author=person_label(note.author))


def transcript(
    *, messages: list[Message], notes: list[ConversationNote], shop: Shop
) -> list[Entry]:
    """Messages and notes in the order they happened."""
    entries = [_message_entry(message, shop) for message in messages]
    entries += [_note_entry(note) for note in notes]
    return sorted(
        entries, key=lambda entry: (entry.at, entry.kind in ("note", "activity"), entry.pk)
    )
