"""How SMS shows the payloads its adapter renders, for the dashboard's channel preview
(channels_adapters/preview.py): each payload read back into bubbles, and notes on where the
channel falls back to a plainer form. It reads payloads only, so it cannot drift from what
is sent."""

from __future__ import annotations

from channels_adapters.messages import Carousel, Image
from channels_adapters.preview import Bubble, of_type, plural
from channels_adapters.sms import gsm


def bubbles(payload: dict) -> list[Bubble]:
    body = payload.get("body", "")
    encoding, segments = gsm.segments(body)
    not_gsm = "".join(dict.fromkeys(c for c in body if not gsm.is_gsm7(c)))
    bubble = Bubble(
        form="MMS" if payload.get("media_url") else "SMS",
        text=body,
        encoding="GSM-7" if encoding == gsm.GSM7 else "UCS-2",
        segments=segments,
        length=gsm.units(body)[1],
        not_gsm=not_gsm,
    )
    return [bubble]


def fallback_notes(messages, payloads) -> list[str]:
    from channels_adapters.sms.adapter import SmsAdapter

    sms = SmsAdapter()
    notes = []
    menus = [n for n in (len(sms.numbered_payloads(message)) for message in messages) if n]
    if menus:
        # Each menu is numbered from 1; the shopper's number answers the last one.
        numbers = f"1-{menus[-1]}" if menus[-1] > 1 else "1"
        notes.append(
            f"No buttons on SMS: numbered menu, the shopper answers with a number ({numbers})."
        )
    carousels = of_type(messages, Carousel)
    if any(card.image_url for c in carousels for card in c.cards) or of_type(messages, Image):
        notes.append("No photos: one line a product (title and price); descriptions left out.")
    if any(len(c.cards) > SmsAdapter.max_cards for c in carousels):
        notes.append(f"Only the first {SmsAdapter.max_cards} products are listed.")
    bodies = [payload.get("body", "") for payload in payloads]
    segments = sum(gsm.segments(body)[1] for body in bodies)
    ucs2 = [body for body in bodies if not gsm.is_gsm7(body)]
    line = f"{plural(len(bodies), 'text message')}, {plural(segments, 'segment')} in all"
    if ucs2:
        odd = "".join(dict.fromkeys(c for body in ucs2 for c in body if not gsm.is_gsm7(c)))
        line += (
            f"; UCS-2 because of “{odd}” ({gsm.UCS2_SEGMENT} characters a segment instead of "
            f"{gsm.GSM7_SEGMENT})."
        )
    else:
        line += " (GSM-7)."
    notes.append(line)
    return notes
