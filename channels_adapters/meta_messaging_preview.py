"""Bubbles for the dashboard's channel preview (channels_adapters/preview.py) read back from
Messenger Platform Send API payloads: the shapes (text, image, generic and button templates,
quick replies) that Messenger and Instagram messaging share. Each channel's package keeps its
own fallback notes, since its limits differ. It reads payloads only, so it cannot drift from
what is sent."""

from __future__ import annotations

from channels_adapters.preview import Bubble, Choice, shown_url


def _choice(button: dict) -> Choice:
    return Choice(button.get("title", ""), url=button.get("url", ""))


def bubbles(payload: dict) -> list[Bubble]:
    message = payload.get("message") or {}
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
                buttons=[_choice(b) for b in element.get("buttons", ())],
            )
            for element in template.get("elements", ())
        ]
        bubble = Bubble(form="Generic template", cards=cards)
    elif template.get("template_type") == "button":
        buttons = [_choice(b) for b in template.get("buttons", ())]
        bubble = Bubble(form="Button template", text=template.get("text", ""), buttons=buttons)
    elif template:
        # A template of a type only one channel sends (Messenger's receipt): named, not drawn.
        bubble = Bubble(form=f"{template.get('template_type', '').capitalize()} template")
    else:
        bubble = Bubble(form="Text", text=message.get("text", ""))
    bubble.quick_replies = [_choice(q) for q in message.get("quick_replies", ())]
    return [bubble]
