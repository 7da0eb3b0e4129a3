"""One access token per WeChat account, shared by every worker through the cache.

WeChat issues a token for 7200 s, and each new one voids the previous (after a short grace),
so workers must not fetch one each: the token lives in the shared cache (Redis in production),
is refreshed at 80 % of its life, and only one worker fetches at a time (a cache lock taken with
`add`, atomic on Redis). While one worker fetches, the others keep using the current token when
it is still valid, and wait for the new one when there is none. A token WeChat refuses
(40001, 40014, 42001) is dropped from the cache, only if it is still the cached one (a newer one
fetched meanwhile stays), and the next caller fetches.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PermanentSendError,
    TransientSendError,
)
from channels_adapters.wechat import client
from channels_adapters.wechat.limits import TOKEN_REFRESH_FRACTION

logger = logging.getLogger(__name__)

# How long a fetch may hold the lock: the request's timeout and a margin. A worker killed while
# fetching frees it after that.
LOCK_MARGIN_SECONDS = 5
POLL_SECONDS = 0.05


@dataclass(frozen=True)
class App:
    app_id: str
    app_secret: str


def _key(app_id: str) -> str:
    return f"wechat:token:{app_id}"


def _lock_key(app_id: str) -> str:
    return f"wechat:token-lock:{app_id}"


def _lock_seconds() -> int:
    return int(settings.PLATFORM_TIMEOUT_SECONDS) + LOCK_MARGIN_SECONDS


def access_token(app: App, *, fresh: bool = False, now: Callable[[], float] = time.time) -> str:
    """The account's current token, fetched when there is none, it is due for refresh, or
    `fresh` (connecting: proves this AppSecret, so never a token another worker fetched).
    Raises SendError when WeChat refuses."""
    deadline = time.monotonic() + _lock_seconds() + 1
    while True:
        entry = cache.get(_key(app.app_id))
        if entry and not fresh and now() < entry["refresh_at"]:
            return entry["token"]
        owner = secrets.token_hex(8)
        if cache.add(_lock_key(app.app_id), owner, _lock_seconds()):
            try:
                return _refresh(app, entry, fresh=fresh, now=now)
            finally:
                if cache.get(_lock_key(app.app_id)) == owner:
                    cache.delete(_lock_key(app.app_id))
        if entry and not fresh and now() < entry["expires_at"]:
            return entry["token"]  # due for refresh, being refreshed, still good meanwhile
        if time.monotonic() > deadline:
            raise TransientSendError("WeChat access token: another worker is still fetching it")
        time.sleep(POLL_SECONDS)


def _refresh(app: App, seen: dict | None, *, fresh: bool, now: Callable[[], float]) -> str:
    current = cache.get(_key(app.app_id))
    if not fresh and current and current != seen and now() < current["refresh_at"]:
        return current["token"]  # refreshed by another worker between our read and our lock
    try:
        token, expires_in = _fetch(app)
    except TransientSendError:
        if current and not fresh and now() < current["expires_at"]:
            logger.warning(
                "WeChat token refresh failed for %s; the current one is kept", app.app_id
            )
            return current["token"]
        raise
    fetched_at = now()
    cache.set(
        _key(app.app_id),
        {
            "token": token,
            "refresh_at": fetched_at + expires_in * TOKEN_REFRESH_FRACTION,
            "expires_at": fetched_at + expires_in,
        },
        timeout=max(1, int(expires_in)),
    )
    return token


def _fetch(app: App) -> tuple[str, float]:
    body = client.get(
        "/cgi-bin/token",
        {"grant_type": "client_credential", "appid": app.app_id, "secret": app.app_secret},
    )
    if client.errcode(body):
        error = client.error(body)
        if client.errcode(body) in client.TOKEN_CODES:
            # On this endpoint 40001 means the AppSecret is wrong, not a stale token.
            error = PermanentSendError(str(error), code=PERMANENT_BAD_CREDENTIALS)
        raise error
    token = body.get("access_token")
    expires_in = body.get("expires_in")
    if not isinstance(token, str) or not token or not isinstance(expires_in, int):
        raise TransientSendError("WeChat's token answer has no access_token", code="token")
    return token, float(expires_in)


def invalidate(app: App, token: str) -> None:
    """Drop `token` from the cache if it is still the cached one."""
    entry = cache.get(_key(app.app_id))
    if entry and entry["token"] == token:
        cache.delete(_key(app.app_id))
