"""Typed reading of a platform payload: each adapter's `split` and `parse` read fields through
these, so a value of the wrong type (a list where an object belongs, a string where a list
belongs, an id that is a dict) raises `Unreadable` naming the field, instead of a TypeError or
AttributeError deep in the adapter, or worse, a string iterated one character at a time.

The rule they serve (ChannelAdapter's docstring, docs/channels.md "Reading platform
payloads"): an event an adapter cannot read is ignored with one warning, never an exception in
the request or the worker, and never a reason to refuse its siblings in the same webhook.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from channels_adapters.messages import Sender, Unsupported
from shops.untrusted import repaired_text

logger = logging.getLogger(__name__)

# Ids become `InboundEvent.event_id` and `CustomerIdentity.external_id` (128 characters); no
# platform id comes near it (a wamid is ~60).
ID_MAX = 128
# More list items than any platform puts in one event (Messenger's `mids`, a WhatsApp order's
# products, a Telegram keyboard's rows): beyond, the event is not the platform's.
ITEMS_MAX = 100


class Unreadable(ValueError):
    """A payload (or one event in it) does not have the shape the platform sends.

    `fallback` is what the event still means for the conversation: an `Unsupported` from the
    sender when the sender is known (the bot answers with its menu instead of silence), nothing
    when even the sender cannot be read."""

    def __init__(self, reason: str, *, fallback: Sequence = ()):
        super().__init__(reason)
        self.reason = reason
        self.fallback = list(fallback)


def from_shopper(exc: Unreadable, sender: Sender, message_id: str = "") -> Unreadable:
    """`exc` for a message whose sender is known: the bot still answers (with its menu)."""
    what = "unreadable"
    return Unreadable(exc.reason, fallback=[Unsupported(sender, message_id, what=what)])


def obj(value: Any, field: str) -> dict:
    """An object; a missing one (None) reads as empty."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unreadable(f"{field} is {_kind(value)}, not an object")
    return value


def items(value: Any, field: str, *, limit: int = ITEMS_MAX) -> list:
    """A list of at most `limit` items; a missing one reads as empty. A string is not a list
    (iterating it would make one event per character)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unreadable(f"{field} is {_kind(value)}, not a list")
    if len(value) > limit:
        raise Unreadable(f"{field} has {len(value)} items, more than {limit}")
    return value


def objects(value: Any, field: str, *, limit: int = ITEMS_MAX) -> list[dict]:
    """A list of objects, as `items`."""
    listed = items(value, field, limit=limit)
    for index, item in enumerate(listed):
        if not isinstance(item, dict):
            raise Unreadable(f"{field}[{index}] is {_kind(item)}, not an object")
    return listed


def text(value: Any, field: str) -> str:
    """A string; a missing one reads as empty. What storage cannot hold (a lone surrogate, a
    NUL) becomes U+FFFD: the shopper's message is kept."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Unreadable(f"{field} is {_kind(value)}, not a string")
    return repaired_text(value)


def ident(value: Any, field: str, *, required: bool = True) -> str:
    """A platform id (a string or an integer) as a string of at most ID_MAX characters. A
    missing or empty one raises when `required`, else reads as ""."""
    if value is None or value == "":
        if required:
            raise Unreadable(f"{field} is missing")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unreadable(f"{field} is {_kind(value)}, not an id")
    normalized = repaired_text(value.strip()) if isinstance(value, str) else str(value)
    if not normalized and required:
        raise Unreadable(f"{field} is blank")
    if len(normalized) > ID_MAX:
        raise Unreadable(f"{field} is longer than {ID_MAX} characters")
    return normalized


def number(value: Any, field: str, *, default: float = 0.0) -> float:
    """A finite number; a missing one reads as `default`."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Unreadable(f"{field} is {_kind(value)}, not a number")
    if not math.isfinite(value):
        raise Unreadable(f"{field} is not a finite number")
    return float(value)


def skipped(kind: str, reason: str) -> None:
    """The one log line for an event left out of a webhook body (the body's other events are
    stored). Names the channel and the reason, never the body: it may be large, and it is the
    shopper's."""
    logger.warning("%s webhook event ignored: %s", kind, reason)


def _kind(value: Any) -> str:
    return {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        type(None): "null",
    }.get(type(value), type(value).__name__)
