"""Webhook authenticity, checked on the raw bytes before anything is parsed or stored: the
checks more than one channel uses (a channel's own lives in its package, e.g. Twilio's
RequestValidator in sms/signature.py).

Headers are whatever the sender chose: they are compared as bytes, so a header that is not
ASCII (`sha256=é`) is simply a wrong signature (403), never an error (`hmac.compare_digest`
raises on non-ASCII strings)."""

import hashlib
import hmac


def _bytes(value: str) -> bytes:
    # WSGI hands headers over as latin-1 text; "replace" keeps any other str comparable.
    return value.encode("utf-8", "replace")


def meta_signature_valid(*, raw_body: bytes, header_value: str, app_secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>` (every
    channel of Souk's Meta app). Without a configured secret nothing can be verified, so
    nothing is accepted."""
    if not app_secret or not header_value.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(_bytes(header_value[len("sha256=") :]), expected.encode())


def secret_digest(secret: str) -> str:
    return hashlib.sha256(_bytes(secret)).hexdigest()


def secret_matches_digest(*, header_value: str, expected_digest: str) -> bool:
    """A shared secret the platform echoes in a header (given to it when connecting), checked
    against the digest we keep instead of the secret itself."""
    if not header_value or not expected_digest:
        return False
    return hmac.compare_digest(secret_digest(header_value).encode(), _bytes(expected_digest))
