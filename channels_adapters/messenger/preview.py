"""How Messenger shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each payload read back into bubbles, and notes on where the
channel falls back to a plainer form. It reads payloads only, so it cannot drift from what
is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, QuickReplies
from channels_adapters.meta_messaging_preview import bubbles as bubbles  # the shared reading
from channels_adapters.preview import of_type, plural


def fallback_notes(messages, payloads) -> list[str]:
    from channels_adapters.messenger.adapter import LIMITS as limits

    notes = []
    for question in of_type(messages, QuickReplies):
        count = len(question.options)
        if count > limits.quick_replies_max or any(o.url for o in question.options):
            notes.append(
                f"{plural(count, 'choice')} → button templates of {limits.buttons_max} "
                f"(quick replies hold {limits.quick_replies_max}, and no links)."
            )
        elif count:
            notes.append(f"{plural(count, 'choice')} → quick replies under the question.")
    options = [o for q in of_type(messages, QuickReplies) for o in q.options]
    if any(len(o.title.strip()) > limits.quick_reply_title_max for o in options):
        notes.append(f"Choice titles cut to {limits.quick_reply_title_max} characters.")
    for carousel in of_type(messages, Carousel):
        count = len(carousel.cards)
        templates = -(-count // limits.elements_max)
        if count > limits.elements_max:
            notes.append(
                f"{plural(count, 'card')} → {templates} carousels of {limits.elements_max}."
            )
        elif count > 1:
            notes.append(f"{count} cards → one carousel, swiped sideways.")
        if carousel.more is not None and not carousel.more.url:
            notes.append("“More” rides as a quick reply under the last cards.")
        long_text = [
            card
            for card in carousel.cards
            if len(" · ".join(p for p in (card.price, card.subtitle) if p))
            > limits.element_subtitle_max
        ]
        if long_text:
            notes.append(
                f"Card text (price · description) cut to {limits.element_subtitle_max} characters."
            )
    return notes
