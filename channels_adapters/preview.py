"""The channel preview: normalized messages rendered by every adapter's own `render`, then read
back from the payloads into a plain description of what each app shows, for the dashboard's
side-by-side mock, with notes on where a channel falls back to a plainer form.

Nothing here decides how a channel shows a message: the adapters do, and each package's
preview.py reads its own payloads back (the adapter's `preview_bubbles` and `preview_notes`),
so the preview cannot drift from what is sent. Here: the mock's shapes and the order of things.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings

from channels_adapters import registry
from channels_adapters.messages import OutboundMessage


@dataclass
class Choice:
    """A button, quick reply, keyboard key or list row, as the shopper sees it."""

    title: str
    detail: str = ""
    url: str = ""


@dataclass
class Bubble:
    """One message in the mock of an app."""

    form: str = ""  # what the platform calls it: "Generic template", "sendPhoto", "List"…
    title: str = ""  # bold first line (a card, a Telegram caption)
    text: str = ""
    image_url: str = ""
    cards: list[Bubble] = field(default_factory=list)
    buttons: list[Choice] = field(default_factory=list)
    keyboard: list[list[Choice]] = field(default_factory=list)  # Telegram rows
    quick_replies: list[Choice] = field(default_factory=list)
    list_button: str = ""  # WhatsApp: the button that opens the list
    list_rows: list[Choice] = field(default_factory=list)
    encoding: str = ""  # SMS: "GSM-7" or "UCS-2"
    segments: int = 0
    length: int = 0
    not_gsm: str = ""  # SMS: the characters that made the body UCS-2


@dataclass
class ChannelPreview:
    kind: str
    label: str
    bubbles: list[Bubble]
    notes: list[str]
    payloads: list[dict]

    @property
    def payloads_json(self) -> str:
        return json.dumps(self.payloads, indent=2, ensure_ascii=False)


def channel_previews(messages: Sequence[OutboundMessage]) -> list[ChannelPreview]:
    return [channel_preview(kind, messages) for kind in registry.kinds()]


def channel_preview(kind: str, messages: Sequence[OutboundMessage]) -> ChannelPreview:
    """How `kind` shows `messages`: its adapter renders them and reads its payloads back
    (`preview_bubbles`, `preview_notes`, in the package's preview.py)."""
    adapter = registry.adapter_for(kind)
    payloads = [payload for message in messages for payload in adapter.render(message)]
    bubbles = [bubble for payload in payloads for bubble in adapter.preview_bubbles(payload)]
    notes = adapter.preview_notes(messages, payloads)
    return ChannelPreview(kind, registry.label(kind), bubbles, notes, payloads)


def shown_url(url: str) -> str:
    """Our own media as a same-site path: the dashboard's CSP allows images from itself only,
    and SOUK_PUBLIC_URL may name another host than the one the dashboard is opened on."""
    public = settings.SOUK_PUBLIC_URL
    if url.startswith(public + "/"):
        return url[len(public) :]
    return url if url.startswith("/") else ""


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def of_type(messages: Sequence[OutboundMessage], kind: type) -> list:
    return [message for message in messages if isinstance(message, kind)]
