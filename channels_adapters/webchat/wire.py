"""What the chat page may post, checked field by field before anything is stored.

The view adds the visitor id from the signed cookie; everything else comes from the page and is
untrusted. Only the fields named here are kept, so a page cannot smuggle anything else (another
visitor id, say) into the stored event. Nothing is cut or repaired silently: a text over the
limit, a lone surrogate or a NUL is a 400 naming the field (the page is ours and never sends
them), never a stored event the worker then fails to handle.
"""

import re
import uuid

from channels_adapters.base import WebhookRejected
from shops.untrusted import UntrustedInput, clean_text

MAX_TEXT_CHARS = 2000
MAX_PAYLOAD_BYTES = 64  # what the bot's payloads fit in on every channel (Telegram's limit)
MAX_TITLE_CHARS = 200
VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


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


def visitor_message(body: dict) -> dict:
    """The event to store for one posted message, or InvalidField naming what is wrong."""
    if not isinstance(body, dict):
        raise InvalidField("body", "A JSON object is required.")
    visitor = body.get("visitor")
    if not isinstance(visitor, str) or not VISITOR_ID.match(visitor):
        raise InvalidField("visitor", "Unknown visitor.")
    event = {"client_id": _client_id(body.get("client_id")), "visitor": visitor}
    if "payload" in body:
        if "text" in body:
            raise InvalidField("payload", "Send either text or payload, not both.")
        payload = _string(body, "payload").strip()
        if not payload:
            raise InvalidField("payload", "This field may not be blank.")
        if len(payload.encode()) > MAX_PAYLOAD_BYTES:
            raise InvalidField("payload", f"At most {MAX_PAYLOAD_BYTES} bytes.")
        title = _string(body, "title").strip()
        if len(title) > MAX_TITLE_CHARS:
            raise InvalidField("title", f"At most {MAX_TITLE_CHARS} characters.")
        return {**event, "payload": payload, "title": title}
    if "text" not in body:
        raise InvalidField("text", "This field is required (or payload).")
    text = _string(body, "text").strip()
    if not text:
        raise InvalidField("text", "This field may not be blank.")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidField("text", f"At most {MAX_TEXT_CHARS} characters.")
    return {**event, "text": text}
