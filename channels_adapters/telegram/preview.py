"""How Telegram shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each payload read back into bubbles, and notes on where the
channel falls back to a plainer form. It reads payloads only, so it cannot drift from what
is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.preview import Bubble, Choice, of_type, plural, shown_url
from channels_adapters.telegram.limits import shown


def _from_html(text: str) -> tuple[str, str]:
    """(bold first line, the rest) of a caption sent with parse_mode=HTML, as plain text."""
    first, _, rest = text.partition("\n")
    if first.startswith("<b>") and first.endswith("</b>"):
        return shown(first), shown(rest)
    return "", shown(text)


def bubbles(payload: dict) -> list[Bubble]:
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


def fallback_notes(messages, payloads) -> list[str]:
    from channels_adapters.telegram import adapter as telegram

    notes = []
    for carousel in of_type(messages, Carousel):
        count = len(carousel.cards)
        sent = min(count, telegram.CAROUSEL_CARDS_MAX)
        if count > 1:
            notes.append(
                f"No carousel on Telegram: {plural(count, 'card')} → {plural(sent, 'message')}"
                ", a photo with its caption and buttons each."
            )
        if count > telegram.CAROUSEL_CARDS_MAX:
            notes.append(f"Only the first {telegram.CAROUSEL_CARDS_MAX} cards are sent.")
        if carousel.more is not None:
            notes.append(f"“More” comes on its own {telegram.PROMPT} message.")
        if any(not card.image_url for card in carousel.cards):
            notes.append("Cards without a photo are sent as text.")
    for question in of_type(messages, QuickReplies):
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
            f"{plural(count, 'choice')} → an inline keyboard of {plural(rows, 'row')} "
            "(3 a row for short titles, 2 for medium, 1 for long)."
        )
        if count > telegram.QUICK_REPLIES_MAX:
            notes.append(f"Only the first {telegram.QUICK_REPLIES_MAX} choices are shown.")
    return notes
