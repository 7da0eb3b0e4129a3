"""Untrusted bytes in: one JSON parse, with limits, for every entry point (webhooks, the web
chat, the REST API).

`json.loads` alone accepts what the rest of the system cannot carry: nesting deep enough to
raise `RecursionError` anywhere later (or in the parser itself: a 500), `NaN` and `Infinity`
(not JSON, refused by PostgreSQL's jsonb), lone surrogates from `\\ud800` escapes (unencodable
as UTF-8, so every later write fails), NUL characters (refused by PostgreSQL text and jsonb)
and bytes that are not UTF-8 (decoded with `surrogatepass` by `json.loads`). `loads` refuses
them with an `UntrustedInput` naming the problem, or, for a platform's signed event
(`repair=True`), keeps the event and replaces the characters that cannot be stored with U+FFFD:
a shopper's message is never dropped because a platform passed through an odd character.

It is on the webhook hot path, so the common case costs one C-speed scan per limit: the full walk
of the parsed value happens only when a cheap count says a limit might be exceeded.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Deeper than any platform's payload (Meta's are ~8 levels) or any API body (~5).
MAX_DEPTH = 32
# Members of all arrays and objects together.
MAX_ITEMS = 20_000

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A JSON escape that may decode to a surrogate or to NUL: only then are strings inspected.
_RISKY_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F]|0000)")


class UntrustedInput(ValueError):
    """The input is refused; the message says why, in words fit for a 400 response."""


def loads(
    raw: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
    repair: bool = False,
) -> Any:
    """Parses JSON from an untrusted source. Raises `UntrustedInput` for anything but one JSON
    value within the limits; with `repair`, lone surrogates and NULs in strings become U+FFFD
    instead of refusing the whole document."""
    text = _decoded(raw)
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UntrustedInput(f"JSON is nested more than {max_depth} levels deep.") from None
    except json.JSONDecodeError as exc:
        raise UntrustedInput(f"Body is not valid JSON: {exc.msg} at position {exc.pos}.") from None
    encoded = text.encode() if isinstance(raw, str) else raw
    openers = encoded.count(b"[") + encoded.count(b"{")
    if openers > max_depth or encoded.count(b",") >= max_items:
        _check_shape(value, max_depth=max_depth, max_items=max_items)
    if _RISKY_ESCAPE.search(encoded):
        value = _checked_strings(value, repair=repair)
    return value


def clean_text(value: str, *, field: str = "text") -> str:
    """A string from a form or query parameter: lone surrogates and NULs refused."""
    if "\x00" in value:
        raise UntrustedInput(f"{field} contains a NUL character.")
    if _SURROGATE.search(value):
        raise UntrustedInput(f"{field} is not valid Unicode (a lone surrogate).")
    return value


def repaired_text(value: str) -> str:
    """A string that must be kept whatever it holds: what cannot be stored becomes U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", REPLACEMENT)
    if _SURROGATE.search(value):
        value = _SURROGATE.sub(REPLACEMENT, value)
    return value


def _decoded(raw: bytes | str) -> str:
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UntrustedInput(f"Body is not valid UTF-8 (byte {exc.start}).") from None


def _refuse_constant(name: str) -> Any:
    raise UntrustedInput(f"{name} is not a JSON number; send a finite number or null.")


def _check_shape(value: Any, *, max_depth: int, max_items: int) -> None:
    """Iterative (a recursive walk is what the limit protects against)."""
    items = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > max_depth:
            raise UntrustedInput(f"JSON is nested more than {max_depth} levels deep.")
        items += len(children)
        if items > max_items:
            raise UntrustedInput(f"JSON holds more than {max_items} items.")
        stack.extend((child, depth + 1) for child in children)


def _checked_strings(value: Any, *, repair: bool) -> Any:
    """The value with every string (keys included) checked or repaired."""

    def fix(text: str) -> str:
        return repaired_text(text) if repair else clean_text(text, field="A string")

    if isinstance(value, str):
        return fix(value)
    if isinstance(value, list):
        return [_checked_strings(item, repair=repair) for item in value]
    if isinstance(value, dict):
        return {fix(key): _checked_strings(item, repair=repair) for key, item in value.items()}
    return value
