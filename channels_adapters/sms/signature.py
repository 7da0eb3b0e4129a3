"""Twilio's webhook authenticity: `X-Twilio-Signature`, checked by twilio's own
RequestValidator (HMAC-SHA1 of the URL and the sorted POST parameters, keyed with the account's
auth token; the URL with and without its default port)."""

from collections.abc import Mapping

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def verify_signature(url: str, params: Mapping[str, str], signature: str, auth_token: str) -> bool:
    """Whether `signature` is Twilio's for a form POST of `params` to `url`.

    `url` must be exactly the public URL Twilio called — SOUK_PUBLIC_URL + the request's full
    path with its query string — not the URL Django sees behind a proxy. Without a signature
    or a token nothing can be verified, so nothing is accepted."""
    if not signature or not auth_token:
        return False
    try:
        return RequestValidator(auth_token).validate(url, dict(params), signature)
    except (UnicodeEncodeError, ValueError):
        return False  # text that cannot be UTF-8 encoded was not signed by Twilio
