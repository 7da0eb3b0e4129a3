"""The channel preview: normalized messages rendered by every adapter's own `render`, then read
back from the payloads into a plain description of what each app shows, for the dashboard's
side-by-side mock, with notes on where a channel falls back to a plainer form.

Nothing here decides how a channel shows a message: the adapters do. This module only reads
their payloads, so the preview cannot drift from what is sent.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from channels_adapters.messages import Carousel, Image, OutboundMessage, QuickReplies
from channels_adapters.registry import adapter_for
from channels_adapters.sms import gsm

PREVIEW_KINDS = ("messenger", "telegram", "whatsapp", "sms", "webchat")
LABELS = {
    "messenger": "Messenger",
    "telegram": "Telegram",
    "whatsapp": "WhatsApp",
    "sms": "SMS",
    "webchat": "Web chat",
}
_TAG = re.compile(r"</?[a-z]+>")


@dataclass
class Choice:
    """A button, quick reply, keyboard key or list row, as the shopper sees it."""

    title: str
    detail: str = ""
    url: str = ""


@dataclass
class Bubble:
    """One message in the mock of an app."""

    form: str = ""  # what the platform calls it: "Generic template", "sendPhoto", "List"…
    title: str = ""  # bold first line (a card, a Telegram caption)
    text: str = ""
    image_url: str = ""
    cards: list[Bubble] = field(default_factory=list)
    buttons: list[Choice] = field(default_factory=list)
    keyboard: list[list[Choice]] = field(default_factory=list)  # Telegram rows
    quick_replies: list[Choice] = field(default_factory=list)
    list_button: str = ""  # WhatsApp: the button that opens the list
    list_rows: list[Choice] = field(default_factory=list)
    encoding: str = ""  # SMS: "GSM-7" or "UCS-2"
    segments: int = 0
    length: int = 0
    not_gsm: str = ""  # SMS: the characters that made the body UCS-2


@dataclass
class ChannelPreview:
    kind: str
    label: str
    bubbles: list[Bubble]
    notes: list[str]
    payloads: list[dict]

    @property
    def payloads_json(self) -> str:
        return json.dumps(self.payloads, indent=2, ensure_ascii=False)


def channel_previews(messages: Sequence[OutboundMessage]) -> list[ChannelPreview]:
    return [channel_preview(kind, messages) for kind in PREVIEW_KINDS]


def channel_preview(kind: str, messages: Sequence[OutboundMessage]) -> ChannelPreview:
    adapter = adapter_for(kind)
    payloads = [payload for message in messages for payload in adapter.render(message)]
    read, notes = _READERS[kind], _NOTES[kind]
    bubbles = [bubble for payload in payloads for bubble in read(payload)]
    return ChannelPreview(kind, LABELS[kind], bubbles, notes(messages, payloads), payloads)


def shown_url(url: str) -> str:
    """Our own media as a same-site path: the dashboard's CSP allows images from itself only,
    and SOUK_PUBLIC_URL may name another host than the one the dashboard is opened on."""
    public = settings.SOUK_PUBLIC_URL
    if url.startswith(public + "/"):
        return url[len(public) :]
    return url if url.startswith("/") else ""


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _of_type(messages: Sequence[OutboundMessage], kind: type) -> list:
    return [message for message in messages if isinstance(message, kind)]


# --- Messenger ----------------------------------------------------------------------------------


def _messenger_choice(button: dict) -> Choice:
    return Choice(button.get("title", ""), url=button.get("url", ""))


def _read_messenger(payload: dict) -> list[Bubble]:
    message = payload.get("message") or {}
    quick = [_messenger_choice(q) for q in message.get("quick_replies", ())]
    attachment = message.get("attachment") or {}
    template = attachment.get("payload") or {}
    if attachment.get("type") == "image":
        bubble = Bubble(form="Image", image_url=shown_url(template.get("url", "")))
    elif template.get("template_type") == "generic":
        cards = [
            Bubble(
                title=element.get("title", ""),
                text=element.get("subtitle", ""),
                image_url=shown_url(element.get("image_url", "")),
                buttons=[_messenger_choice(b) for b in element.get("buttons", ())],
            )
            for element in template.get("elements", ())
        ]
        bubble = Bubble(form="Generic template", cards=cards)
    elif template.get("template_type") == "button":
        buttons = [_messenger_choice(b) for b in template.get("buttons", ())]
        bubble = Bubble(form="Button template", text=template.get("text", ""), buttons=buttons)
    elif template:
        bubble = Bubble(form=f"{template.get('template_type', '').capitalize()} template")
    else:
        bubble = Bubble(form="Text", text=message.get("text", ""))
    bubble.quick_replies = quick
    return [bubble]


def _notes_messenger(messages, payloads) -> list[str]:
    from channels_adapters.messenger import adapter as messenger

    notes = []
    for question in _of_type(messages, QuickReplies):
        count = len(question.options)
        if count > messenger.QUICK_REPLIES_MAX or any(o.url for o in question.options):
            notes.append(
                f"{_plural(count, 'choice')} → button templates of {messenger.BUTTONS_MAX} "
                f"(quick replies hold {messenger.QUICK_REPLIES_MAX}, and no links)."
            )
        elif count:
            notes.append(f"{_plural(count, 'choice')} → quick replies under the question.")
    options = [o for q in _of_type(messages, QuickReplies) for o in q.options]
    if any(len(o.title.strip()) > messenger.QUICK_REPLY_TITLE_MAX for o in options):
        notes.append(f"Choice titles cut to {messenger.QUICK_REPLY_TITLE_MAX} characters.")
    for carousel in _of_type(messages, Carousel):
        count = len(carousel.cards)
        templates = -(-count // messenger.ELEMENTS_MAX)
        if count > messenger.ELEMENTS_MAX:
            notes.append(
                f"{_plural(count, 'card')} → {templates} carousels of {messenger.ELEMENTS_MAX}."
            )
        elif count > 1:
            notes.append(f"{count} cards → one carousel, swiped sideways.")
        if carousel.more is not None and not carousel.more.url:
            notes.append("“More” rides as a quick reply under the last cards.")
        long_text = [
            card
            for card in carousel.cards
            if len(" · ".join(p for p in (card.price, card.subtitle) if p))
            > messenger.ELEMENT_SUBTITLE_MAX
        ]
        if long_text:
            notes.append(
                f"Card text (price · description) cut to {messenger.ELEMENT_SUBTITLE_MAX} "
                "characters."
            )
    return notes


# --- Telegram -----------------------------------------------------------------------------------


def _from_html(text: str) -> tuple[str, str]:
    """(bold first line, the rest) of a caption sent with parse_mode=HTML, as plain text."""
    first, _, rest = text.partition("\n")
    if first.startswith("<b>") and first.endswith("</b>"):
        return html.unescape(_TAG.sub("", first)), html.unescape(_TAG.sub("", rest))
    return "", html.unescape(_TAG.sub("", text))


def _read_telegram(payload: dict) -> list[Bubble]:
    method, params = payload.get("method", ""), payload.get("params") or {}
    text = params.get("caption" if method == "sendPhoto" else "text", "")
    title, body = _from_html(text) if params.get("parse_mode") == "HTML" else ("", text)
    keyboard = [
        [Choice(key.get("text", ""), url=key.get("url", "")) for key in row]
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", ())
    ]
    image = shown_url(params.get("photo", "")) if method == "sendPhoto" else ""
    if method == "sendInvoice":
        title, body = params.get("title", ""), params.get("description", "")
    return [Bubble(form=method, title=title, text=body, image_url=image, keyboard=keyboard)]


def _notes_telegram(messages, payloads) -> list[str]:
    from channels_adapters.telegram import adapter as telegram

    notes = []
    for carousel in _of_type(messages, Carousel):
        count = len(carousel.cards)
        sent = min(count, telegram.CAROUSEL_CARDS_MAX)
        if count > 1:
            notes.append(
                f"No carousel on Telegram: {_plural(count, 'card')} → {_plural(sent, 'message')}"
                ", a photo with its caption and buttons each."
            )
        if count > telegram.CAROUSEL_CARDS_MAX:
            notes.append(f"Only the first {telegram.CAROUSEL_CARDS_MAX} cards are sent.")
        if carousel.more is not None:
            notes.append(f"“More” comes on its own {telegram.PROMPT} message.")
        if any(not card.image_url for card in carousel.cards):
            notes.append("Cards without a photo are sent as text.")
    for question in _of_type(messages, QuickReplies):
        rows = next(
            (
                len(p["params"]["reply_markup"]["inline_keyboard"])
                for p in reversed(payloads)
                if "reply_markup" in p.get("params", {})
            ),
            0,
        )
        count = len(question.options)
        notes.append(
            f"{_plural(count, 'choice')} → an inline keyboard of {_plural(rows, 'row')} "
            "(3 a row for short titles, 2 for medium, 1 for long)."
        )
        if count > telegram.QUICK_REPLIES_MAX:
            notes.append(f"Only the first {telegram.QUICK_REPLIES_MAX} choices are shown.")
    return notes


# --- WhatsApp -----------------------------------------------------------------------------------


def _read_whatsapp(payload: dict) -> list[Bubble]:
    kind = payload.get("type")
    if kind == "text":
        return [Bubble(form="Text", text=(payload.get("text") or {}).get("body", ""))]
    if kind == "image":
        image = payload.get("image") or {}
        caption = image.get("caption", "")
        title, _, rest = caption.partition("\n")
        return [
            Bubble(form="Image", image_url=shown_url(image.get("link", "")), title=title, text=rest)
        ]
    interactive = payload.get("interactive") or {}
    body = (interactive.get("body") or {}).get("text", "")
    action = interactive.get("action") or {}
    if interactive.get("type") == "button":
        buttons = [
            Choice((b.get("reply") or {}).get("title", "")) for b in action.get("buttons", ())
        ]
        return [Bubble(form="Reply buttons", text=body, buttons=buttons)]
    rows = [
        Choice(row.get("title", ""), detail=row.get("description", ""))
        for section in action.get("sections", ())
        for row in section.get("rows", ())
    ]
    return [Bubble(form="List", text=body, list_button=action.get("button", ""), list_rows=rows)]


def _notes_whatsapp(messages, payloads) -> list[str]:
    from channels_adapters.whatsapp import adapter as whatsapp

    notes = []
    for question in _of_type(messages, QuickReplies):
        count = len([o for o in question.options if not o.url])
        lists = -(-count // whatsapp.LIST_ROWS_MAX)
        if count > whatsapp.LIST_ROWS_MAX:
            notes.append(
                f"More than {whatsapp.LIST_ROWS_MAX} choices → {lists} list messages of "
                f"{whatsapp.LIST_ROWS_MAX} rows."
            )
        elif count > whatsapp.BUTTONS_MAX:
            notes.append(
                f"More than {whatsapp.BUTTONS_MAX} choices → list message ({count} rows behind "
                "one button)."
            )
        elif count:
            notes.append(f"{_plural(count, 'choice')} → reply buttons.")
        if any(len(o.title.strip()) > whatsapp.ROW_TITLE_MAX for o in question.options):
            notes.append(
                f"Row titles cut to {whatsapp.ROW_TITLE_MAX} characters; the whole title is in "
                "the row's description."
            )
    for carousel in _of_type(messages, Carousel):
        count = len(carousel.cards)
        if count == 1:
            notes.append("One product → its photo with a caption, then its choices.")
        elif count > 1:
            notes.append(
                f"No carousel on WhatsApp: {_plural(count, 'product')} → the first one's photo, "
                "then a list with a row per product (lists have no photos)."
            )
    return notes


# --- SMS ----------------------------------------------------------------------------------------


def _read_sms(payload: dict) -> list[Bubble]:
    body = payload.get("body", "")
    encoding, segments = gsm.segments(body)
    not_gsm = "".join(dict.fromkeys(c for c in body if not gsm.is_gsm7(c)))
    bubble = Bubble(
        form="MMS" if payload.get("media_url") else "SMS",
        text=body,
        encoding="GSM-7" if encoding == gsm.GSM7 else "UCS-2",
        segments=segments,
        length=gsm.units(body)[1],
        not_gsm=not_gsm,
    )
    return [bubble]


def _notes_sms(messages, payloads) -> list[str]:
    from channels_adapters.sms.adapter import SmsAdapter

    sms = adapter_for("sms")
    notes = []
    menus = [n for n in (len(sms.numbered_payloads(message)) for message in messages) if n]
    if menus:
        # Each menu is numbered from 1; the shopper's number answers the last one.
        numbers = f"1-{menus[-1]}" if menus[-1] > 1 else "1"
        notes.append(
            f"No buttons on SMS: numbered menu, the shopper answers with a number ({numbers})."
        )
    carousels = _of_type(messages, Carousel)
    if any(card.image_url for c in carousels for card in c.cards) or _of_type(messages, Image):
        notes.append("No photos: one line a product (title and price); descriptions left out.")
    if any(len(c.cards) > SmsAdapter.max_cards for c in carousels):
        notes.append(f"Only the first {SmsAdapter.max_cards} products are listed.")
    bodies = [payload.get("body", "") for payload in payloads]
    segments = sum(gsm.segments(body)[1] for body in bodies)
    ucs2 = [body for body in bodies if not gsm.is_gsm7(body)]
    line = f"{_plural(len(bodies), 'text message')}, {_plural(segments, 'segment')} in all"
    if ucs2:
        odd = "".join(dict.fromkeys(c for body in ucs2 for c in body if not gsm.is_gsm7(c)))
        line += (
            f"; UCS-2 because of “{odd}” ({gsm.UCS2_SEGMENT} characters a segment instead of "
            f"{gsm.GSM7_SEGMENT})."
        )
    else:
        line += " (GSM-7)."
    notes.append(line)
    return notes


# --- Web chat -----------------------------------------------------------------------------------


def _webchat_choice(button: dict) -> Choice:
    return Choice(button.get("title", ""), url=button.get("url", ""))


def _read_webchat(payload: dict) -> list[Bubble]:
    kind = payload.get("type")
    if kind == "carousel":
        cards = [
            Bubble(
                title=card.get("title", ""),
                text=" · ".join(p for p in (card.get("price", ""), card.get("subtitle", "")) if p),
                image_url=shown_url(card.get("image_url", "")),
                buttons=[_webchat_choice(b) for b in card.get("buttons", ())],
            )
            for card in payload.get("cards", ())
        ]
        more = [_webchat_choice(payload["more"])] if payload.get("more") else []
        return [Bubble(form="Cards", text=payload.get("text", ""), cards=cards, quick_replies=more)]
    if kind == "image":
        url = shown_url(payload.get("url", ""))
        return [Bubble(form="Image", image_url=url, text=payload.get("caption", ""))]
    options = [_webchat_choice(b) for b in payload.get("options", ())]
    return [Bubble(form="Text", text=payload.get("text", ""), quick_replies=options)]


def _notes_webchat(messages, payloads) -> list[str]:
    from channels_adapters.webchat import adapter as webchat

    notes = ["Shown as sent: cards with photos, prices and buttons, choices as chips."]
    if any(len(c.cards) > webchat.MAX_CARDS for c in _of_type(messages, Carousel)):
        notes.append(f"Only the first {webchat.MAX_CARDS} cards are shown.")
    if any(len(q.options) > webchat.MAX_OPTIONS for q in _of_type(messages, QuickReplies)):
        notes.append(f"Only the first {webchat.MAX_OPTIONS} choices are shown.")
    return notes


_READERS = {
    "messenger": _read_messenger,
    "telegram": _read_telegram,
    "whatsapp": _read_whatsapp,
    "sms": _read_sms,
    "webchat": _read_webchat,
}
_NOTES = {
    "messenger": _notes_messenger,
    "telegram": _notes_telegram,
    "whatsapp": _notes_whatsapp,
    "sms": _notes_sms,
    "webchat": _notes_webchat,
}
