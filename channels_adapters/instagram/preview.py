"""How Instagram shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each Send API message read back into a bubble, and notes on
where the channel falls back to a plainer form. It reads payloads only, so it cannot drift
from what is sent."""

from __future__ import annotations

from channels_adapters.instagram import render
from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.meta_messaging_preview import bubbles as bubbles  # the shared reading
from channels_adapters.preview import of_type, plural


def fallback_notes(messages, payloads) -> list[str]:
    limits = render.LIMITS
    notes = []
    for question in of_type(messages, QuickReplies):
        count = len(question.options)
        if count > limits.quick_replies_max or any(o.url for o in question.options):
            notes.append(
                f"{plural(count, 'choice')} → button templates of {limits.buttons_max} "
                f"(quick replies hold {limits.quick_replies_max}, and no links)."
            )
    for carousel in of_type(messages, Carousel):
        if len(carousel.cards) > limits.elements_max:
            notes.append(
                f"{plural(len(carousel.cards), 'card')} → carousels of {limits.elements_max}."
            )
    notes.append("Quick replies and templates show in the Instagram app, not on the web.")
    return notes
