"""How Instagram shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each Send API message read back into a bubble, and notes on
where the channel falls back to a plainer form. It reads payloads only, so it cannot drift
from what is sent."""

from __future__ import annotations

from channels_adapters.instagram import render
from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.preview import Bubble, Choice, of_type, plural, shown_url


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
    else:
        bubble = Bubble(form="Text", text=message.get("text", ""))
    bubble.quick_replies = [_choice(q) for q in message.get("quick_replies", ())]
    return [bubble]


def fallback_notes(messages, payloads) -> list[str]:
    notes = []
    for question in of_type(messages, QuickReplies):
        count = len(question.options)
        if count > render.QUICK_REPLIES_MAX or any(o.url for o in question.options):
            notes.append(
                f"{plural(count, 'choice')} → button templates of {render.BUTTONS_MAX} "
                f"(quick replies hold {render.QUICK_REPLIES_MAX}, and no links)."
            )
    for carousel in of_type(messages, Carousel):
        if len(carousel.cards) > render.ELEMENTS_MAX:
            notes.append(
                f"{plural(len(carousel.cards), 'card')} → carousels of {render.ELEMENTS_MAX}."
            )
    notes.append("Quick replies and templates show in the Instagram app, not on the web.")
    return notes
