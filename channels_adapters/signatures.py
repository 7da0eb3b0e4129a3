"""Webhook authenticity, checked on the raw bytes before anything is parsed or stored."""

import base64
import hashlib
import hmac
from collections.abc import Mapping


def meta_signature_valid(*, raw_body: bytes, header_value: str, app_secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` (Messenger,
    WhatsApp). Without a configured secret nothing can be verified, so nothing is accepted."""
    if not app_secret or not header_value.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header_value[len("sha256=") :], expected)


def secret_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def telegram_secret_valid(*, header_value: str, expected_digest: str) -> bool:
    """Telegram echoes the `secret_token` given to setWebhook; we keep only its digest."""
    if not header_value or not expected_digest:
        return False
    return hmac.compare_digest(secret_digest(header_value), expected_digest)


def twilio_signature_valid(
    *, url: str, params: Mapping[str, str], header_value: str, auth_token: str
) -> bool:
    """`X-Twilio-Signature`: base64 HMAC-SHA1(auth token, URL + each POST param name and value,
    sorted by name). `url` must be exactly the public URL Twilio called."""
    if not header_value or not auth_token:
        return False
    signed = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    digest = hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), header_value)
