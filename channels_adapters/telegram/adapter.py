"""The Telegram channel: webhook Updates in, Bot API calls out (python-telegram-bot).

Rendering stays within shared/channel-limits.md (Telegram section; numbers in limits.py), with
lengths counted in UTF-16 units. Payloads are `{"method": ..., "params": {...}}` without
`chat_id`, which `send` adds.

Degradation ladder
  Text          one sendMessage per ≤ 4096 units, cut at a paragraph break, else a line break,
                else a space, else anywhere (never inside an emoji sequence). Blank text: nothing.
  QuickReplies  the text as above with an inline keyboard on its last part ("👇" when there is
                no text): 3 buttons a row while titles are ≤ 10 units, 2 while ≤ 20, else 1;
                the first 24 options only.
                With a `SHARE_LOCATION` option: the text with a one-time reply keyboard whose
                one button sends the shopper's location (`request_location`; inline buttons
                cannot), then the other options on a "👇" message with an inline keyboard, so
                their taps keep their payloads.
  Carousel      the first 10 cards, one message each, the intro text at the top of the first
                card's caption or text when both fit (else a message of its own first):
                  1. with an image: sendPhoto, caption (HTML) = bold title ≤ 256 units, price
                     ≤ 64, subtitle cut to what is left of 1024, keyboard of its first 6 buttons;
                  2. without an image: sendMessage with the same text and keyboard;
                  3. an image Telegram refuses at send time (dead URL, bad file): sent as in 2;
                then the `more` button on a final "👇" message. Cards past 10 are not rendered:
                the bot pages with `more`.
  Image         sendPhoto with the caption; a caption over 1024 goes in Text messages after the
                photo; no URL: the caption as Text.
  Buttons       titles on one line, ≤ 64 units (cut with "…"), "•" when blank. A URL button opens
                the URL. `callback_data` must be 1-64 bytes of UTF-8: a payload outside that is
                dropped and logged as an error, never cut into another valid-looking payload.
                Dropping rather than raising: render runs while the inbound event is processed,
                so an exception would roll back the bot's whole turn and retry it to no end,
                leaving the shopper with silence instead of a message missing one button.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import html
import logging
import os
import re
import ssl
import threading
import unicodedata
import warnings
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx
from django.conf import settings
from telegram import Bot, InputMediaPhoto, LabeledPrice, ShippingOption
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from channels_adapters import payload as read
from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_REJECTED,
    AccountContext,
    Capabilities,
    ChannelAdapter,
    PermanentSendError,
    RateLimited,
    RawEvent,
    ReplyWindow,
    SendError,
    SendResult,
    TransientSendError,
    WebhookRejected,
)
from channels_adapters.messages import (
    SHARE_LOCATION,
    Button,
    ButtonPressed,
    Card,
    Carousel,
    ContactShared,
    Image,
    InboundEvent,
    Invoice,
    LocationShared,
    OutboundMessage,
    PaymentSucceeded,
    PreCheckout,
    QuickReplies,
    Receipt,
    Sender,
    ShippingQuery,
    Template,
    Text,
    TextReceived,
    Unsupported,
    receipt_text,
)
from channels_adapters.telegram import bot_api, limits
from channels_adapters.telegram.connect import TelegramConnect
from channels_adapters.telegram.limits import utf16_units
from channels_adapters.text import one_line

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Souk's rendering choices, inside Telegram's limits (see the ladder above).
CAROUSEL_CARDS_MAX = 10
CARD_BUTTONS_MAX = 6
QUICK_REPLIES_MAX = 24
BUTTON_TEXT_MAX = 64
CARD_TITLE_MAX = 256
CARD_PRICE_MAX = 64
# A message carrying a keyboard needs a text; this one reads the same in every language.
PROMPT = "👇"
BLANK_BUTTON = "•"

# The updates the webhook asks for: what parse reads, plus what payments will need.
ALLOWED_UPDATES = (
    "message",
    "callback_query",
    "my_chat_member",
    "shipping_query",
    "pre_checkout_query",
)
# Message contents a shopper sends that the bot cannot read; "animation" before "document"
# because a GIF message carries both.
MEDIA_KINDS = (
    "animation",
    "sticker",
    "photo",
    "video",
    "video_note",
    "voice",
    "audio",
    "document",
    "poll",
    "dice",
    "game",
    "story",
    "paid_media",
)
# A Message's fields that are not what the shopper sent: its metadata, and the service
# messages a private chat gets (pins, auto-delete timers, access granted, shared chats…).
NOT_CONTENT = frozenset(
    {
        "message_id",
        "message_thread_id",
        "from",
        "sender_chat",
        "sender_boost_count",
        "sender_business_bot",
        "date",
        "business_connection_id",
        "chat",
        "forward_origin",
        "is_topic_message",
        "is_automatic_forward",
        "reply_to_message",
        "external_reply",
        "quote",
        "reply_to_story",
        "via_bot",
        "edit_date",
        "has_protected_content",
        "is_from_offline",
        "is_paid_post",
        "media_group_id",
        "author_signature",
        "paid_star_count",
        "effect_id",
        "link_preview_options",
        "reply_markup",
        "entities",
        "caption",
        "caption_entities",
        "show_caption_above_media",
        "has_media_spoiler",
        "pinned_message",
        "message_auto_delete_timer_changed",
        "write_access_allowed",
        "users_shared",
        "chat_shared",
        "web_app_data",
        "connected_website",
        "passport_data",
        "refunded_payment",
        "chat_background_set",
        "proximity_alert_triggered",
        "gift",
        "unique_gift",
        "paid_message_price_changed",
        "direct_message_price_changed",
        "new_chat_members",
        "left_chat_member",
        "new_chat_title",
        "new_chat_photo",
        "delete_chat_photo",
        "group_chat_created",
        "supergroup_chat_created",
        "channel_chat_created",
        "migrate_to_chat_id",
        "migrate_from_chat_id",
        "invoice",
        "boost_added",
        "checklist_tasks_done",
        "checklist_tasks_added",
    }
)
KIND_MAX = 40
URL_SCHEMES = ("https://", "http://", "tg://")
TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
CONNECT_TIMEOUT_MAX = 5.0


class TelegramAdapter(TelegramConnect, ChannelAdapter):
    kind = "telegram"
    capabilities = Capabilities(native_invoice=True, location_sharing=True)
    payment_provider = "channels_adapters.telegram.payment_provider.TelegramInvoiceProvider"
    rate_per_second = float(limits.MESSAGES_PER_SECOND)
    per_recipient_interval = limits.SECONDS_BETWEEN_MESSAGES_PER_CHAT
    per_recipient_burst = limits.MESSAGES_PER_CHAT_BURST

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.telegram import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.telegram import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        """A webhook delivery is one Update, identified by its update_id."""
        update_id = body.get("update_id") if isinstance(body, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise WebhookRejected("a Telegram Update needs an integer update_id")
        return [RawEvent(event_id=str(update_id), payload=body)]

    def urgent(self, payload: dict) -> bool:
        # answerPreCheckoutQuery after 10 s cancels the payment; the shipping options keep
        # the shopper waiting in the invoice.
        return "pre_checkout_query" in payload or "shipping_query" in payload

    def parse(self, payload: dict) -> list[InboundEvent]:
        # Plain dicts rather than Update.de_json: we read a handful of fields, and de_json
        # would build (and may choke on) every object of newer Bot API versions. Read through
        # channels_adapters.payload: a field of the wrong type is `read.Unreadable`.
        update = read.obj(payload, "update")
        if "callback_query" in update:
            return _parse_callback_query(read.obj(update["callback_query"], "callback_query"))
        if "message" in update:
            return _parse_message(read.obj(update["message"], "message"))
        if "pre_checkout_query" in update:
            query = read.obj(update["pre_checkout_query"], "pre_checkout_query")
            return _parse_pre_checkout(query)
        if "shipping_query" in update:
            return _parse_shipping_query(read.obj(update["shipping_query"], "shipping_query"))
        # Ignored on purpose:
        # - edited_message: the shopper corrected a message the bot already answered; live
        #   locations also update through it.
        # - my_chat_member: the user blocked or unblocked the bot; a later send finds out
        #   (PERMANENT_BLOCKED), nothing to answer now.
        # - channel posts, inline queries, polls, reactions, business messages: not a shop's.
        return []

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Text | Template):
            return _text_payloads(message.text)
        if isinstance(message, QuickReplies):
            if any(option.payload == SHARE_LOCATION for option in message.options):
                return _location_request_payloads(message)
            keyboard = _keyboard(message.options, QUICK_REPLIES_MAX)
            return _text_payloads(message.text, keyboard=keyboard)
        if isinstance(message, Carousel):
            return _carousel_payloads(message)
        if isinstance(message, Image):
            return _image_payloads(message)
        if isinstance(message, Receipt):
            return _text_payloads(receipt_text(message))
        if isinstance(message, Invoice):
            return [_invoice_payload(message)]
        return self.unrenderable(message)

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        return ReplyWindow(
            open=True, explanation="Telegram: no reply window; you can write at any time."
        )

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        method, params = payload.get("method", ""), payload.get("params") or {}
        params = {**params, "chat_id": recipient}
        token = account.credentials.get("token", "")
        if method in SEND_METHODS:
            # Nearly every reply: the lean path (bot_api.py), in this thread.
            return SendResult(platform_message_id=str(_post(token, method, params)["message_id"]))
        if method == "sendInvoice":
            params["provider_token"] = account.credentials.get("payment_provider_token", "")
        sent = _call(token, lambda bot: _deliver(bot, method, params))
        return SendResult(platform_message_id=str(sent.message_id))

    def invoice_ready(self, credentials: Mapping[str, str]) -> bool:
        # Telegram Payments collect the card through the provider whose token the shop gave.
        return bool(credentials.get("payment_provider_token"))

    def answer_shipping_query(
        self,
        account: AccountContext,
        query_id: str,
        *,
        options: Sequence[tuple[str, str, Sequence[tuple[str, int]]]] = (),
        error: str = "",
    ) -> None:
        """The shipping options for an invoice's address: (id, title, [(label, amount)])."""
        shipping = [
            ShippingOption(
                id_, title[:64], [LabeledPrice(label[:32], amount) for label, amount in prices]
            )
            for id_, title, prices in options
        ]
        ok = bool(shipping) and not error
        _call(
            account.credentials.get("token", ""),
            lambda bot: bot.answer_shipping_query(
                query_id, ok, shipping_options=shipping or None, error_message=error or None
            ),
        )

    def answer_pre_checkout_query(
        self, account: AccountContext, query_id: str, *, error: str = ""
    ) -> None:
        """Yes (no error) or no, with a reason the shopper reads, within 10 seconds."""
        _call(
            account.credentials.get("token", ""),
            lambda bot: bot.answer_pre_checkout_query(
                query_id, not error, error_message=error or None
            ),
        )

    def webhook_answer(self, payload: dict) -> dict | None:
        """The Bot API call to make in the webhook's own response ("Making requests when
        getting updates" in Telegram's Bot API docs), or None. A tap's callback query is
        answered there, so the shopper's button stops spinning as soon as the tap is stored
        rather than once the bot has answered, and no worker spends a call on it (half of what
        shoppers send are taps). Telegram does not say whether such a call succeeded; for a
        spinner that is enough: unanswered, it stops by itself when the query expires. Every
        query is answered, even one the bot ignores (a group chat's), for the same reason."""
        query = payload.get("callback_query")
        if not isinstance(query, dict):
            return None
        try:
            query_id = read.ident(query.get("id"), "callback_query.id", required=False)
        except read.Unreadable:
            return None  # the worker's parse says what is wrong with it
        if not query_id:
            return None
        return {"method": "answerCallbackQuery", "callback_query_id": query_id}


# --- Parsing ------------------------------------------------------------------------------------


def _parse_message(message: dict) -> list[InboundEvent]:
    chat = read.obj(message.get("chat"), "message.chat")
    # A shop conversation is one shopper's: in a group, carts and addresses would be shared
    # with everyone in it, so the bot only talks in private chats.
    chat_id = read.ident(chat.get("id"), "message.chat.id", required=False)
    if chat.get("type", "private") != "private" or not chat_id:
        return []
    message_id = read.ident(message.get("message_id"), "message.message_id", required=False)
    try:
        return _message_events(message, chat_id, message_id)
    except read.Unreadable as exc:
        raise read.from_shopper(exc, Sender(external_id=chat_id), message_id) from None


def _message_events(message: dict, chat_id: str, message_id: str) -> list[InboundEvent]:
    user = read.obj(message.get("from"), "message.from")
    sender = _sender(chat_id, user)
    if "successful_payment" in message:
        paid = read.obj(message["successful_payment"], "message.successful_payment")
        return [_payment_succeeded(sender, message_id, paid)]
    if "text" in message:
        # Commands (/start, /start <deep-link payload>) come as text, kept as is.
        text = read.text(message["text"], "message.text")
        return [TextReceived(sender=sender, message_id=message_id, text=text)]
    if "location" in message:
        location = read.obj(message["location"], "message.location")
        return [_location(sender, message_id, location, message.get("venue"))]
    if "contact" in message:
        contact = read.obj(message["contact"], "message.contact")
        return [_contact(sender, message_id, contact, user)]
    what = next((kind for kind in MEDIA_KINDS if kind in message), None)
    if what is None:
        # A kind of content this adapter does not know (one the Bot API adds later) is still
        # something the shopper sent: it gets the same help as a sticker, not silence.
        what = next((key for key in message if key not in NOT_CONTENT), None)
    if what is not None:
        return [Unsupported(sender=sender, message_id=message_id, what=what[:KIND_MAX])]
    # Service messages (pinned, web_app_data, chat settings...): nothing the shopper said.
    return []


def _parse_callback_query(query: dict) -> list[InboundEvent]:
    data, query_id = (
        query.get("data"),
        read.ident(query.get("id"), "callback_query.id", required=False),
    )
    if not isinstance(data, str) or not query_id:
        return []  # a game button, or not a callback we sent
    user = read.obj(query.get("from"), "callback_query.from")
    message = read.obj(query.get("message"), "callback_query.message")
    chat = read.obj(message.get("chat"), "callback_query.message.chat")
    if chat and chat.get("type", "private") != "private":
        return []
    # Without a message (inline mode) the private chat with the user has the user's id.
    chat_id = read.ident(chat.get("id", user.get("id")), "callback_query chat id", required=False)
    if not chat_id:
        return []
    data = read.text(data, "callback_query.data")
    return [
        ButtonPressed(
            sender=_sender(chat_id, user),
            message_id=query_id,
            payload=data,
            title=_button_title(message, data),
        )
    ]


def _query_sender(query: dict) -> Sender | None:
    user = read.obj(query.get("from"), "query.from")
    # Invoices are sent in private chats, whose id is the user's.
    user_id = read.ident(user.get("id"), "query.from.id", required=False)
    return _sender(user_id, user) if user_id else None


def _parse_pre_checkout(query: dict) -> list[InboundEvent]:
    sender = _query_sender(query)
    query_id = read.ident(query.get("id"), "pre_checkout_query.id", required=False)
    if sender is None or not query_id:
        return []
    return [
        PreCheckout(
            sender=sender,
            message_id=query_id,
            query_id=query_id,
            payload=_string(query.get("invoice_payload"), "invoice_payload"),
            currency=_string(query.get("currency"), "currency"),
            total_amount=_int(query.get("total_amount")),
            shipping_option_id=_string(query.get("shipping_option_id"), "shipping_option_id"),
            order_info=_payment_details(read.obj(query.get("order_info"), "order_info")),
        )
    ]


def _parse_shipping_query(query: dict) -> list[InboundEvent]:
    sender = _query_sender(query)
    query_id = read.ident(query.get("id"), "shipping_query.id", required=False)
    if sender is None or not query_id:
        return []
    return [
        ShippingQuery(
            sender=sender,
            message_id=query_id,
            query_id=query_id,
            payload=_string(query.get("invoice_payload"), "invoice_payload"),
            address=read.obj(query.get("shipping_address"), "shipping_address"),
        )
    ]


def _payment_succeeded(sender: Sender, message_id: str, paid: dict) -> InboundEvent:
    return PaymentSucceeded(
        sender=sender,
        message_id=message_id,
        payload=_string(paid.get("invoice_payload"), "invoice_payload"),
        currency=_string(paid.get("currency"), "currency"),
        total_amount=_int(paid.get("total_amount")),
        shipping_option_id=_string(paid.get("shipping_option_id"), "shipping_option_id"),
        order_info=_payment_details(read.obj(paid.get("order_info"), "order_info")),
        telegram_charge_id=_string(
            paid.get("telegram_payment_charge_id"), "telegram_payment_charge_id"
        ),
        provider_charge_id=_string(
            paid.get("provider_payment_charge_id"), "provider_payment_charge_id"
        ),
    )


def _payment_details(order_info: dict) -> dict:
    """What the payment sheet collected (Telegram's OrderInfo), as payments keep it
    (payments/invoices.py): `name`, `phone` and `address`, an order's shipping_address (a
    one-line `text` and Telegram's own fields; {} when none). Lenient rather than Unreadable:
    on a successful payment the money is taken, whatever the shape of the details."""
    shipping = order_info.get("shipping_address")
    shipping = shipping if isinstance(shipping, dict) else {}
    parts = [
        _loose_text(shipping.get("street_line1")),
        _loose_text(shipping.get("street_line2")),
        " ".join(
            p for p in map(_loose_text, (shipping.get("post_code"), shipping.get("city"))) if p
        ),
        _loose_text(shipping.get("state")),
        _loose_text(shipping.get("country_code")),
    ]
    text = ", ".join(p for p in parts if p)
    address = {"text": text[:300], **{k: str(v)[:100] for k, v in shipping.items()}} if text else {}
    return {
        "name": _loose_text(order_info.get("name")),
        "phone": _loose_text(order_info.get("phone_number")),
        "address": address,
    }


def _loose_text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _string(value: Any, field: str) -> str:
    """Invoice fields Telegram sends as strings; an id-like number is read as its digits."""
    return (
        read.ident(value, field, required=False)
        if isinstance(value, int)
        else read.text(value, field)
    )


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _sender(chat_id: str, user: dict, phone: str = "") -> Sender:
    return Sender(
        external_id=chat_id,
        name=_full_name(user),
        phone=phone,
        language=read.text(user.get("language_code"), "from.language_code"),
    )


def _full_name(person: dict) -> str:
    names = (read.text(person.get(key), key) for key in ("first_name", "last_name"))
    return " ".join(name for name in names if name)


def _location(sender: Sender, message_id: str, location: dict, venue: Any) -> LocationShared:
    """A pin (Update.message.location), or a place picked from the map (message.venue, which
    carries the same location plus its title and address)."""
    venue = venue if isinstance(venue, dict) else {}
    parts = (read.text(venue.get(key), f"venue.{key}") for key in ("title", "address"))
    return LocationShared(
        sender=sender,
        message_id=message_id,
        latitude=_coordinate(location.get("latitude"), "location.latitude", 90),
        longitude=_coordinate(location.get("longitude"), "location.longitude", 180),
        address=", ".join(part for part in parts if part),
    )


def _coordinate(value: Any, field: str, bound: int) -> float:
    """A latitude (bound 90) or longitude (180) in degrees; a missing one is unreadable, not
    a pin off the coast of Africa at 0, 0."""
    if value is None:
        raise read.Unreadable(f"{field} is missing")
    number = read.number(value, field)
    if not -bound <= number <= bound:
        raise read.Unreadable(f"{field} is outside -{bound}..{bound}")
    return number


def _contact(sender: Sender, message_id: str, contact: dict, user: dict) -> ContactShared:
    phone = _string(contact.get("phone_number"), "contact.phone_number")
    owner = read.ident(contact.get("user_id"), "contact.user_id", required=False)
    if owner and owner == read.ident(user.get("id"), "from.id", required=False):
        # The shopper's own number (a "share my phone" tap): Telegram gives it in
        # international form without the "+", and it is the sender's verified phone.
        own = f"+{phone}" if phone.isdigit() else phone
        sender = _sender(sender.external_id, user, phone=own)
        phone = own
    return ContactShared(
        sender=sender, message_id=message_id, phone=phone, name=_full_name(contact)
    )


def _button_title(message: dict, data: str) -> str:
    """The text of the tapped button, found in the keyboard of the message that carried it
    (our own message: a keyboard of an odd shape only loses the title, not the tap)."""
    markup = message.get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows if isinstance(rows, list) else ():
        for button in row if isinstance(row, list) else ():
            if isinstance(button, dict) and button.get("callback_data") == data:
                text = button.get("text")
                return read.text(text, "button.text") if isinstance(text, str) else ""
    return ""


# --- Rendering ----------------------------------------------------------------------------------


def split_text(text: str, limit: int = limits.TEXT_MAX) -> list[str]:
    """Non-blank parts of ≤ `limit` units, cut at the latest paragraph, line or word break."""
    parts = []
    rest = text.strip()
    while utf16_units(rest) > limit:
        cut = _cut_point(rest, limit)
        head, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if head:
            parts.append(head)
    if rest:
        parts.append(rest)
    return parts


def _cut_point(text: str, limit: int) -> int:
    fits = _fitting_prefix(text, limit)
    for separator in ("\n\n", "\n", " "):
        at = text.rfind(separator, 0, fits)
        if at > 0:
            return at
    return _grapheme_safe(text, fits)


def _fitting_prefix(text: str, limit: int) -> int:
    """The number of characters of `text` that fit in `limit` UTF-16 units."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            return index
    return len(text)


def _grapheme_safe(text: str, cut: int) -> int:
    """Moves a hard cut back so it does not split an emoji sequence or an accent from its
    letter (a zero-width joiner, a variation selector, a skin tone, a combining mark)."""
    for back in range(cut, max(cut - 16, 0), -1):
        if not _joins_previous(text[back]) and text[back - 1] != "\u200d":
            return back
    return cut


def _joins_previous(char: str) -> bool:
    return (
        char in "\u200d\ufe0e\ufe0f"
        or 0x1F3FB <= ord(char) <= 0x1F3FF
        or unicodedata.category(char) in ("Mn", "Me")
    )


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` units, else its start and "…" in exactly that room."""
    if utf16_units(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return text[: _grapheme_safe(text, _fitting_prefix(text, limit - 1))].rstrip() + "…"


def _one_line(text: str) -> str:
    return one_line(text)  # keeps French no-break spaces


def _send_message(text: str, **params: Any) -> dict:
    return {"method": "sendMessage", "params": {"text": text, **params}}


def _text_payloads(text: str, *, keyboard: dict | None = None) -> list[dict]:
    parts = split_text(text)
    if keyboard is None:
        return [_send_message(part) for part in parts]
    parts = parts or [PROMPT]
    payloads = [_send_message(part) for part in parts]
    payloads[-1]["params"]["reply_markup"] = keyboard
    return payloads


def _location_request_payloads(message: QuickReplies) -> list[dict]:
    share = next(o for o in message.options if o.payload == SHARE_LOCATION)
    title = truncate(_one_line(share.title), BUTTON_TEXT_MAX) or BLANK_BUTTON
    # One-time: the keyboard folds away once the location is sent.
    keyboard = {
        "keyboard": [[{"text": title, "request_location": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    payloads = _text_payloads(message.text, keyboard=keyboard)
    others = _keyboard([o for o in message.options if o is not share], QUICK_REPLIES_MAX)
    if others is not None:
        payloads.append(_send_message(PROMPT, reply_markup=others))
    return payloads


def _keyboard(buttons: Iterable[Button], max_buttons: int) -> dict | None:
    """An InlineKeyboardMarkup of the valid buttons, packed by title width."""
    rendered = [b for b in map(_inline_button, buttons) if b is not None][:max_buttons]
    if not rendered:
        return None
    rows: list[list[dict]] = [[]]
    for button in rendered:
        row = rows[-1]
        widest = max(utf16_units(b["text"]) for b in [*row, button])
        if row and len(row) + 1 > _buttons_per_row(widest):
            rows.append([])
        rows[-1].append(button)
    return {"inline_keyboard": rows}


def _buttons_per_row(widest_title: int) -> int:
    # Telegram shares a row's width equally: long titles get cut on a phone.
    if widest_title <= 10:
        return 3
    if widest_title <= 20:
        return 2
    return 1


def _inline_button(button: Button) -> dict | None:
    text = truncate(_one_line(button.title), BUTTON_TEXT_MAX) or BLANK_BUTTON
    if button.url:
        if not button.url.startswith(URL_SCHEMES):
            # Telegram refuses the whole message for one bad URL (BUTTON_URL_INVALID).
            logger.error("Telegram button %r dropped: unusable URL %r", button.title, button.url)
            return None
        return {"text": text, "url": button.url}
    size = len(button.payload.encode("utf-8"))
    if not 1 <= size <= limits.CALLBACK_DATA_MAX_BYTES:
        logger.error(
            "Telegram button %r dropped: its payload is %d bytes, callback_data takes 1-%d; "
            "the bot must make compact payloads (payload starts %r)",
            button.title,
            size,
            limits.CALLBACK_DATA_MAX_BYTES,
            button.payload[:80],
        )
        return None
    return {"text": text, "callback_data": button.payload}


def _carousel_payloads(carousel: Carousel) -> list[dict]:
    payloads = [p for card in carousel.cards[:CAROUSEL_CARDS_MAX] for p in _card_payloads(card)]
    intro = carousel.text.strip()
    if intro and not (payloads and _headed(payloads[0], intro)):
        payloads[:0] = _text_payloads(intro)
    if carousel.more is not None:
        keyboard = _keyboard([carousel.more], 1)
        if keyboard is not None:
            payloads.append(_send_message(PROMPT, reply_markup=keyboard))
    return payloads


def _card_payloads(card: Card) -> list[dict]:
    text = card_text(card)
    keyboard = _keyboard(card.buttons, CARD_BUTTONS_MAX)
    if card.image_url:
        payload = {"method": "sendPhoto", "params": {"photo": card.image_url}}
        if text:
            payload["params"].update(caption=text, parse_mode="HTML")
    elif text or keyboard:
        payload = _send_message(text or PROMPT, parse_mode="HTML")
    else:
        return []
    if keyboard is not None:
        payload["params"]["reply_markup"] = keyboard
    return [payload]


def _headed(payload: dict, intro: str) -> bool:
    """Puts the carousel's intro at the top of its first card, when the two fit in one caption
    or message. One message fewer per carousel: Telegram takes 3 messages at once in a chat,
    then about one a second, so an intro and 3 cards made the shopper wait a second for the
    last card, and cost a delayed task to send it (docs/performance.md)."""
    params = payload["params"]
    key, limit = ("caption", limits.CAPTION_MAX) if "photo" in params else ("text", limits.TEXT_MAX)
    headed = f"{_escape(intro)}\n\n{params.get(key, '')}".rstrip()
    if utf16_units(limits.shown(headed)) > limit:
        return False
    params[key] = headed
    params["parse_mode"] = "HTML"
    return True


def card_text(card: Card) -> str:
    """HTML: the title in bold, the price, the subtitle; ≤ 1024 units once tags are parsed.
    Cut as plain text first, escaped after, so no entity or tag is ever cut in half."""
    title = truncate(_one_line(card.title), CARD_TITLE_MAX)
    price = truncate(_one_line(card.price), CARD_PRICE_MAX)
    room = limits.CAPTION_MAX - utf16_units(title) - utf16_units(price) - 2  # two line breaks
    subtitle = truncate(card.subtitle.strip(), room)
    lines = [
        f"<b>{_escape(title)}</b>" if title else "",
        _escape(price),
        _escape(subtitle),
    ]
    return "\n".join(line for line in lines if line)


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _image_payloads(image: Image) -> list[dict]:
    caption = image.caption.strip()
    if not image.url:
        return _text_payloads(caption)
    photo = {"method": "sendPhoto", "params": {"photo": image.url}}
    if not caption:
        return [photo]
    if utf16_units(caption) <= limits.CAPTION_MAX:
        photo["params"]["caption"] = caption
        return [photo]
    return [photo, *_text_payloads(caption)]


# --- Sending ------------------------------------------------------------------------------------

# Methods sent through bot_api.py (photos by URL: an upload is never a payload).
SEND_METHODS = frozenset({"sendMessage", "sendPhoto"})
# Telegram's answers to a photo it could not fetch or read.
PHOTO_REFUSED = re.compile(r"photo|wrong (remote )?file|HTTP URL|web page|IMAGE_", re.IGNORECASE)


def _invoice_payload(invoice: Invoice) -> dict:
    """sendInvoice without the provider token: it is added from the channel's credentials at
    send time, so no secret is stored with the message."""
    params = {
        "title": truncate(invoice.title, limits.INVOICE_TITLE_MAX) or "Order",
        "description": truncate(invoice.description, limits.INVOICE_DESCRIPTION_MAX) or "-",
        "payload": invoice.payload,
        "currency": invoice.currency,
        "prices": [{"label": label[:32], "amount": amount} for label, amount in invoice.prices],
        "need_name": invoice.need_name,
        "need_phone_number": invoice.need_phone_number,
        "need_shipping_address": invoice.need_shipping_address,
        "is_flexible": invoice.is_flexible,
    }
    if invoice.photo_url.startswith(URL_SCHEMES):
        params["photo_url"] = invoice.photo_url
    return {"method": "sendInvoice", "params": params}


async def _send_invoice(bot: Bot, params: dict) -> Any:
    rest = dict(params)
    prices = [LabeledPrice(p["label"], p["amount"]) for p in rest.pop("prices")]
    return await bot.send_invoice(
        chat_id=rest.pop("chat_id"),
        title=rest.pop("title"),
        description=rest.pop("description"),
        payload=rest.pop("payload"),
        currency=rest.pop("currency"),
        prices=prices,
        provider_token=rest.pop("provider_token", None),
        **rest,
    )


async def _deliver(bot: Bot, method: str, params: dict) -> Any:
    """The sent Message (the first one of a media group)."""
    if method == "sendMediaGroup":
        return (await _send_media_group(bot, params))[0]
    if method == "sendInvoice":
        return await _send_invoice(bot, params)
    raise PermanentSendError(
        f"the Telegram adapter does not send {method!r} payloads", code=PERMANENT_REJECTED
    )


def _post(token: str, method: str, params: dict) -> Any:
    """A hot-path call (sendMessage, sendPhoto) through bot_api.py; a photo Telegram cannot
    fetch or read is sent again as text. Telegram errors become SendErrors."""
    _check_token(token)
    try:
        try:
            return bot_api.call(token, method, params, tls=_tls_context())
        except BadRequest as exc:
            refused_photo = method == "sendPhoto" and PHOTO_REFUSED.search(exc.message)
            if not refused_photo or _is_invalid_recipient(exc):
                raise
            logger.warning("Telegram refused photo %r (%s): sent as text", params["photo"], exc)
            return bot_api.call(token, "sendMessage", _photo_as_text(params), tls=_tls_context())
    except TelegramError as exc:
        raise send_error(exc) from exc


async def _send_media_group(bot: Bot, params: dict) -> Sequence[Any]:
    rest = dict(params)
    chat_id = rest.pop("chat_id")
    media = [
        InputMediaPhoto(
            media=item["media"], caption=item.get("caption"), parse_mode=item.get("parse_mode")
        )
        for item in rest.pop("media")
    ]
    return await bot.send_media_group(chat_id, media, api_kwargs=rest or None)


def _photo_as_text(params: dict) -> dict:
    """The card without its picture: the caption, or the link to the picture (Telegram shows
    a preview of it), with the same keyboard."""
    text = params.get("caption") or (
        _escape(params["photo"]) if params.get("parse_mode") == "HTML" else params["photo"]
    )
    kept = {k: v for k, v in params.items() if k in ("chat_id", "parse_mode", "reply_markup")}
    return {**kept, "text": text}


def _call(token: str, action: Callable[[Bot], Awaitable[T]]) -> T:
    """Runs `action(bot)` to completion from sync code; Telegram errors become SendErrors."""
    _check_token(token)
    try:
        return _runner().run(token, action)
    except TelegramError as exc:
        raise send_error(exc) from exc


def _check_token(token: str) -> None:
    if not TOKEN.match(token or ""):
        # A malformed token would also put a different path in the URL.
        raise PermanentSendError(
            "the bot token is missing or malformed", code=PERMANENT_BAD_CREDENTIALS
        )


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context per process. httpx builds a new one for every client, loading the whole
    CA bundle each time: about 18 ms of CPU, half of what a worker spent per reply (see
    docs/performance.md, end_to_end). The context is safe to share between clients."""
    return httpx.create_ssl_context()


def _new_bot(token: str) -> Bot:
    timeout = settings.PLATFORM_TIMEOUT_SECONDS
    request = HTTPXRequest(
        connection_pool_size=BOT_CONNECTIONS,
        connect_timeout=min(timeout, CONNECT_TIMEOUT_MAX),
        read_timeout=timeout,
        write_timeout=timeout,
        pool_timeout=timeout,
        media_write_timeout=timeout,
        httpx_kwargs={"verify": _tls_context()},
    )
    # No `async with bot` / initialize(): it calls getMe, a request the typed methods do not
    # need. The same request object serves as get_updates_request so the Bot does not build a
    # second client.
    return Bot(
        token=token,
        base_url=f"{settings.TELEGRAM_API_URL}/bot",
        request=request,
        get_updates_request=request,
    )


BOT_CONNECTIONS = 4  # per bot and process: a few concurrent sends (threads, fast path)
BOTS_KEPT = 256  # per process; the least recently used bot's connections are closed beyond


class _BotRunner:
    """One event loop per process, running in a daemon thread, and one Bot per token and
    settings, kept: a reply reuses the bot's open HTTPS connection to Telegram (no TCP and TLS
    handshake per message) and no event loop is built and torn down per send. Sync callers
    (Celery tasks, the webhook fast path) submit coroutines to it and wait, with a deadline."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self.loop.run_forever, name="telegram", daemon=True)
        thread.start()
        self.bots: OrderedDict[tuple, Bot] = OrderedDict()
        self.lock = threading.Lock()

    def bot(self, token: str) -> Bot:
        key = (token, settings.TELEGRAM_API_URL, settings.PLATFORM_TIMEOUT_SECONDS)
        with self.lock:
            bot = self.bots.get(key)
            if bot is None:
                bot = self.bots[key] = _new_bot(token)
                if len(self.bots) > BOTS_KEPT:
                    _, evicted = self.bots.popitem(last=False)
                    asyncio.run_coroutine_threadsafe(evicted.request.shutdown(), self.loop)
            self.bots.move_to_end(key)
            return bot

    def run(self, token: str, action: Callable[[Bot], Awaitable[T]]) -> T:
        future = asyncio.run_coroutine_threadsafe(action(self.bot(token)), self.loop)
        # The HTTP timeouts end a call first; this bounds anything else (a media group's
        # several uploads) so a worker never hangs on Telegram.
        deadline = settings.PLATFORM_TIMEOUT_SECONDS * 3
        try:
            return future.result(timeout=deadline)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TransientSendError(f"Telegram: no answer within {deadline:g} s") from None


_runners: dict[int, _BotRunner] = {}
_runners_lock = threading.Lock()


def _runner() -> _BotRunner:
    """This process's runner (a forked worker gets its own: threads do not survive fork)."""
    pid = os.getpid()
    runner = _runners.get(pid)
    if runner is None:
        with _runners_lock:
            runner = _runners.get(pid) or _BotRunner()
            _runners.clear()
            _runners[pid] = runner
    return runner


def send_error(exc: TelegramError) -> SendError:
    """The SendError a Telegram error means for the send pipeline."""
    message = f"Telegram: {exc.message}"
    if isinstance(exc, RetryAfter):
        return RateLimited(message, retry_after=_retry_after_seconds(exc))
    if isinstance(exc, InvalidToken | EndPointNotFound):
        return PermanentSendError(message, code=PERMANENT_BAD_CREDENTIALS)
    if isinstance(exc, Forbidden):
        deactivated = "deactivated" in exc.message.lower()
        code = PERMANENT_INVALID_RECIPIENT if deactivated else PERMANENT_BLOCKED
        return PermanentSendError(message, code=code)
    if isinstance(exc, ChatMigrated):
        return PermanentSendError(message, code=PERMANENT_INVALID_RECIPIENT)
    if isinstance(exc, BadRequest):  # before NetworkError: BadRequest subclasses it
        code = PERMANENT_INVALID_RECIPIENT if _is_invalid_recipient(exc) else PERMANENT_REJECTED
        return PermanentSendError(message, code=code)
    # TimedOut, NetworkError (5xx, connection refused), Conflict, unreadable answers. A read
    # timeout may hide a message that was delivered: retrying can duplicate it, which beats
    # losing it.
    return TransientSendError(message)


def _is_invalid_recipient(exc: BadRequest) -> bool:
    text = exc.message.lower()
    return any(
        hint in text
        for hint in ("chat not found", "user not found", "peer_id_invalid", "chat_id is empty")
    )


def _retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; both forms are handled here.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# --- Channel setup (used by channels_adapters.setup) ---------------------------------------------


def telegram_get_me(token: str) -> dict:
    """The bot's user ({"id", "username", ...}); a SendError carrying Telegram's description
    ("Unauthorized", "Not Found") when the token is refused."""
    me = _call(token, lambda bot: bot.get_me())
    return me.to_dict()


def telegram_set_webhook(token: str, url: str, secret_token: str) -> None:
    _call(
        token,
        lambda bot: bot.set_webhook(
            url=url, secret_token=secret_token, allowed_updates=list(ALLOWED_UPDATES)
        ),
    )


def telegram_delete_webhook(token: str) -> None:
    _call(token, lambda bot: bot.delete_webhook())
