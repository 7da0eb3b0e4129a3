"""WeChat Official Accounts: the customer-service message API (`/cgi-bin/message/custom/send`).

Limits are BYTES of UTF-8 (limits.py; docs/channel-limits.md, WeChat); every fit goes through
the shared `channels_adapters.text` with `length=utf8_bytes`. Each shopper action allows only a
few messages (5 after a message, 3 a minute after a menu click), so one normalized message
becomes as few platform messages as it can:

- Text: text messages of at most 2048 bytes, cut between paragraphs, lines or words. Links are
  plain URLs, which WeChat makes tappable.
- QuickReplies: one `msgmenu` (the question as `head_content` ≤ 1024 bytes, at most 10
  options, id ≤ 64 bytes = our payload, label ≤ 128 bytes); a tapped option comes back as a
  text carrying `bizmsgmenuid`. More than 10 options: one more `msgmenu` per 10. A question
  longer than the head sends its beginning as text first. Options that open a page are not
  menu items: they follow as a text of their labels, each above its URL. No option: plain text.
- Carousel: a single card is a `news` link card (title ≤ 128, price · subtitle ≤ 512 bytes,
  image, its page or its picture as the link), then its buttons as a `msgmenu`. Several cards
  are one `msgmenu` whose options are the cards (title · price → the card's payload) plus
  `more`: one message for a whole page instead of one per product. Cards that pick nothing
  are listed in the head.
- Image: a `news` card showing the picture (title: the caption's first line; description: the
  caption); a caption too long for the card goes first as text.
- Receipt and Template: their text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils.translation import gettext

from channels_adapters import payload as read
from channels_adapters.base import (
    AccountContext,
    Capabilities,
    ChannelAdapter,
    RawEvent,
    ReplyWindow,
    SendResult,
    WebhookRejected,
    card_payload,
    span,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Card,
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
    Unsupported,
    receipt_text,
)
from channels_adapters.text import (
    ELLIPSIS,
    joined,
    label,
    one_line,
    split_text,
    split_with_tail,
    truncate,
    utf8_bytes,
)
from channels_adapters.wechat import api
from channels_adapters.wechat.connect import WeChatConnect
from channels_adapters.wechat.limits import (
    MENU_HEAD_MAX_BYTES,
    MENU_ITEM_CONTENT_MAX_BYTES,
    MENU_ITEM_ID_MAX_BYTES,
    MENU_ITEMS_MAX,
    NEWS_DESCRIPTION_MAX_BYTES,
    NEWS_TITLE_MAX_BYTES,
    NEWS_URL_MAX_BYTES,
    REPLY_WINDOW,
    TEXT_MAX_BYTES,
)

# What following the account means to the bot: the greeting, as Messenger's Get Started.
FOLLOW_PAYLOAD = "start"
# Events that are no shopper's words: unfollowing, opening a menu link, the periodic location
# report, template delivery news. Stored (deduplicated) but answered by nothing.
SILENT_EVENTS = frozenset(
    {"unsubscribe", "view", "location", "templatesendjobfinish", "view_miniprogram"}
)
# Coordinates arrive as decimal strings.
LATITUDE_RANGE = (-90.0, 90.0)
LONGITUDE_RANGE = (-180.0, 180.0)


# --- Rendering ------------------------------------------------------------------------------


def _text_payload(content: str) -> dict:
    return {"msgtype": "text", "text": {"content": content}}


def _texts(chunks: Sequence[str]) -> list[dict]:
    return [_text_payload(chunk) for chunk in chunks]


def _text(text: str) -> list[dict]:
    return _texts(split_text(text, TEXT_MAX_BYTES, length=utf8_bytes))


def _item_id(button: Button) -> str:
    # An option without a payload answers with its label, so a tap is never lost.
    wanted = button.payload or one_line(button.title)
    return truncate(wanted, MENU_ITEM_ID_MAX_BYTES, length=utf8_bytes) or ELLIPSIS


def _item(button: Button) -> dict:
    content = label(button.title, MENU_ITEM_CONTENT_MAX_BYTES, length=utf8_bytes)
    return {"id": _item_id(button), "content": content}


def _menus(head: str, items: Sequence[dict]) -> list[dict]:
    """`head` (any length) then `items` as msgmenus of at most 10; the head's beginning goes
    first as text when it does not fit."""
    before, tail = split_with_tail(head, TEXT_MAX_BYTES, MENU_HEAD_MAX_BYTES, length=utf8_bytes)
    menus = [
        {
            "msgtype": "msgmenu",
            "msgmenu": {
                "head_content": (tail if start == 0 else "") or ELLIPSIS,
                "list": list(items[start : start + MENU_ITEMS_MAX]),
                "tail_content": "",
            },
        }
        for start in range(0, len(items), MENU_ITEMS_MAX)
    ]
    return [*_texts(before), *menus]


def _links(buttons: Sequence[Button]) -> list[dict]:
    # The label on its own line above its URL: no colon, whose typography differs by language
    # (French puts a non-breaking space before it), and rendering knows no language.
    lines = [f"{one_line(b.title)}\n{b.url}" if b.title.strip() else b.url for b in buttons]
    return _text("\n".join(lines)) if lines else []


def _choices(head: str, buttons: Sequence[Button]) -> list[dict]:
    taps = [button for button in buttons if not button.url]
    links = [button for button in buttons if button.url]
    if not taps:
        return _text(head) + _links(links)
    return _menus(head, [_item(button) for button in taps]) + _links(links)


def _news(title: str, description: str, url: str, picture: str) -> dict:
    article = {
        "title": label(title, NEWS_TITLE_MAX_BYTES, length=utf8_bytes),
        "description": truncate(description, NEWS_DESCRIPTION_MAX_BYTES, length=utf8_bytes),
        "url": url,
        "picurl": picture,
    }
    return {"msgtype": "news", "news": {"articles": [article]}}


def _fits_url(url: str) -> bool:
    return bool(url) and utf8_bytes(url) <= NEWS_URL_MAX_BYTES


def _card_link(card: Card) -> str:
    """Where tapping the card goes: its page, else its picture."""
    return next((b.url for b in card.buttons if _fits_url(b.url)), "") or (
        card.image_url if _fits_url(card.image_url) else ""
    )


def _card_line(card: Card) -> str:
    return joined(card.title, card.price)


def _card_details(card: Card) -> str:
    return joined(card.price, card.subtitle)


def _render_single(card: Card, intro: str, more: Button | None) -> list[dict]:
    payloads = _text(intro)
    link = _card_link(card)
    if link:
        picture = card.image_url if _fits_url(card.image_url) else ""
        payloads.append(_news(card.title, _card_details(card), link, picture))
        head = one_line(card.title)
    else:
        head = "\n".join(part for part in (one_line(card.title), _card_details(card)) if part)
    buttons = [*card.buttons, *([more] if more else [])]
    taps = [b for b in buttons if not b.url]
    links = [b for b in buttons if b.url and b.url != link]
    if taps:
        payloads += _menus(head, [_item(b) for b in taps])
    elif not link:
        payloads += _text(head)
    return payloads + _links(links)


def _render_carousel(carousel: Carousel) -> list[dict]:
    cards = carousel.cards
    if len(cards) == 1:
        return _render_single(cards[0], carousel.text, carousel.more)
    picks = [(card, card_payload(card)) for card in cards]
    items = [_item(Button(_card_line(c), payload=p)) for c, p in picks if p]
    unpicked = [f"• {_card_line(c)}" for c, p in picks if not p and c.title.strip()]
    if carousel.more is not None and not carousel.more.url:
        items.append(_item(carousel.more))
    links = [carousel.more] if carousel.more is not None and carousel.more.url else []
    head = "\n".join(part for part in (carousel.text.strip(), *unpicked) if part)
    if not items:
        return _text(head) + _links(links)
    return _menus(head, items) + _links(links)


def _render_image(image: Image) -> list[dict]:
    caption = image.caption.strip()
    if not _fits_url(image.url):
        return _text(caption)
    first_line = caption.splitlines()[0] if caption else ""
    fits = utf8_bytes(caption) <= NEWS_DESCRIPTION_MAX_BYTES
    before = [] if fits else _text(caption)
    description = caption if fits and caption != first_line else ""
    return [*before, _news(first_line, description, image.url, image.url)]


# --- Parsing --------------------------------------------------------------------------------


def _coordinate(value: object, field: str, bounds: tuple[float, float]) -> float:
    raw = read.text(value, field)
    try:
        number = float(raw)
    except ValueError:
        raise read.Unreadable(f"{field} is not a number") from None
    number = read.number(number, field)
    if not bounds[0] <= number <= bounds[1]:
        raise read.Unreadable(f"{field} is out of range")
    return number


def _parse_message(sender: Sender, message_id: str, fields: dict) -> list[InboundEvent]:
    kind = read.text(fields.get("MsgType"), "MsgType").lower()
    if kind == "text":
        text = read.text(fields.get("Content"), "Content")
        menu_id = read.text(fields.get("bizmsgmenuid"), "bizmsgmenuid")
        if menu_id:  # an option of a msgmenu, tapped: its id is our payload
            return [
                ButtonPressed(sender=sender, message_id=message_id, payload=menu_id, title=text)
            ]
        return [TextReceived(sender=sender, message_id=message_id, text=text)]
    if kind == "location":
        return [
            LocationShared(
                sender=sender,
                message_id=message_id,
                latitude=_coordinate(fields.get("Location_X"), "Location_X", LATITUDE_RANGE),
                longitude=_coordinate(fields.get("Location_Y"), "Location_Y", LONGITUDE_RANGE),
                address=read.text(fields.get("Label"), "Label"),
            )
        ]
    return [Unsupported(sender=sender, message_id=message_id, what=kind[:32] or "unknown")]


def _parse_event(sender: Sender, message_id: str, fields: dict) -> list[InboundEvent]:
    event = read.text(fields.get("Event"), "Event").lower()
    if event == "subscribe":
        return [ButtonPressed(sender=sender, message_id=message_id, payload=FOLLOW_PAYLOAD)]
    if event == "click":
        key = read.text(fields.get("EventKey"), "EventKey")
        return [ButtonPressed(sender=sender, message_id=message_id, payload=key)] if key else []
    return []  # SILENT_EVENTS and whatever WeChat adds: nothing the shopper said


def event_id(fields: dict) -> str:
    """What a push is deduplicated on: MsgId for messages; events have none, and WeChat's own
    advice is FromUserName + CreateTime (with the event's name: one tap makes one event)."""
    msg_id = read.ident(fields.get("MsgId"), "MsgId", required=False)
    if msg_id:
        return msg_id
    sender = read.ident(fields.get("FromUserName"), "FromUserName")
    created = read.ident(fields.get("CreateTime"), "CreateTime")
    event = read.text(fields.get("Event"), "Event")[:32]
    return f"{sender}:{created}:{event}"


class WeChatAdapter(WeChatConnect, ChannelAdapter):
    kind = "wechat"
    # msgmenu instead of numbered lines; the shopper can send a location from the "+" panel.
    # Links open in WeChat's own browser, where WeChat Pay is the shopper's wallet.
    capabilities = Capabilities(reply_window=True, location_sharing=True, wallet="wechat_pay")

    def opens_pages(self, user_agent: str) -> bool:
        # WeChat's in-app browser names itself in its user agent ("MicroMessenger/8.0…").
        return "MicroMessenger" in user_agent

    def preview_bubbles(self, payload: dict) -> list:
        from channels_adapters.wechat import preview

        return preview.bubbles(payload)

    def preview_notes(self, messages: list[OutboundMessage], payloads: list[dict]) -> list[str]:
        from channels_adapters.wechat import preview

        return preview.fallback_notes(messages, payloads)

    def split(self, body: dict) -> list[RawEvent]:
        """One push is one event: `body` is its XML fields (webhook.py reads and checks them)."""
        try:
            fields = read.obj(body, "xml")
            identified = event_id(fields)
            read.ident(fields.get("FromUserName"), "FromUserName")
            account = read.ident(fields.get("ToUserName"), "ToUserName", required=False)
        except read.Unreadable as exc:
            raise WebhookRejected(exc.reason) from None
        return [RawEvent(event_id=identified, payload=fields, account_id=account)]

    def parse(self, payload: dict) -> list[InboundEvent]:
        fields = read.obj(payload, "xml")
        sender = Sender(external_id=read.ident(fields.get("FromUserName"), "FromUserName"))
        message_id = read.ident(fields.get("MsgId"), "MsgId", required=False)
        try:
            if read.text(fields.get("MsgType"), "MsgType").lower() == "event":
                return _parse_event(sender, message_id, fields)
            return _parse_message(sender, message_id, fields)
        except read.Unreadable as exc:
            raise read.from_shopper(exc, sender, message_id) from None

    def render(self, message: OutboundMessage) -> list[dict]:
        if isinstance(message, Text):
            return _text(message.text)
        if isinstance(message, QuickReplies):
            return _choices(message.text, message.options)
        if isinstance(message, Carousel):
            return _render_carousel(message)
        if isinstance(message, Image):
            return _render_image(message)
        if isinstance(message, Receipt):
            return _text(receipt_text(message))
        if isinstance(message, Template):
            return _text(message.text)  # WeChat has no templates inside the window: say it
        return self.unrenderable(message)

    def send(self, account: AccountContext, recipient: str, payload: dict) -> SendResult:
        answer = api.call(
            api.app_of(account.credentials), api.CUSTOM_SEND, {"touser": recipient, **payload}
        )
        return SendResult(platform_message_id=str(answer.get("msgid", "")))

    def reply_window(self, last_inbound_at: datetime | None, now: datetime) -> ReplyWindow:
        if last_inbound_at is None:
            return ReplyWindow(
                open=False,
                explanation=gettext(
                    "WeChat: the shopper has not written yet; an account may only answer "
                    "people who wrote to it."
                ),
            )
        closes_at = last_inbound_at + REPLY_WINDOW
        if now < closes_at:
            return ReplyWindow(
                open=True,
                closes_at=closes_at,
                explanation=gettext("WeChat: within the 48-hour window (it closes in %(left)s).")
                % {"left": span(closes_at - now)},
            )
        return ReplyWindow(
            open=False,
            closes_at=closes_at,
            explanation=gettext(
                "WeChat: the shopper last wrote %(ago)s ago; after 48 hours WeChat allows no "
                "reply until they write again."
            )
            % {"ago": span(now - last_inbound_at)},
        )
