"""How WhatsApp shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each payload read back into bubbles, and notes on where the
channel falls back to a plainer form. It reads payloads only, so it cannot drift from what
is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.preview import Bubble, Choice, of_type, plural, shown_url


def bubbles(payload: dict) -> list[Bubble]:
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


def fallback_notes(messages, payloads) -> list[str]:
    from channels_adapters.whatsapp import adapter as whatsapp

    notes = []
    for question in of_type(messages, QuickReplies):
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
            notes.append(f"{plural(count, 'choice')} → reply buttons.")
        if any(len(o.title.strip()) > whatsapp.ROW_TITLE_MAX for o in question.options):
            notes.append(
                f"Row titles cut to {whatsapp.ROW_TITLE_MAX} characters; the whole title is in "
                "the row's description."
            )
    for carousel in of_type(messages, Carousel):
        count = len(carousel.cards)
        if count == 1:
            notes.append("One product → its photo with a caption, then its choices.")
        elif count > 1:
            notes.append(
                f"No carousel on WhatsApp: {plural(count, 'product')} → the first one's photo, "
                "then a list with a row per product (lists have no photos)."
            )
    return notes
