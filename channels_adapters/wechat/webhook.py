"""The server URL of a WeChat account: the handshake (GET) and the pushes (POST).

Called by the webhook view with the account's credentials, the query string and the raw body;
it answers what WeChat must get and the raw events to store, and stores nothing itself (the
view keeps intake's rules: store each event once, enqueue on commit, answer at once).

- Every request is signed: `signature` = SHA-1 of the sorted token, timestamp and nonce, compared
  in constant time; the timestamp must be within 5 minutes of our clock (a replay is refused).
  Missing or wrong: 403 and nothing stored.
- GET: the URL check when the account's server settings are saved; the answer is `echostr`.
- POST in plain mode: the XML message. In safe mode (`encrypt_type=aes`): `msg_signature` also
  covers the `Encrypt` value (403 when wrong), which decrypts with the EncodingAESKey to the
  XML message, itself naming this account's AppID (403 otherwise: encrypted for another
  account). Malformed, oversized or entity-bearing XML is a 400 (xmlwire.py).
- The answer to a push is `success` within 5 s: replies go later through the customer-service
  API, so WeChat neither retries nor shows the shopper "this account cannot serve you".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from channels_adapters.base import RawEvent, WebhookRejected
from channels_adapters.wechat import crypto, xmlwire
from channels_adapters.wechat.adapter import WeChatAdapter
from channels_adapters.wechat.limits import TIMESTAMP_TOLERANCE_SECONDS

logger = logging.getLogger(__name__)

TEXT = "text/plain; charset=utf-8"
ECHO_MAX = 256


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body: bytes
    content_type: str = TEXT
    events: tuple[RawEvent, ...] = ()


def _refused(status: int, reason: str) -> WebhookAnswer:
    return WebhookAnswer(status=status, body=reason.encode("utf-8"))


def _signed(token: str, query: Mapping[str, str], now: float) -> str:
    """Why the request's signature is refused, or "" when it is WeChat's."""
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    given = query.get("signature", "")
    if not (timestamp and nonce and given and token):
        return "signature, timestamp and nonce are required"
    if not timestamp.isascii() or not timestamp.isdigit():
        return "timestamp is not a number"
    if abs(now - int(timestamp)) > TIMESTAMP_TOLERANCE_SECONDS:
        return "timestamp is too old or in the future"
    if not crypto.signature_matches(crypto.signature(token, timestamp, nonce), given):
        return "wrong signature"
    return ""


def webhook(
    credentials: Mapping[str, str],
    method: str,
    query: Mapping[str, str],
    body: bytes,
    *,
    now: float | None = None,
) -> WebhookAnswer:
    now = time.time() if now is None else now
    token = credentials.get("token", "")
    refused = _signed(token, query, now)
    if refused:
        return _refused(403, refused)
    if method == "GET":
        echo = query.get("echostr", "")
        if not echo or len(echo) > ECHO_MAX or not echo.isascii() or not echo.isprintable():
            return _refused(400, "echostr is required")
        return WebhookAnswer(status=200, body=echo.encode("ascii"))
    if method != "POST":
        return _refused(405, "GET or POST")
    try:
        fields = xmlwire.parse(body)
        mode = query.get("encrypt_type", "raw") or "raw"
        if mode == "aes":
            refused = _sealed_signed(token, query, fields)
            if refused:
                return _refused(403, refused)
            fields = xmlwire.parse(_opened(credentials, fields))
        elif mode != "raw":
            return _refused(400, "encrypt_type must be raw or aes")
        events = WeChatAdapter().split(fields)
    except xmlwire.XmlRefused as exc:
        return _refused(400, f"not a WeChat message: {exc}")
    except crypto.DecryptionFailed as exc:
        logger.warning("WeChat push refused for app %s: %s", credentials.get("app_id"), exc)
        return _refused(403, "cannot decrypt with this account's key")
    except WebhookRejected as exc:
        return _refused(400, f"not a WeChat message: {exc}")
    return WebhookAnswer(status=200, body=b"success", events=tuple(events))


def _sealed_signed(token: str, query: Mapping[str, str], outer: dict) -> str:
    encrypted = outer.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        return "Encrypt is missing"
    given = query.get("msg_signature", "")
    expected = crypto.signature(token, query["timestamp"], query["nonce"], encrypted)
    if not given or not crypto.signature_matches(expected, given):
        return "wrong msg_signature"
    return ""


def _opened(credentials: Mapping[str, str], outer: dict) -> bytes:
    try:
        return crypto.decrypt(
            outer["Encrypt"], credentials.get("encoding_aes_key", ""), credentials.get("app_id", "")
        )
    except ValueError as exc:  # DecryptionFailed, or a key that is not one (misconfigured)
        raise crypto.DecryptionFailed(str(exc)) from None
