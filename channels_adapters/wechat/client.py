"""Raw calls to WeChat's HTTP API (`WECHAT_API_URL`, https://api.weixin.qq.com by default, so
tests point it at a fake on 127.0.0.1) and what its `errcode`s mean for a send.

WeChat answers HTTP 200 with `{"errcode": …, "errmsg": …}` for refusals: the code decides.
Secrets travel in the query string (`access_token`, and the AppSecret when fetching a token),
and requests' exception messages quote the URL: no exception text is ever passed on or logged,
only its type.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import requests
from django.conf import settings

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_REJECTED,
    PERMANENT_WINDOW_CLOSED,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
)

DEFAULT_API_URL = "https://api.weixin.qq.com"

# The access token is invalid, expired, or not the latest one issued (another worker or
# another system fetched a newer one): fetch the current one and try once more.
TOKEN_CODES = frozenset({40001, 40014, 42001})
# Sent more than the shopper's action allows (5 after a message, 3 a minute after a click): the
# message waits, and goes when the shopper writes again within the window.
RESPONSE_COUNT_CODE = 45047
RESPONSE_COUNT_WAIT = 60.0
PERMANENT = {
    45015: PERMANENT_WINDOW_CLOSED,  # out of the 48-hour window, or the shopper unfollowed
    43004: PERMANENT_BLOCKED,  # the shopper no longer follows the account
    40003: PERMANENT_INVALID_RECIPIENT,  # not an OpenID of this account
    40013: PERMANENT_BAD_CREDENTIALS,  # invalid AppID
    40125: PERMANENT_BAD_CREDENTIALS,  # invalid AppSecret
    41004: PERMANENT_BAD_CREDENTIALS,  # AppSecret missing
    40164: PERMANENT_BAD_CREDENTIALS,  # this server's IP is not on the account's whitelist
    48001: PERMANENT_BAD_CREDENTIALS,  # the account may not use this API (unverified)
}
# Daily (45009) and per-minute (45011) API quotas.
QUOTA_WAITS = {45009: 3600.0, 45011: 60.0}
SYSTEM_BUSY = -1


def api_url(path: str) -> str:
    base = getattr(settings, "WECHAT_API_URL", "") or DEFAULT_API_URL
    return f"{base.rstrip('/')}{path}"


def get(path: str, params: Mapping[str, str]) -> dict:
    return _answer(lambda: requests.get(api_url(path), params=params, timeout=_timeout()))


def post(path: str, params: Mapping[str, str], body: dict) -> dict:
    # WeChat shows \uXXXX escapes literally in menus and texts: send the characters as UTF-8.
    # A lone surrogate cannot be UTF-8: it becomes "?" rather than an exception in the send.
    data = json.dumps(body, ensure_ascii=False).encode("utf-8", "replace")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    return _answer(
        lambda: requests.post(
            api_url(path), params=params, data=data, headers=headers, timeout=_timeout()
        )
    )


def _timeout() -> float:
    return settings.PLATFORM_TIMEOUT_SECONDS


def _answer(call) -> dict:
    try:
        response = call()
    except requests.Timeout:
        # No chained cause here: requests' message quotes the URL, which carries a secret.
        raise TransientSendError("WeChat timed out", code="timeout") from None
    except requests.RequestException as exc:
        raise TransientSendError(
            f"WeChat unreachable ({type(exc).__name__})", code="network"
        ) from None
    if response.status_code >= 500:
        raise TransientSendError(f"WeChat answered HTTP {response.status_code}", code="http")
    if response.status_code == 429:
        raise RateLimited("WeChat answered HTTP 429", code="http")
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise TransientSendError(
            f"WeChat answered HTTP {response.status_code} without JSON", code="http"
        )
    return body


def errcode(body: dict) -> int:
    code = body.get("errcode", 0)
    return code if isinstance(code, int) and not isinstance(code, bool) else SYSTEM_BUSY


def error(body: dict) -> SendError:
    """The send error an answer with a non-zero `errcode` stands for."""
    code = errcode(body)
    reason = f"WeChat error {code}: {str(body.get('errmsg', ''))[:200]}"
    if code == SYSTEM_BUSY:
        return TransientSendError(reason, code=str(code))
    if code == RESPONSE_COUNT_CODE:
        return RateLimited(reason, retry_after=RESPONSE_COUNT_WAIT, code=str(code))
    if code in QUOTA_WAITS:
        return RateLimited(reason, retry_after=QUOTA_WAITS[code], code=str(code))
    if code in TOKEN_CODES:
        # Refused again right after a fresh token: someone else is fetching tokens for this
        # AppID too (each fetch voids the previous one); a later try may get through.
        return TransientSendError(reason, code=str(code))
    return PermanentSendError(reason, code=PERMANENT.get(code, PERMANENT_REJECTED))
