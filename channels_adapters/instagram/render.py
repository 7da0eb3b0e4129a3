"""Instagram messages within the Messenger API for Instagram's limits (docs/channel-limits.md,
Instagram), degrading along this ladder when the rich form cannot hold a message:

- Text: messages of at most 1000 UTF-8 bytes (Instagram counts bytes: an accented letter is
  2, an emoji 4), cut between paragraphs, lines or words.
- QuickReplies: quick replies (at most 13, all with a payload; titles ≤ 20 characters)
  → button templates of 3 buttons each (more than 13 options, or an option that opens a page;
  the question heads the first template, "…" the next ones; its text ≤ 640 characters)
  → plain text (no option at all). A question too long for the field sends its beginning as
  plain text first.
- Carousel: the intro text, then generic templates of up to 10 cards each (title ≤ 80; price ·
  subtitle ≤ 80; image; the card's first 3 buttons) → a bulleted text for cards that carry
  nothing but a title; `more` is a one-button template (Meta documents Instagram's quick
  replies on a text message only; whether a template may carry them is not said).
- Image: an image attachment, then the caption as text.
- Receipt, Template: text (Instagram has neither a receipt template nor templates to approve).

Quick replies and templates do not show on Instagram's desktop web; the app shows them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import groupby

from channels_adapters.messages import (
    Button,
    Card,
    Carousel,
    Image,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Template,
    Text,
    receipt_text,
)
from channels_adapters.text import ELLIPSIS, joined, label, one_line, split_text, truncate

TEXT_MAX_BYTES = 1000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX = 20
PAYLOAD_MAX = 1000
BUTTON_TITLE_MAX = 20
BUTTONS_MAX = 3
BUTTON_TEMPLATE_TEXT_MAX = 640
ELEMENTS_MAX = 10
ELEMENT_TITLE_MAX = 80
ELEMENT_SUBTITLE_MAX = 80


def utf8_size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_bytes(text: str, limit: int) -> list[str]:
    """`text` in chunks of at most `limit` UTF-8 bytes, cut where `split_text` would cut (between
    paragraphs, lines, words, never inside a grapheme). Blank text gives no chunk."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if utf8_size(rest) <= limit:
            chunks.append(rest)
            break
        # The most characters whose bytes fit: a code point is 1 to 4 bytes.
        fits = len(rest.encode("utf-8")[:limit].decode("utf-8", "ignore"))
        chunk = split_text(rest, max(fits, 1))[0]
        chunks.append(chunk)
        rest = rest[len(chunk) :].strip() if rest.startswith(chunk) else rest[fits:].strip()
    return chunks


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _payload(message: dict) -> dict:
    # Every reply Souk sends answers a shopper within the window (a late one gets its tag in
    # InstagramAdapter.tagged).
    return {"messaging_type": "RESPONSE", "message": message}


def _template(template: dict) -> dict:
    return _payload({"attachment": {"type": "template", "payload": template}})


def _postback_payload(button: Button) -> str:
    # A button without a payload answers with its title, so a tap is never lost.
    return truncate(button.payload or one_line(button.title), PAYLOAD_MAX) or ELLIPSIS


def _button(button: Button) -> dict:
    title = label(button.title, BUTTON_TITLE_MAX)
    if button.url:
        return {"type": "web_url", "title": title, "url": button.url}
    return {"type": "postback", "title": title, "payload": _postback_payload(button)}


def _quick_reply(button: Button) -> dict:
    return {
        "content_type": "text",
        "title": label(button.title, QUICK_REPLY_TITLE_MAX),
        "payload": _postback_payload(button),
    }


def _texts(chunks: Sequence[str]) -> list[dict]:
    return [_payload({"text": chunk}) for chunk in chunks]


def _text(text: str) -> list[dict]:
    return _texts(split_bytes(text, TEXT_MAX_BYTES))


def _head_and_tail(text: str, tail_chars: int) -> tuple[list[str], str]:
    """`text` as plain chunks plus a last chunk that fits a field of `tail_chars` characters
    (and the byte limit)."""
    chunks = split_bytes(text, TEXT_MAX_BYTES)
    if not chunks:
        return [], ""
    *head, tail = chunks
    if len(tail) > tail_chars:
        *more, tail = split_text(tail, tail_chars)
        head += more
    return head, tail


def _with_quick_replies(text: str, options: Sequence[Button]) -> list[dict]:
    head, tail = _head_and_tail(text, TEXT_MAX_BYTES)
    quick_replies = [_quick_reply(option) for option in options]
    return [*_texts(head), _payload({"text": tail or ELLIPSIS, "quick_replies": quick_replies})]


def _button_templates(text: str, buttons: Sequence[Button]) -> list[dict]:
    head, tail = _head_and_tail(text, BUTTON_TEMPLATE_TEXT_MAX)
    templates = [
        _template(
            {
                "template_type": "button",
                "text": (tail if index == 0 else "") or ELLIPSIS,
                "buttons": [_button(button) for button in group],
            }
        )
        for index, group in enumerate(_chunks(buttons, BUTTONS_MAX))
    ]
    return [*_texts(head), *templates]


def _render_quick_replies(message: QuickReplies) -> list[dict]:
    options = message.options
    if not options:
        return _text(message.text)
    if len(options) <= QUICK_REPLIES_MAX and not any(option.url for option in options):
        return _with_quick_replies(message.text, options)
    return _button_templates(message.text, options)


def _card_subtitle(card: Card) -> str:
    return truncate(joined(card.price, card.subtitle), ELEMENT_SUBTITLE_MAX)


def _is_element(card: Card) -> bool:
    """A generic element needs something besides its title."""
    return bool(_card_subtitle(card) or card.image_url or card.buttons)


def _element(card: Card) -> dict:
    element = {"title": label(card.title, ELEMENT_TITLE_MAX)}
    subtitle = _card_subtitle(card)
    if subtitle:
        element["subtitle"] = subtitle
    if card.image_url:
        element["image_url"] = card.image_url
    if card.buttons:
        # The bot lists a card's main actions first; Instagram shows three.
        element["buttons"] = [_button(button) for button in card.buttons[:BUTTONS_MAX]]
    return element


def _cards(cards: Sequence[Card]) -> list[dict]:
    payloads: list[dict] = []
    for is_element, run in groupby(cards, key=_is_element):
        run = list(run)
        if is_element:
            payloads += [
                _template({"template_type": "generic", "elements": [_element(c) for c in chunk]})
                for chunk in _chunks(run, ELEMENTS_MAX)
            ]
        else:
            titles = [one_line(card.title) for card in run if card.title.strip()]
            payloads += _text("\n".join(f"• {title}" for title in titles))
    return payloads


def _render_carousel(carousel: Carousel) -> list[dict]:
    payloads = _text(carousel.text) + _cards(carousel.cards)
    more = carousel.more
    if more is not None:
        payloads += _button_templates(label(more.title, BUTTON_TEMPLATE_TEXT_MAX), [more])
    return payloads


def _render_image(image: Image) -> list[dict]:
    payloads = []
    if image.url:
        payloads.append(_payload({"attachment": {"type": "image", "payload": {"url": image.url}}}))
    return payloads + _text(image.caption)


def instagram_render(message: OutboundMessage) -> list[dict] | None:
    """The Send API payloads (without `recipient`) that say `message` on Instagram; None for a
    type Instagram has no form for (an invoice…), which the adapter says as its plain text."""
    if isinstance(message, Text):
        return _text(message.text)
    if isinstance(message, QuickReplies):
        return _render_quick_replies(message)
    if isinstance(message, Carousel):
        return _render_carousel(message)
    if isinstance(message, Image):
        return _render_image(message)
    if isinstance(message, Receipt):
        return _text(receipt_text(message))
    if isinstance(message, Template):
        return _text(message.text)
    return None
