"""Normalized messages: what the bot says and hears, independent of any channel.

Outbound messages are what the bot decides to say; each adapter renders them in its channel's
richest native form within that channel's limits. Inbound events are what adapters parse out of
platform webhooks. Everything here is a frozen dataclass that round-trips through JSON
(`to_dict` / `outbound_from_dict` / `inbound_from_dict`) so it can be stored and queued.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

# --- Outbound -----------------------------------------------------------------------------------


def as_dict(value: Any) -> Any:
    """`dataclasses.asdict` for these messages and the bot's state: the same dicts, lists and
    tuples, built from each class's field names read once. asdict looks the fields up and
    deep-copies every value each time: 2 % of the worker's CPU per event (docs/performance.md);
    the values here are text, numbers and other such messages, nothing to copy."""
    if hasattr(type(value), "__dataclass_fields__"):
        return {name: as_dict(getattr(value, name)) for name in _field_names(type(value))}
    if isinstance(value, list | tuple):
        return type(value)(as_dict(item) for item in value)
    if isinstance(value, dict):
        return {key: as_dict(item) for key, item in value.items()}
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


@dataclass(frozen=True)
class Button:
    """A tap. `payload` comes back as ButtonPressed.payload; a button with `url` opens a page.
    Payloads are compact (Telegram allows 64 bytes): e.g. "p:123", "v:45:q:2"."""

    title: str
    payload: str = ""
    url: str = ""


# The payload of a QuickReplies option asking the shopper for their location. Channels that can
# receive one (`Capabilities.location_sharing`) draw it natively — Telegram's request_location
# keyboard button, WhatsApp's location request message, the web chat's geolocation chip — and
# the answer comes back as `LocationShared`, never as this payload. Elsewhere the bot does not
# offer it; a typed number that picks it is a tap like any other (conversations/engine/table.py).
SHARE_LOCATION = "location"


@dataclass(frozen=True)
class Card:
    """A product-like card: title, subtitle, an image, a price already formatted, buttons.
    `payload`: what choosing the card itself means (its number where menus are numbered, as
    on SMS, whose lines show no buttons); empty, its first postback button's."""

    title: str
    subtitle: str = ""
    image_url: str = ""
    price: str = ""
    buttons: tuple[Button, ...] = ()
    payload: str = ""


@dataclass(frozen=True)
class OutboundMessage:
    type: ClassVar[str] = ""

    def to_dict(self) -> dict:
        return {"type": self.type, **as_dict(self)}


@dataclass(frozen=True)
class Text(OutboundMessage):
    type: ClassVar[str] = "text"
    text: str


@dataclass(frozen=True)
class QuickReplies(OutboundMessage):
    """A question with a few answers to tap (Messenger quick replies, Telegram inline keyboard,
    WhatsApp reply buttons or list, SMS numbered menu)."""

    type: ClassVar[str] = "quick_replies"
    text: str
    options: tuple[Button, ...]
    number_from: int = 1  # the first option's number on numbered menus (engine/numbering.py)


@dataclass(frozen=True)
class Carousel(OutboundMessage):
    """Cards to swipe through. `more` is the button that shows the next page, if any."""

    type: ClassVar[str] = "carousel"
    cards: tuple[Card, ...]
    text: str = ""
    more: Button | None = None
    number_from: int = 1  # the first card's number on numbered menus (engine/numbering.py)


@dataclass(frozen=True)
class Image(OutboundMessage):
    type: ClassVar[str] = "image"
    url: str
    caption: str = ""


@dataclass(frozen=True)
class ReceiptLine:
    title: str
    quantity: int
    price: str  # the line's total, formatted
    amount: int = 0  # the same in minor units (Messenger's receipt wants numbers)
    subtitle: str = ""
    image_url: str = ""


@dataclass(frozen=True)
class Receipt(OutboundMessage):
    """A paid order: Messenger's receipt template, a formatted card elsewhere. Amounts come
    both formatted (for text) and in minor units with the currency (for templates)."""

    type: ClassVar[str] = "receipt"
    order_number: str
    recipient_name: str
    currency: str
    lines: tuple[ReceiptLine, ...]
    subtotal: str
    shipping: str
    total: str
    subtotal_amount: int = 0
    shipping_amount: int = 0
    total_amount: int = 0
    payment_method: str = ""
    address: str = ""
    heading: str = ""  # "Thank you! Order #1001 is paid."
    labels: tuple[tuple[str, str], ...] = ()  # translated: ("shipping", "Livraison :")…


@dataclass(frozen=True)
class Invoice(OutboundMessage):
    """A native payment request (Telegram invoices; only sent to channels that have one).
    Prices in minor units; `payload` names our payment (≤ 128 bytes)."""

    type: ClassVar[str] = "invoice"
    title: str
    description: str
    payload: str
    currency: str
    prices: tuple[tuple[str, int], ...]
    need_name: bool = False
    need_phone_number: bool = False
    need_shipping_address: bool = False
    is_flexible: bool = False
    photo_url: str = ""


@dataclass(frozen=True)
class Template(OutboundMessage):
    """A message template approved by the platform (WhatsApp), the only kind of message some
    channels deliver outside their reply window: its `name` and `language` as registered, and
    the values of its body's {{1}}, {{2}}… `text` is the body with the values filled in, what
    the shopper reads: channels without templates send it as text."""

    type: ClassVar[str] = "template"
    name: str
    language: str
    params: tuple[str, ...] = ()
    text: str = ""


OUTBOUND_TYPES: dict[str, type[OutboundMessage]] = {
    cls.type: cls for cls in (Text, QuickReplies, Carousel, Image, Receipt, Invoice, Template)
}


def receipt_text(receipt: Receipt) -> str:
    """The receipt as plain text, for channels without a receipt template."""
    labels = dict(receipt.labels)
    rows = [receipt.heading] if receipt.heading else []
    colon = labels.get("line_price", ":")  # "\u00a0:" in French
    rows += [f"{line.quantity} x {line.title}{colon} {line.price}" for line in receipt.lines]
    rows.append(f"{labels.get('shipping', 'Shipping:')} {receipt.shipping}")
    rows.append(f"{labels.get('total_label', 'Total:')} {receipt.total}")
    if receipt.payment_method:
        rows.append(f"{labels.get('paid_with', 'Paid with:')} {receipt.payment_method}")
    if receipt.address:
        rows.append(f"{labels.get('ship_to', 'Ship to:')} {receipt.address}")
    return "\n".join(rows)


def _button(data: dict) -> Button:
    return Button(**data)


def _card(data: dict) -> Card:
    return Card(**{**data, "buttons": tuple(_button(b) for b in data.get("buttons", ()))})


def outbound_from_dict(data: dict) -> OutboundMessage:
    data = dict(data)
    cls = OUTBOUND_TYPES[data.pop("type")]
    if cls is QuickReplies:
        data["options"] = tuple(_button(b) for b in data["options"])
    elif cls is Carousel:
        data["cards"] = tuple(_card(c) for c in data["cards"])
        data["more"] = _button(data["more"]) if data.get("more") else None
    elif cls is Receipt:
        data["lines"] = tuple(ReceiptLine(**line) for line in data["lines"])
        data["labels"] = tuple(tuple(pair) for pair in data.get("labels", ()))
    elif cls is Invoice:
        data["prices"] = tuple(tuple(pair) for pair in data["prices"])
    elif cls is Template:
        data["params"] = tuple(data.get("params", ()))
    return cls(**data)


# --- Inbound ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sender:
    """Who wrote, as the channel knows them. `external_id` is the id to reply to (PSID, chat
    id, WhatsApp id, phone number, web chat visitor id)."""

    external_id: str
    name: str = ""
    phone: str = ""
    language: str = ""


@dataclass(frozen=True)
class InboundEvent:
    type: ClassVar[str] = ""
    sender: Sender
    message_id: str = ""  # the platform's id of this message or event

    def to_dict(self) -> dict:
        return {"type": self.type, **as_dict(self)}


@dataclass(frozen=True)
class TextReceived(InboundEvent):
    type: ClassVar[str] = "text"
    text: str = ""


@dataclass(frozen=True)
class ButtonPressed(InboundEvent):
    """A postback, quick reply, inline-keyboard callback, WhatsApp button or list reply."""

    type: ClassVar[str] = "button"
    payload: str = ""
    title: str = ""


@dataclass(frozen=True)
class LocationShared(InboundEvent):
    type: ClassVar[str] = "location"
    latitude: float = 0.0
    longitude: float = 0.0
    address: str = ""


@dataclass(frozen=True)
class ContactShared(InboundEvent):
    type: ClassVar[str] = "contact"
    phone: str = ""
    name: str = ""


@dataclass(frozen=True)
class CartItem:
    retailer_id: str
    quantity: int
    price_minor: int = 0
    currency: str = ""


@dataclass(frozen=True)
class CartSubmitted(InboundEvent):
    """A WhatsApp `order` message: a cart the shopper built in the catalog UI."""

    type: ClassVar[str] = "cart"
    items: tuple[CartItem, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class ShippingQuery(InboundEvent):
    """Telegram: the shopper entered a shipping address in an invoice; answer with the
    shipping options (or an error) right away. `payload` is our invoice payload."""

    type: ClassVar[str] = "shipping_query"
    query_id: str = ""
    payload: str = ""
    address: dict = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class PreCheckout(InboundEvent):
    """Telegram: the shopper pressed Pay; confirm within 10 seconds that the order can still
    be sold at this total, or refuse with a reason."""

    type: ClassVar[str] = "pre_checkout"
    query_id: str = ""
    payload: str = ""
    currency: str = ""
    total_amount: int = 0
    shipping_option_id: str = ""
    # What the payment sheet collected, as payments keep it: name, phone, address (an
    # order's shipping_address dict, {} when none); the adapter reads its platform's shape.
    order_info: dict = dataclasses.field(default_factory=dict)


@dataclass(frozen=True)
class PaymentSucceeded(InboundEvent):
    """Telegram's successful_payment: the money is taken; fulfil now, not before."""

    type: ClassVar[str] = "payment"
    payload: str = ""
    currency: str = ""
    total_amount: int = 0
    shipping_option_id: str = ""
    # What the payment sheet collected, as payments keep it: name, phone, address (an
    # order's shipping_address dict, {} when none); the adapter reads its platform's shape.
    order_info: dict = dataclasses.field(default_factory=dict)
    telegram_charge_id: str = ""
    provider_charge_id: str = ""


@dataclass(frozen=True)
class OptOut(InboundEvent):
    """SMS STOP/UNSUBSCRIBE…: send nothing more to this sender."""

    type: ClassVar[str] = "opt_out"


@dataclass(frozen=True)
class OptIn(InboundEvent):
    """SMS START/UNSTOP: the sender may be written to again."""

    type: ClassVar[str] = "opt_in"


@dataclass(frozen=True)
class StatusUpdate(InboundEvent):
    """Delivery news about a message we sent: recorded, never answered.
    `status` is one of sent, delivered, read, failed."""

    type: ClassVar[str] = "status"
    status: str = ""
    error: str = ""


@dataclass(frozen=True)
class Unsupported(InboundEvent):
    """Something the shopper sent that we do not handle (a sticker, a voice note): the bot
    answers with help rather than silence."""

    type: ClassVar[str] = "unsupported"
    what: str = ""


INBOUND_TYPES: dict[str, type[InboundEvent]] = {
    cls.type: cls
    for cls in (
        TextReceived,
        ButtonPressed,
        LocationShared,
        ContactShared,
        CartSubmitted,
        OptOut,
        OptIn,
        StatusUpdate,
        Unsupported,
        ShippingQuery,
        PreCheckout,
        PaymentSucceeded,
    )
}


def inbound_from_dict(data: dict) -> InboundEvent:
    data = dict(data)
    cls = INBOUND_TYPES[data.pop("type")]
    data["sender"] = Sender(**data["sender"])
    if cls is CartSubmitted:
        data["items"] = tuple(CartItem(**item) for item in data.get("items", ()))
    return cls(**data)
