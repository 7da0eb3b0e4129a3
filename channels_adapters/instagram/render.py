"""Instagram messages within the Messenger API for Instagram's limits (docs/channel-limits.md,
Instagram), degrading along this ladder when the rich form cannot hold a message:

- Text: messages of at most 1000 UTF-8 bytes (bytes to be safe, see TEXT_MAX_BYTES: an
  accented letter is 2, an emoji 4), cut between paragraphs, lines or words.
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

from channels_adapters import meta_messaging
from channels_adapters.messages import (
    Carousel,
    Image,
    OutboundMessage,
    QuickReplies,
    Receipt,
    Template,
    Text,
    receipt_text,
)
from channels_adapters.text import label, split_text

# Meta's limit is 1000; whether bytes or characters is unverified (docs/channel-limits.md,
# Instagram): counting UTF-8 bytes keeps a text within either.
TEXT_MAX_BYTES = 1000


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


# Instagram's other limits are the Messenger Platform's (meta_messaging.Limits' defaults).
LIMITS = meta_messaging.Limits(split=lambda text: split_bytes(text, TEXT_MAX_BYTES))
_send = meta_messaging.Renderer(LIMITS)
_text = _send.text


def _render_carousel(carousel: Carousel) -> list[dict]:
    payloads = _text(carousel.text) + _send.cards(carousel.cards)
    more = carousel.more
    if more is not None:
        payloads += _send.button_templates(
            label(more.title, LIMITS.button_template_text_max), [more]
        )
    return payloads


def _render_image(image: Image) -> list[dict]:
    payloads = []
    if image.url:
        attachment = {"type": "image", "payload": {"url": image.url}}
        payloads.append(meta_messaging.payload({"attachment": attachment}))
    return payloads + _text(image.caption)


def instagram_render(message: OutboundMessage) -> list[dict] | None:
    """The Send API payloads (without `recipient`) that say `message` on Instagram; None for a
    type Instagram has no form for (an invoice…), which the adapter says as its plain text."""
    if isinstance(message, Text):
        return _text(message.text)
    if isinstance(message, QuickReplies):
        return _send.quick_replies(message.text, message.options)
    if isinstance(message, Carousel):
        return _render_carousel(message)
    if isinstance(message, Image):
        return _render_image(message)
    if isinstance(message, Receipt):
        return _text(receipt_text(message))
    if isinstance(message, Template):
        return _text(message.text)
    return None
