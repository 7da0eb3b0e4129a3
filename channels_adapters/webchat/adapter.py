"""The web chat channel: the shop's own chat page, /chat/<shop>/.

There is no platform in between. The page posts each message — text, a tap, or a location from
the browser's geolocation, with the browser's languages; wire.py checks every field — which is
stored like any webhook event (split), and reads the conversation log back, so `send` delivers
nothing: it only lets the pipeline mark the OutboundMessage sent, which is when the page shows
it. The page draws normalized messages itself, so `render` keeps the message as it is,
within limits that keep the page usable and its links safe:

  Text, QuickReplies   text cut at 4000 characters; the first 13 options
  Carousel             the first 10 cards, 3 buttons each; `more` kept
  Image                the URL and the caption (cut like text)
  Buttons              titles cut at 80 characters; a URL button keeps only an http(s) URL
  Image URLs           only http(s); anything else is dropped (the card shows no image)
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.urls import reverse

from channels_adapters import payload as read
from channels_adapters.base import (
    AccountContext,
    Capabilities,
    ChannelAdapter,
    RawEvent,
    ReplyWindow,
    SendResult,
)
from channels_adapters.messages import (
    ButtonPressed,
    Carousel,
    Image,
    InboundEvent,
    LocationShared,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Sender,
    Template,
    Text,
    TextReceived,
    receipt_text,
)
from channels_adapters.webchat.wire import visitor_message

MAX_TEXT = 4000
MAX_TITLE = 80
MAX_CARD_TEXT = 300
MAX_CARDS = 10
MAX_CARD_BUTTONS = 3
MAX_OPTIONS = 13


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _safe_url(url: str) -> str:
    # The page puts URLs in href/src: a javascript: or data: URL must never get there.
    return url if url.startswith(("https://", "http://")) else ""


def _button(button: dict) -> dict | None:
    bounded = {**button, "title": _cut(button.get("title", ""), MAX_TITLE)}
    if button.get("url"):
        bounded["url"] = _safe_url(button["url"])
        if not bounded["url"]:
            return None
    return bounded


def _buttons(buttons, limit: int) -> list[dict]:
    return [b for b in (_button(button) for button in buttons[:limit]) if b is not None]


def _card(card: dict) -> dict:
    return {
        **card,
        "title": _cut(card.get("title", ""), MAX_TITLE),
        "subtitle": _cut(card.get("subtitle", ""), MAX_CARD_TEXT),
        "price": _cut(card.get("price", ""), MAX_TITLE),
        "image_url": _safe_url(card.get("image_url", "")),
        "buttons": _buttons(card.get("buttons", ()), MAX_CARD_BUTTONS),
    }


def bounded(message: dict) -> dict:
    """The normalized message as the page receives it."""
    message = dict(message)
    for key in ("text", "caption"):
        if key in message:
            message[key] = _cut(message[key], MAX_TEXT)
    if "options" in message:
        message["options"] = _buttons(message["options"], MAX_OPTIONS)
    if "cards" in message:
        message["cards"] = [_card(card) for card in message["cards"][:MAX_CARDS]]
    if message.get("more"):
        message["more"] = _button(message["more"])
    if "url" in message:
        message["url"] = _safe_url(message["url"])
    return message


def spoken_language(tags: list) -> str:
    """The first of the browser's languages (navigator.languages, in the visitor's order) that
    Souk has translations for, as its base code ("fr-CA" → "fr"); "" when none is. The web
    chat's counterpart of Telegram's `language_code`: conversations/language.py decides."""
    known = {code for code, _name in settings.LANGUAGES}
    for tag in tags if isinstance(tags, list) else ():
        base = str(tag).lower().split("-")[0]
        if base in known:
            return base
    return ""


# What the chat page (static/webchat/chat.js) draws.
DRAWN = (Text, QuickReplies, Carousel, Image)


class WebChatAdapter(ChannelAdapter):
    kind = "webchat"
    # The page's location button uses the browser's geolocation (static/webchat/chat.js).
    capabilities = Capabilities(location_sharing=True)
    # Nothing leaves the server: the limit only stops a runaway bot from flooding the table.
    rate_per_second = 50.0

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.webchat import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.webchat import preview

        return preview.fallback_notes(messages, payloads)

    def channels_page_section(self, request, row) -> tuple[str, dict]:
        # Dashboard code, imported when the page asks (as preview.py is): workers never need it.
        from channels_adapters.webchat import channels_page

        return channels_page.section(request, row)

    def webhook_path(self, *, account_id: int, shop_slug: str) -> str:
        # Built in (registry): no webhook, the shop's chat page is where the channel lives.
        return reverse("webchat-page", kwargs={"slug": shop_slug})

    def chat_link(self, account: AccountContext, *, shop_slug: str, name: str) -> str:
        path = self.webhook_path(account_id=account.id, shop_slug=shop_slug)
        return settings.SOUK_PUBLIC_URL.rstrip("/") + path

    def split(self, body: dict) -> list[RawEvent]:
        event = visitor_message(body)  # InvalidField (a WebhookRejected) names the bad field
        # Scoped by visitor so one visitor's ids can never shadow another's messages.
        return [RawEvent(event_id=f"{event['visitor']}:{event['client_id']}", payload=event)]

    def parse(self, payload: dict) -> list[InboundEvent]:
        # Stored by split from checked fields; read typed all the same, like every channel.
        event = read.obj(payload, "event")
        visitor = read.ident(event.get("visitor"), "visitor", required=False)
        if not visitor:
            return []
        sender = Sender(external_id=visitor, language=spoken_language(event.get("languages")))
        message_id = read.ident(event.get("client_id"), "client_id", required=False)
        try:
            if "latitude" in event:
                return [
                    LocationShared(
                        sender=sender,
                        message_id=message_id,
                        latitude=read.number(event["latitude"], "latitude"),
                        longitude=read.number(event.get("longitude"), "longitude"),
                    )
                ]
            if event.get("payload"):
                return [
                    ButtonPressed(
                        sender=sender,
                        message_id=message_id,
                        payload=read.text(event["payload"], "payload"),
                        title=read.text(event.get("title"), "title"),
                    )
                ]
            text = read.text(event.get("text"), "text")
        except read.Unreadable as exc:
            raise read.from_shopper(exc, sender, message_id) from None
        return [TextReceived(sender=sender, message_id=message_id, text=text)] if text else []

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Receipt):
            message = Text(receipt_text(message))
        elif isinstance(message, Template):
            message = Text(message.text)
        if not isinstance(message, DRAWN):
            return self.unrenderable(message)  # the page draws only these
        return [bounded(message.to_dict())]

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        return ReplyWindow(
            open=True,
            explanation="Web chat: no reply window; the shopper sees your reply in the chat "
            "page, now or when they come back to it.",
        )

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        # The page fetches its messages; being marked sent is the delivery.
        return SendResult(platform_message_id="")
