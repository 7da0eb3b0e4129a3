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
