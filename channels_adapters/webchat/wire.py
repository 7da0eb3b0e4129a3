"""What the chat page may post, checked field by field before anything is stored.

The view adds the visitor id from the signed cookie; everything else comes from the page and is
untrusted. Only the fields named here are kept, so a page cannot smuggle anything else (another
visitor id, say) into the stored event. Nothing is cut or repaired silently: a text over the
limit, a lone surrogate or a NUL is a 400 naming the field (the page is ours and never sends
them), never a stored event the worker then fails to handle.
"""

import math
import re
import uuid

from channels_adapters.base import WebhookRejected
from shops.untrusted import UntrustedInput, clean_text

MAX_TEXT_CHARS = 2000
MAX_PAYLOAD_BYTES = 64  # what the bot's payloads fit in on every channel (Telegram's limit)
MAX_TITLE_CHARS = 200
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The browser's preferred languages (navigator.languages), BCP 47 tags such as "fr-FR".
MAX_LANGUAGES = 10
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$")


class InvalidField(WebhookRejected):
    """One field is wrong; `field` names it for the 400 answer."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


def _client_id(value) -> str:
    # A UUID the page makes per message: a retried POST carries the same one and is stored once.
    if not isinstance(value, str):
        raise InvalidField("client_id", "A UUID string is required.")
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidField("client_id", "Must be a UUID.") from None


def _string(body: dict, field: str) -> str:
    value = body.get(field, "")
    if not isinstance(value, str):
        raise InvalidField(field, "Must be a string.")
    try:
        return clean_text(value, field=field)
    except UntrustedInput as exc:
        reason = str(exc).removeprefix(f"{field} ")  # "contains a NUL character."
        raise InvalidField(field, reason[:1].upper() + reason[1:]) from None


def _coordinate(body: dict, field: str, bound: int) -> float:
    value = body.get(field)
    # JSON true is a bool, which Python counts as a number: not a coordinate.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InvalidField(field, f"A number from -{bound} to {bound} is required.")
    if not -bound <= value <= bound:
        raise InvalidField(field, f"Must be between -{bound} and {bound}.")
    return float(value)


def _languages(body: dict) -> list[str]:
    """The browser's languages, in its order of preference. What the page sends comes from the
    browser, so a tag of an odd shape is left out rather than the shopper's message refused."""
    if "languages" not in body:
        return []
    value = body["languages"]
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidField("languages", "A list of language tags is required.")
    return [tag for tag in value if LANGUAGE_TAG.match(tag)][:MAX_LANGUAGES]


def _title(body: dict) -> str:
    title = _string(body, "title").strip()
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidField("title", f"At most {MAX_TITLE_CHARS} characters.")
    return title


def visitor_message(body: dict) -> dict:
    """The event to store for one posted message, or InvalidField naming what is wrong."""
    if not isinstance(body, dict):
        raise InvalidField("body", "A JSON object is required.")
    visitor = body.get("visitor")
    if not isinstance(visitor, str) or not VISITOR_ID.match(visitor):
        raise InvalidField("visitor", "Unknown visitor.")
    event = {"client_id": _client_id(body.get("client_id")), "visitor": visitor}
    languages = _languages(body)
    if languages:
        event["languages"] = languages
    kinds = [kind for kind in ("text", "payload", "latitude") if kind in body]
    if len(kinds) > 1:
        raise InvalidField(kinds[1], "Send one of text, payload or a location, not several.")
    if "latitude" in body or "longitude" in body:
        # The location button: coordinates from the browser's geolocation.
        latitude = _coordinate(body, "latitude", 90)
        longitude = _coordinate(body, "longitude", 180)
        return {**event, "latitude": latitude, "longitude": longitude, "title": _title(body)}
    if "payload" in body:
        payload = _string(body, "payload").strip()
        if not payload:
            raise InvalidField("payload", "This field may not be blank.")
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise InvalidField("payload", f"At most {MAX_PAYLOAD_BYTES} bytes.")
        return {**event, "payload": payload, "title": _title(body)}
    if "text" not in body:
        raise InvalidField("text", "This field is required (or payload, or a location).")
    text = _string(body, "text").strip()
    if not text:
        raise InvalidField("text", "This field may not be blank.")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidField("text", f"At most {MAX_TEXT_CHARS} characters.")
    return {**event, "text": text}
