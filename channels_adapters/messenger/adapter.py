"""Facebook Messenger through the Graph Send API (pymessenger for sending).

Degradation ladders (limits: shared/channel-limits.md, Messenger):

- Text: text messages of at most 2000 characters, cut between paragraphs, lines or words.
- QuickReplies: quick replies (at most 13 options, all carrying a payload; titles ≤ 20)
  → button templates of 3 buttons each (more than 13 options, or an option that opens a page;
  the question heads the first template, "…" the next ones)
  → plain text (no option at all).
  A question too long for the text field (2000 for quick replies, 640 for a button template)
  sends its beginning as plain text first.
- Carousel: the intro text as its own text message, then
  generic templates of up to 10 cards each, as many as needed (title ≤ 80; price · subtitle
  ≤ 80; image; the card's first 3 buttons, postback or web_url)
  → a button template for a `more` button that opens a page (a `more` postback rides as a quick
  reply on the last message)
  → plain text for cards that carry nothing but a title (Messenger refuses generic elements
  with a title alone).
- Image: an image attachment; the caption (Messenger has none) follows as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta

import pymessenger.bot as pymessenger_bot
import requests
from babel.numbers import get_currency_precision
from django.conf import settings
from pymessenger.bot import Bot

from channels_adapters import meta, meta_messaging
from channels_adapters import payload as read
from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_WINDOW_CLOSED,
    TAG_HUMAN_AGENT,
    TAG_POST_PURCHASE,
    AccountContext,
    Capabilities,
    ChannelAdapter,
    RawEvent,
    ReplyWindow,
    SendResult,
    TransientSendError,
    span,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Carousel,
    Image,
    InboundEvent,
    LocationShared,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Sender,
    StatusUpdate,
    Template,
    Text,
    TextReceived,
    Unsupported,
)
from channels_adapters.messenger.connect import MessengerConnect
from channels_adapters.meta_messaging import KIND_MAX
from channels_adapters.text import (
    label,
    one_line,
    split_text,
    truncate,
)

TEXT_MAX = 2000
GREETING_MAX = 160
PERSISTENT_MENU_MAX = 20
MENU_ITEM_TITLE_MAX = 30

# The standard messaging window, and how long after it a person may still answer with the
# HUMAN_AGENT tag (Messenger Platform policy).
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
# Our tags (base.TAG_*) as Messenger names them.
MESSAGE_TAGS = {TAG_POST_PURCHASE: "POST_PURCHASE_UPDATE", TAG_HUMAN_AGENT: "HUMAN_AGENT"}

ERROR_RULES = meta.ErrorRules(
    # 4 app, 17 user, 32 page, 613 API-call rate limits; 80006 Messenger business use case.
    rate_limit_codes=frozenset({4, 17, 32, 613, 80006}),
    permanent={
        (551, meta.ANY): PERMANENT_BLOCKED,  # This person isn't available right now
        (meta.ANY, 1545041): PERMANENT_BLOCKED,  # the same, also reported under code 200
        (meta.ANY, 2018108): PERMANENT_BLOCKED,  # isn't receiving messages from you right now
        (10, 2018278): PERMANENT_WINDOW_CLOSED,  # sent outside of allowed window
        (10, 2018065): PERMANENT_WINDOW_CLOSED,  # the older subcode for it
        (10, 2534022): PERMANENT_WINDOW_CLOSED,
        (100, 2018001): PERMANENT_INVALID_RECIPIENT,  # No matching user found
        (190, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # invalid or expired page token
        (104, meta.ANY): PERMANENT_BAD_CREDENTIALS,  # no access token at all
    },
    # 2 "unexpected error, retry later", 1200 "temporary send message failure".
    transient_codes=frozenset({2, 1200}),
)


# --- pymessenger, with a timeout ------------------------------------------------------------------

_last_response: ContextVar[requests.Response | None] = ContextVar(
    "messenger_last_response", default=None
)


class _RequestsWithTimeout:
    """Stands in for the `requests` module inside pymessenger.bot, which calls `requests.post`
    without a timeout (stack-notes.md): a dead connection would hang a send worker for good.
    Every call gets PLATFORM_TIMEOUT_SECONDS unless it set its own, and the response is kept
    (per thread/context) so `send` can read the HTTP status that `send_raw` throws away.
    Process-wide on purpose: no pymessenger call in Souk may go without a timeout."""

    def __getattr__(self, name: str):
        return getattr(requests, name)

    def post(self, url: str, **kwargs) -> requests.Response:
        timeout = kwargs.pop("timeout", settings.PLATFORM_TIMEOUT_SECONDS)
        response = requests.post(url, timeout=timeout, **kwargs)
        _last_response.set(response)
        return response


pymessenger_bot.requests = _RequestsWithTimeout()


def _bot(access_token: str) -> Bot:
    bot = Bot(access_token)
    bot.graph_url = settings.META_GRAPH_URL
    return bot


# --- Rendering ------------------------------------------------------------------------------------


# Messenger's other limits are the Messenger Platform's (meta_messaging.Limits' defaults).
LIMITS = meta_messaging.Limits(split=lambda text: split_text(text, TEXT_MAX))
_send = meta_messaging.Renderer(LIMITS)
_text = _send.text


def _with_more(payloads: list[dict], more: Button | None) -> list[dict]:
    if more is None:
        return payloads
    if more.url:
        title = label(more.title, LIMITS.button_template_text_max)
        return [*payloads, *_send.button_templates(title, [more])]
    if not payloads:
        return _send.with_quick_replies("", [more])
    last = payloads[-1]
    message = {**last["message"], "quick_replies": [_send.quick_reply(more)]}
    return [*payloads[:-1], {**last, "message": message}]


def _render_carousel(carousel: Carousel) -> list[dict]:
    payloads = _text(carousel.text) + _send.cards(carousel.cards)
    return _with_more(payloads, carousel.more)


def _render_image(image: Image) -> list[dict]:
    payloads = []
    if image.url:
        attachment = {"type": "image", "payload": {"url": image.url, "is_reusable": True}}
        payloads.append(meta_messaging.payload({"attachment": attachment}))
    return payloads + _text(image.caption)


RECEIPT_ITEMS_MAX = 100


def _major(amount: int, currency: str) -> float:
    """Messenger's receipt wants amounts in major units: 2499 EUR cents → 24.99."""
    return round(amount / 10 ** get_currency_precision(currency), 4)


def _receipt_field(text: str, limit: int) -> str:
    # Required fields of the template may not be blank.
    return truncate(one_line(text), limit) or "-"


def _receipt_element(line, currency: str) -> dict:
    element = {
        "title": _receipt_field(line.title, LIMITS.element_title_max),
        "subtitle": truncate(one_line(line.subtitle), LIMITS.element_subtitle_max),
        "quantity": line.quantity,
        "price": _major(line.amount, currency),
        "currency": currency,
    }
    if line.image_url:
        element["image_url"] = line.image_url
    return element


def _render_receipt(receipt: Receipt) -> list[dict]:
    """Messenger's receipt template (≤ 100 items); its heading goes first, as text."""
    template = {
        "template_type": "receipt",
        "recipient_name": _receipt_field(receipt.recipient_name, LIMITS.element_title_max),
        "order_number": receipt.order_number,
        "currency": receipt.currency,
        "payment_method": _receipt_field(receipt.payment_method, LIMITS.element_title_max),
        "elements": [
            _receipt_element(line, receipt.currency) for line in receipt.lines[:RECEIPT_ITEMS_MAX]
        ],
        "summary": {
            "subtotal": _major(receipt.subtotal_amount, receipt.currency),
            "shipping_cost": _major(receipt.shipping_amount, receipt.currency),
            "total_cost": _major(receipt.total_amount, receipt.currency),
        },
    }
    heading = _text(receipt.heading) if receipt.heading.strip() else []
    return [*heading, meta_messaging.template(template)]


# --- Webhooks -------------------------------------------------------------------------------------


def _event_id(event: dict, sender: str) -> str:
    """The platform id an event is deduplicated on. Messages (echoes included) and current
    postbacks carry a `mid`. Deliveries and reads carry none: a delivery or read watermark from
    one person is the same news however often it arrives, so kind + PSID + watermark names it
    stably. Anything else without a mid (older postbacks, referrals, opt-ins, reactions, whose
    `mid` is the id of the message reacted to) uses kind + PSID + timestamp: one person does
    not tap twice in the same millisecond."""
    timestamp = read.ident(event.get("timestamp"), "timestamp", required=False)
    for kind in ("message", "postback"):
        if isinstance(event.get(kind), dict) and event[kind].get("mid"):
            return read.ident(event[kind]["mid"], f"{kind}.mid")
    for kind in ("delivery", "read"):
        if isinstance(event.get(kind), dict):
            watermark = read.ident(
                event[kind].get("watermark"), f"{kind}.watermark", required=False
            )
            return f"{kind}:{sender}:{watermark or timestamp}"
    return meta_messaging.other_event_id(event, sender)


def _parse_message(sender: Sender, message: dict) -> list[InboundEvent]:
    if message.get("is_echo"):
        return []  # our own messages, sent by Souk or typed by an agent in the Page inbox
    mid = read.ident(message.get("mid"), "message.mid", required=False)
    quick_reply = read.obj(message.get("quick_reply"), "message.quick_reply")
    text = read.text(message.get("text"), "message.text")
    if quick_reply.get("payload"):
        payload = read.text(quick_reply["payload"], "quick_reply.payload")
        return [ButtonPressed(sender=sender, message_id=mid, payload=payload, title=text)]
    if text:
        return [TextReceived(sender=sender, message_id=mid, text=text)]
    return _parse_attachments(sender, mid, message)


def _parse_attachments(sender: Sender, mid: str, message: dict) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    unsupported: list[str] = []
    for attachment in read.objects(message.get("attachments"), "message.attachments"):
        kind = read.text(attachment.get("type"), "attachment.type")[:KIND_MAX] or "unknown"
        content = read.obj(attachment.get("payload"), "attachment.payload")
        coordinates = read.obj(content.get("coordinates"), "attachment.payload.coordinates")
        if kind == "location" and coordinates:
            events.append(
                LocationShared(
                    sender=sender,
                    message_id=mid,
                    latitude=read.number(coordinates.get("lat"), "coordinates.lat"),
                    longitude=read.number(coordinates.get("long"), "coordinates.long"),
                    address=read.text(attachment.get("title"), "attachment.title"),
                )
            )
        else:
            # A sticker arrives as an image attachment with a sticker_id beside it.
            unsupported.append("sticker" if message.get("sticker_id") else kind)
    if unsupported or not events:
        what = ",".join(dict.fromkeys(unsupported)) or "unknown"
        events.append(Unsupported(sender=sender, message_id=mid, what=what))
    return events


def _parse_delivery(sender: Sender, delivery: dict) -> list[InboundEvent]:
    # `mids` may be missing: then only the watermark says what arrived (see StatusUpdate).
    mids = read.items(delivery.get("mids"), "delivery.mids") or [""]
    return [
        StatusUpdate(
            sender=sender,
            message_id=read.ident(mid, "delivery.mids[]", required=False),
            status="delivered",
        )
        for mid in mids
    ]


class MessengerAdapter(MessengerConnect, ChannelAdapter):
    kind = "messenger"
    # No location_sharing: Messenger removed the location quick reply (Send API v4.0, 2019) and
    # its quick replies now ask only for text, a phone number or an e-mail, so the bot cannot
    # offer one there. A location that still arrives as an attachment is parsed all the same.
    capabilities = Capabilities(reply_window=True)
    rate_per_second = 300.0  # about 300 sends a second per Page (channel-limits.md)

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.messenger import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.messenger import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        return meta_messaging.split(body, object_name="page", kind=self.kind, event_id=_event_id)

    def parse(self, payload: dict) -> list[InboundEvent]:
        event, sender = meta_messaging.sender_of(payload)
        # "Get Started" and persistent-menu taps arrive as postbacks too.
        said = meta_messaging.shopper_said(sender, event, _parse_message)
        if said is not None:
            return said
        if "delivery" in event:
            return _parse_delivery(sender, read.obj(event["delivery"], "delivery"))
        if "read" in event:
            read.obj(event["read"], "read")
            # A read receipt names no message: everything sent before the watermark was read.
            return [StatusUpdate(sender=sender, status="read")]
        return []  # reactions, referrals, opt-ins: nothing the bot answers

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Text):
            return _text(message.text)
        if isinstance(message, QuickReplies):
            return _send.quick_replies(message.text, message.options)
        if isinstance(message, Carousel):
            return _render_carousel(message)
        if isinstance(message, Image):
            return _render_image(message)
        if isinstance(message, Receipt):
            return _render_receipt(message)
        if isinstance(message, Template):
            return _text(message.text)  # Messenger has no templates to approve: say it
        return self.unrenderable(message)

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        if last_inbound_at is None:
            return ReplyWindow(
                open=False,
                explanation="Messenger: the shopper has not written yet, and Messenger lets a "
                "Page answer only people who wrote to it.",
            )
        quiet = now - last_inbound_at
        if quiet < STANDARD_WINDOW:
            closes_at = last_inbound_at + STANDARD_WINDOW
            return ReplyWindow(
                open=True,
                closes_at=closes_at,
                explanation="Messenger: within the 24-hour window "
                f"(it closes in {span(closes_at - now)}).",
            )
        closes_at = last_inbound_at + HUMAN_AGENT_WINDOW
        if quiet < HUMAN_AGENT_WINDOW:
            return ReplyWindow(
                open=True,
                tag=TAG_HUMAN_AGENT,
                closes_at=closes_at,
                explanation=f"Messenger: the 24-hour window closed {span(quiet - STANDARD_WINDOW)}"
                " ago; your reply is sent with the HUMAN_AGENT tag, allowed for 7 days after "
                "the shopper's last message.",
            )
        return ReplyWindow(
            open=False,
            closes_at=closes_at,
            explanation=f"Messenger: the shopper last wrote {span(quiet)} ago; after 7 days "
            "Messenger allows no reply until they write again.",
        )

    def tagged(self, payloads: list[dict], tag: str) -> list[dict]:
        """Order updates may reach the shopper after the 24-hour window with Messenger's
        POST_PURCHASE_UPDATE tag, a person's late answer with HUMAN_AGENT (up to 7 days)."""
        name = MESSAGE_TAGS.get(tag)
        if name is None:
            return payloads
        return [{**payload, "messaging_type": "MESSAGE_TAG", "tag": name} for payload in payloads]

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        bot = _bot(meta.require_token(account.credentials.get("access_token", "")))
        _last_response.set(None)
        try:
            body = bot.send_raw({"recipient": {"id": recipient}, **payload})
        except requests.Timeout as exc:
            raise TransientSendError(f"Messenger timed out: {exc!r}", code="timeout") from exc
        except requests.ConnectionError as exc:
            raise TransientSendError(f"Messenger unreachable: {exc!r}", code="network") from exc
        except ValueError:  # not JSON: a proxy's error page; the status decides below
            body = None
        except requests.RequestException as exc:
            raise TransientSendError(f"Messenger request failed: {exc!r}", code="network") from exc
        response = _last_response.get()
        status = response.status_code if response is not None else 0
        if 200 <= status < 300 and isinstance(body, dict) and "error" not in body:
            return SendResult(platform_message_id=str(body.get("message_id", "")))
        headers = response.headers if response is not None else None
        raise meta.send_error(meta.GraphError.from_response(status, body, headers), ERROR_RULES)


# --- Page setup -----------------------------------------------------------------------------------


def _menu_item(button: Button) -> dict:
    title = label(button.title, MENU_ITEM_TITLE_MAX)
    if button.url:
        return {"type": "web_url", "title": title, "url": button.url}
    return {"type": "postback", "title": title, "payload": _send.postback_payload(button)}


def messenger_setup_profile(
    access_token: str, *, greeting: str, get_started_payload: str, menu: Sequence[Button]
) -> None:
    """Sets the Page's Get Started button, greeting and persistent menu (Messenger Profile
    API) in one call: the menu requires Get Started, so they go together. Raises SendError."""
    profile: dict = {"get_started": {"payload": truncate(get_started_payload, LIMITS.payload_max)}}
    if greeting.strip():
        profile["greeting"] = [{"locale": "default", "text": truncate(greeting, GREETING_MAX)}]
    if menu:
        items = [_menu_item(button) for button in menu[:PERSISTENT_MENU_MAX]]
        profile["persistent_menu"] = [
            {"locale": "default", "composer_input_disabled": False, "call_to_actions": items}
        ]
    meta.graph_post(
        "me/messenger_profile",
        json=profile,
        rules=ERROR_RULES,
        access_token=access_token,
        token_in_query=True,
    )
