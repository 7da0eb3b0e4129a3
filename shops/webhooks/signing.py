"""The signature receivers check: `Souk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
`f"{t}.{body}"`, keyed with the endpoint's whole secret (`whsec_…`). Stripe's scheme, so
receivers know it; the timestamp inside the signed text defeats replays of old requests."""

import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"  # noqa: S105  (a prefix, not a secret)
USER_AGENT = "Souk-Webhooks/1"


def secret_generate() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(*, secret: str, event_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    digest = signature(secret=secret, timestamp=timestamp, body=body)
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Souk-Webhook-Id": event_id,
        "Souk-Webhook-Timestamp": str(timestamp),
        "Souk-Signature": f"t={timestamp},v1={digest}",
    }
