"""How the web chat shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each payload read back into bubbles, and notes on where the
channel falls back to a plainer form. It reads payloads only, so it cannot drift from what
is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.preview import Bubble, Choice, of_type, shown_url


def _webchat_choice(button: dict) -> Choice:
    return Choice(button.get("title", ""), url=button.get("url", ""))


def bubbles(payload: dict) -> list[Bubble]:
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


def fallback_notes(messages, payloads) -> list[str]:
    from channels_adapters.webchat import adapter as webchat

    notes = ["Shown as sent: cards with photos, prices and buttons, choices as chips."]
    if any(len(c.cards) > webchat.MAX_CARDS for c in of_type(messages, Carousel)):
        notes.append(f"Only the first {webchat.MAX_CARDS} cards are shown.")
    if any(len(q.options) > webchat.MAX_OPTIONS for q in of_type(messages, QuickReplies)):
        notes.append(f"Only the first {webchat.MAX_OPTIONS} choices are shown.")
    return notes
