"""The adapter contract. One package per channel implements `ChannelAdapter`; nothing else in
Souk knows a platform's wire format. Adapters speak only normalized messages
(channels_adapters.messages) and `AccountContext`: they never import the catalog, orders,
payments or conversations, so adding a channel is adding one package.

Reading what platforms send (docs/channels.md, "Reading platform payloads"): the webhook view
parses the body once with `shops.untrusted.loads` (limits, non-finite numbers refused, strings
repaired) and checks the signature; the adapter then reads only through the typed helpers of
`channels_adapters.payload`, so a value of the wrong type is an `Unreadable` naming the field,
never a TypeError. `split` refuses a body only when it is not the platform's at all
(WebhookRejected, a 400); one event it cannot identify is left out with one warning and its
siblings are stored. `parse` raises nothing but `Unreadable`, whose `fallback` (an `Unsupported`
from a known sender, or nothing) is what the worker hands on: the event is marked processed
with the reason, never retried, and the shopper gets an answer rather than silence. Ids come
out as strings of at most `payload.ID_MAX` characters.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, npgettext

from channels_adapters.messages import (
    Card,
    Carousel,
    Image,
    InboundEvent,
    Invoice,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Text,
    receipt_text,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountContext:
    """What an adapter needs of a channel account: ids and decrypted credentials."""

    id: int
    kind: str
    external_id: str
    credentials: Mapping[str, str] = field(default_factory=dict)
    webhook_url: str = ""


@dataclass(frozen=True)
class RawEvent:
    """One platform event cut out of a webhook body, stored as an InboundEvent row.

    `event_id` is the platform's own id (Messenger mid, Telegram update_id, WhatsApp wamid,
    Twilio MessageSid): redelivery of the same event is recognised by it. `account_id` routes
    a Meta event to its channel (page id, phone number id); empty when the URL says it."""

    event_id: str
    payload: dict
    account_id: str = ""


@dataclass(frozen=True)
class SendResult:
    platform_message_id: str = ""


class SendError(Exception):
    def __init__(self, message: str, *, code: str = ""):
        super().__init__(message)
        self.code = code


class TransientSendError(SendError):
    """Timeout, connection error, 5xx: try again later with backoff."""


class RateLimited(TransientSendError):
    """The platform said slow down; `retry_after` seconds when it said how long."""

    def __init__(self, message: str, *, retry_after: float | None = None, code: str = ""):
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """Retrying cannot help: the user blocked the bot, the messaging window closed, the
    recipient is invalid or opted out, or the payload was refused. Recorded, not retried.
    `code` is one of the PERMANENT_* reasons below when known."""


PERMANENT_BLOCKED = "blocked"
PERMANENT_WINDOW_CLOSED = "window_closed"
PERMANENT_INVALID_RECIPIENT = "invalid_recipient"
PERMANENT_OPTED_OUT = "opted_out"
PERMANENT_BAD_CREDENTIALS = "bad_credentials"
PERMANENT_REJECTED = "rejected"


# Why a message may be sent outside a channel's reply window.
TAG_POST_PURCHASE = "post_purchase"  # receipts, shipping and refund news for an order
TAG_HUMAN_AGENT = "human_agent"  # a person answering the shopper's question, a bit later


@dataclass(frozen=True)
class ReplyWindow:
    """What a channel lets the shop send now, given when the shopper last wrote.

    `open`: free-form messages may go (with `tag` when the channel wants one, base.TAG_*).
    `template_only`: nothing free-form may go, but an approved template may (WhatsApp).
    Neither: nothing may go until the shopper writes again. `closes_at`: when what is allowed
    now stops being allowed (None: never). `explanation`: the rule as the agent reads it."""

    open: bool
    explanation: str
    closes_at: datetime | None = None
    tag: str = ""
    template_only: bool = False


@dataclass(frozen=True)
class ReplyCost:
    """What a reply costs the shop on a channel that bills per message (SMS segments), as the
    inbox's composer shows it under the text (`ChannelAdapter.reply_cost`).

    `line`: what the counter says for the text so far. `unit_cost`: one billed unit, in minor
    units of the shop's currency, which the composer's script (static/dashboard/composer.js,
    counting SMS segments) multiplies as the agent types."""

    line: str
    unit_cost: int


def span(delta: timedelta) -> str:
    """A duration as people say it in a status line, in the active language: "12 min", "3 h",
    "8 days" ("8 jours", "8天"), as the texts it goes into are translated."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        count = max(minutes, 1)
        return npgettext("span_minutes", "%(count)d min", "%(count)d min", count) % {"count": count}
    if minutes < 48 * 60:
        count = minutes // 60
        return npgettext("span_hours", "%(count)d h", "%(count)d h", count) % {"count": count}
    count = minutes // (24 * 60)
    return npgettext("span_days", "%(count)d day", "%(count)d days", count) % {"count": count}


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do, asked by the bot instead of testing which channel it is.

    `native_invoice`: the platform shows an invoice and takes the payment itself, asking name,
    phone and address on its sheet (Telegram Payments, when the account has a provider token:
    the adapter's `invoice_ready`); the adapter then brings its `payment_provider` and answers
    the invoice's questions (`answer_shipping_query`, `answer_pre_checkout_query`).
    `numbered_menus`: no buttons; menus are numbered lines and the shopper types a number
    (SMS). `location_sharing`: the shopper can send a location (a map pin). `reply_window`:
    free-form messages are allowed only for a while after the shopper wrote (`reply_window`).
    `templates`: approved templates may go outside that window (WhatsApp). `wallet`: the
    payment method the platform's own in-app browser pays with, as Stripe names it
    ("wechat_pay"): the payment page offers it beside the card ("": none)."""

    native_invoice: bool = False
    numbered_menus: bool = False
    location_sharing: bool = False
    reply_window: bool = False
    templates: bool = False
    wallet: str = ""


def plain_text(message: OutboundMessage) -> str:
    """A message as plain text, the last rung of every channel's ladder: its text, a
    carousel's card titles, an image's caption and address, a receipt or an invoice as words."""
    if isinstance(message, Receipt):
        return receipt_text(message)
    if isinstance(message, Invoice):
        return "\n".join(part for part in (message.title, message.description) if part)
    if isinstance(message, Image):
        return "\n".join(part for part in (message.caption, message.url) if part)
    if isinstance(message, Carousel):
        titles = [f"• {card.title}" for card in message.cards if card.title]
        return "\n".join(part for part in (message.text, *titles) if part)
    return str(getattr(message, "text", "") or "")


def card_payload(card: Card) -> str:
    """What a card's number picks: the card's own payload, else its first postback button's."""
    return card.payload or next((b.payload for b in card.buttons if b.payload), "")


class WebhookRejected(Exception):
    """The body is not what the platform sends (400)."""


class PlatformRefused(Exception):
    """Connecting: the platform said no (bad token, unknown page…); the message is its reason."""


@dataclass(frozen=True)
class ConnectField:
    """One value a brand gives to connect a channel: `external_id` (the page, number… Souk
    routes by) or a key of the credentials. The API's serializer documents these and the
    dashboard builds its connect form from them; the adapter's `connect_check` validates."""

    name: str
    label: str
    help_text: str
    secret: bool = True  # a password input, never rendered back
    required: bool = True
    input_type: str = ""  # the HTML input type when not text ("tel")


@dataclass(frozen=True)
class ConnectGuide:
    """How the dashboard's connect page explains the channel: a title, where each value is
    found on the platform, step by step, and what to do with the webhook URL (if anything)."""

    title: str
    steps: tuple[str, ...]
    webhook_help: str = ""
    # Said once connected, instead of the webhook help, when Souk set the webhook itself.
    connected_note: str = ""


@dataclass(frozen=True)
class Connection:
    """What `connect_check` established: the account as it will be stored. `webhook_secret`
    is a secret the platform will echo on every webhook (kept only as a digest)."""

    external_id: str
    name: str
    credentials: dict
    webhook_secret: str = ""


@dataclass(frozen=True)
class ShopContext:
    """What connecting needs of the shop (adapters never import the shop models)."""

    name: str
    language: str
    slug: str


def require(values: Mapping[str, object], *names: str, prefix: str = "credentials.") -> None:
    """A ValidationError naming every blank required value (`credentials.token`), as the API
    names fields."""
    missing = [n for n in names if not str(values.get(n) or "").strip()]
    if missing:
        raise ValidationError(
            {f"{prefix}{n}": gettext_lazy("This field is required.") for n in missing}
        )


class ChannelAdapter(ABC):
    kind: str = ""
    # Sends per second allowed per account, and the least interval between two sends to one
    # recipient (shared/channel-limits.md), of which `per_recipient_burst` may go at once
    # before the interval applies; enforced by the send pipeline across all workers.
    rate_per_second: float = 10.0
    per_recipient_interval: float = 0.0
    per_recipient_burst: int = 1
    capabilities: Capabilities = Capabilities()
    # With `native_invoice`: the dotted path of the payment provider the channel brings
    # (payments' `PaymentProvider` contract), stored on its payments under the channel's kind
    # (so at most 10 characters: Payment.provider). A string, so that the adapter imports no
    # payments: only payments imports it.
    payment_provider: str = ""

    def split(self, body: dict) -> list[RawEvent]:
        """The events a verified webhook body carries, each with its platform id. Raises
        WebhookRejected when the body is not the platform's; an event it cannot identify is
        left out (`payload.skipped`), the others kept."""
        raise NotImplementedError

    @abstractmethod
    def parse(self, payload: dict) -> list[InboundEvent]:
        """Normalized events of one stored raw event (may be empty: e.g. an echo). Raises
        `payload.Unreadable` (and nothing else) for a payload of the wrong shape."""

    @abstractmethod
    def render(self, message: OutboundMessage) -> list[dict]:
        """The channel payloads that say `message`, each within the channel's limits,
        degrading along the adapter's declared ladder when the rich form cannot hold it."""

    @abstractmethod
    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        """Deliver one rendered payload, with a timeout. Raises TransientSendError,
        RateLimited or PermanentSendError."""

    def preview_bubbles(self, payload: dict) -> list:
        """How the channel's app shows one rendered payload, for the dashboard's preview
        (`channels_adapters.preview.Bubble`s; the package's preview.py). Default: the payload."""
        import json

        from channels_adapters.preview import Bubble

        return [Bubble(form="payload", text=json.dumps(payload, ensure_ascii=False))]

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        """Where the channel fell back to a plainer form for `messages`, for the preview."""
        return []

    def unrenderable(self, message: OutboundMessage) -> list[dict]:
        """What `render` returns for a message type the channel has no form for
        (docs/channels.md, "What a channel cannot say or read"): the message's plain text as a
        Text, the last rung of every ladder, and one ERROR naming the channel and the type;
        nothing when it has no text. Never raises: `render` runs inside the inbound event's
        processing transaction, where an exception would roll back the bot's whole turn and
        retry it to no end, leaving the shopper with silence."""
        logger.error(
            "%s cannot render %s messages: sent as plain text",
            self.kind,
            message.type or type(message).__name__,
        )
        text = plain_text(message)
        return self.render(Text(text)) if text.strip() else []

    def numbered_payloads(self, message: OutboundMessage) -> list[str]:
        """What numbers 1..n of `message` stand for when the shopper types one: its options
        with a payload, or its cards' own payload (else their first postback) then `more`. A
        channel that renders menus as numbered lines (SMS) says what it shows."""
        if isinstance(message, QuickReplies):
            return [option.payload for option in message.options if option.payload]
        if isinstance(message, Carousel):
            firsts = [card_payload(card) for card in message.cards]
            more = [message.more.payload] if message.more and message.more.payload else []
            return [payload for payload in firsts if payload] + more
        return []

    def urgent(self, payload: dict) -> bool:
        """Whether a stored raw event must be answered within seconds, ahead of the queue
        (Telegram's pre-checkout and shipping queries). Default: no."""
        return False

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        """What may be sent to a shopper who last wrote at `last_inbound_at` (None: never).
        Default: no window, anything at any time."""
        return ReplyWindow(open=True, explanation="No reply window: you can write at any time.")

    def text_segments(self, text: str) -> tuple[str, int] | None:
        """(encoding, billed segments) of `text` on channels that bill per segment (SMS);
        None elsewhere."""
        return None

    def reply_cost(self, text: str, *, currency: str, language: str) -> ReplyCost | None:
        """What `text` sent as one reply would cost the shop (`currency`, amounts written for
        `language`), on channels that bill per message; None elsewhere. The composer shows it."""
        return None

    def tagged(self, payloads: list[dict], tag: str) -> list[dict]:
        """Payloads marked as allowed outside the reply window for reason `tag` (TAG_*), on
        channels that have such marks. Default: unchanged."""
        return payloads

    # --- Native invoices (`Capabilities.native_invoice`; payments/invoices.py decides) ---

    def invoice_ready(self, credentials: Mapping[str, str]) -> bool:
        """Whether an account with these credentials can be sent an `Invoice` (what the
        platform needs besides the capability: Telegram's payment provider token)."""
        return self.capabilities.native_invoice

    def answer_shipping_query(
        self,
        account: AccountContext,
        query_id: str,
        *,
        options: Sequence[tuple[str, str, Sequence[tuple[str, int]]]] = (),
        error: str = "",
    ) -> None:
        """The shipping options for the address a `ShippingQuery` gave, (id, title,
        [(label, amount)]) each, or the `error` the shopper reads."""
        raise NotImplementedError

    def answer_pre_checkout_query(
        self, account: AccountContext, query_id: str, *, error: str = ""
    ) -> None:
        """Yes to a `PreCheckout` (no `error`) or no, with the reason the shopper reads,
        within the platform's deadline."""
        raise NotImplementedError

    # --- Connecting (channels_adapters.setup calls these; the API and dashboard call setup) ---

    # What a brand gives to connect (empty for a built-in channel), and how it is explained.
    connect_fields: tuple[ConnectField, ...] = ()
    connect_guide: ConnectGuide | None = None

    def connect_check(
        self, *, credentials: Mapping[str, str], external_id: str, name: str, shop: ShopContext
    ) -> Connection:
        """Validates what the brand gave (ValidationError naming `external_id` or
        `credentials.<key>`) and checks it with the platform (PlatformRefused with its
        reason), before anything is stored. No platform-side change yet."""
        raise ValidationError({"kind": f"{self.kind} channels cannot be connected this way."})

    def connect_setup(self, account: AccountContext, *, shop: ShopContext, secret: str) -> None:
        """The platform-side setup that needs the stored account (its webhook URL carries our
        id): a webhook, a menu, a greeting. PlatformRefused makes setup remove the account
        again, so a channel is connected completely or not at all. Default: nothing."""
        return None

    def disconnect(self, account: AccountContext) -> None:
        """Undo the platform-side setup before the account is deleted (Telegram's webhook).
        Best effort: the account goes even if this raises SendError. Default: nothing."""
        return None

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        """The path the platform sends this account's events to (the web chat: its page); ""
        when the channel has none."""
        return ""

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        """A link that opens the shopper's conversation with the account from a web page (the
        payment page's "back to the chat"); "" when there is none. `name` is the account's
        display name (a bot's @username, a WhatsApp number). Default: none."""
        return ""

    def opens_pages(self, user_agent: str) -> bool:
        """Whether a page was opened in this platform's own in-app browser (its user agent),
        so the page can offer the platform's wallet (`Capabilities.wallet`). Default: no."""
        return False

    def channels_page_section(self, request, row) -> tuple[str, dict] | None:
        """The dashboard's Channels page section this channel draws for its account instead of
        the account's row among the connected ones: (template name, context), rendered with
        the request and shown first. `row` is the page's row of the account (`account`,
        `webhook_url`, `failure_reason`). The web chat's link and widget snippet; default:
        None, the account is listed with the others."""
        return None


def header(headers: Mapping[str, str], name: str) -> str:
    """Case-insensitive header lookup over a plain mapping or Django's request.headers."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), "")
    return value or ""
