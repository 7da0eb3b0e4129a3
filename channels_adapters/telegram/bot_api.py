"""The Bot API call of the hot path: one synchronous POST over a kept connection.

Replies are sendMessage and sendPhoto (by URL), form-encoded as python-telegram-bot sends
them. Through python-telegram-bot, each went to an event loop in another thread, built request
and Message objects, and came back: 11 to 14 % of the worker's CPU per event
(docs/performance.md). Here the worker's own thread posts the form over the standard
library's `http.client`, one kept connection per thread and host (one TLS context per process),
and reads only the sent message's id. `httpx.Client` did the same for 1.5 ms of CPU per POST
against 0.46 ms here: most of a reply's sending (docs/performance.md, "Issue 12, third pass"). A
connection is checked before it is used again, as httpx's pool does: one the server closed while
idle (its socket readable before we asked anything) is replaced, not written to. When the
environment names a proxy for the API (HTTPS_PROXY and the like), the POST goes through httpx,
which honours it.

Errors are python-telegram-bot's own exceptions, classified from the HTTP status and the
answer's `parameters` as its request layer does (`telegram/request/_baserequest.py`), so
`adapter.send_error` stays the one place that says what a Telegram error means, whichever path
sent the message. Media groups, invoices and setup calls keep python-telegram-bot.
"""

from __future__ import annotations

import functools
import http.client
import json
import os
import select
import threading
import time
import urllib.request
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

CONNECT_TIMEOUT_MAX = 5.0
# Per process: concurrent sends of its threads (the webhook fast path, a pool process's task).
MAX_CONNECTIONS = 32

# A kept connection idle longer than this is replaced rather than reused: servers close idle
# keep-alive connections after a while, and a close racing our request is an error we avoid.
IDLE_SECONDS = 30.0

_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


class _Kept(threading.local):
    """This thread's connections, by (scheme, host, port), with when each was last used."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.connections: dict[tuple, tuple[http.client.HTTPConnection, float]] = {}


_kept = _Kept()


def call(token: str, method: str, params: dict[str, Any], *, tls=None) -> dict[str, Any]:
    """`method`'s result (for a send, the Message as a dict). Raises TelegramError."""
    timeout = settings.PLATFORM_TIMEOUT_SECONDS
    url = f"{settings.TELEGRAM_API_URL}/bot{token}/{method}"
    form = _form(params)
    if _proxied(url):
        status, content = _post_httpx(url, form, timeout, tls)
    else:
        status, content = _post(url, urlencode(form).encode(), timeout, tls)
    if HTTPStatus.OK <= status <= 299:
        try:
            return json.loads(content)["result"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TelegramError(f"Invalid server response: {content[:200]!r}") from exc
    raise error_for(status, content)


_PROXY_VARIABLES = tuple(
    name
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
)


def _proxied(url: str) -> bool:
    parts = urlsplit(url)
    # Reading the proxies from the environment scans all of it: kept while these are unchanged.
    settings_now = tuple(os.environ.get(name) for name in _PROXY_VARIABLES)
    return _proxied_for(settings_now, parts.scheme, parts.hostname or "")


@functools.lru_cache(maxsize=64)
def _proxied_for(_environment: tuple, scheme: str, host: str) -> bool:
    proxies = urllib.request.getproxies_environment()
    return bool(proxies.get(scheme)) and not urllib.request.proxy_bypass_environment(host, proxies)


def _post(url: str, body: bytes, timeout: float, tls) -> tuple[int, bytes]:
    """(status, body) of a form POST over this thread's kept connection to the host."""
    parts = urlsplit(url)
    key = (parts.scheme, parts.hostname, parts.port)
    connection = _connection(key, tls, timeout)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        if connection.sock is None:
            connection.connect()
        connection.sock.settimeout(timeout)
        connection.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        content = response.read()
    except TimeoutError as exc:
        _drop(key, connection)
        raise TimedOut(f"Timed out: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        _drop(key, connection)
        raise NetworkError(f"http.client {type(exc).__name__}: {exc}") from exc
    if response.will_close:
        _drop(key, connection)
    else:
        _kept.connections[key] = (connection, time.monotonic())
    return response.status, content


def _connection(key: tuple, tls, timeout: float) -> http.client.HTTPConnection:
    if _kept.pid != os.getpid():  # forked: the parent's sockets are not ours to use
        _kept.pid, _kept.connections = os.getpid(), {}
    kept = _kept.connections.get(key)
    if kept is not None:
        connection, used = kept
        if time.monotonic() - used < IDLE_SECONDS and not _closed_by_server(connection):
            return connection
        _drop(key, connection)
    scheme, host, port = key
    connect_timeout = min(timeout, CONNECT_TIMEOUT_MAX)
    if scheme == "https":
        return http.client.HTTPSConnection(
            host, port, timeout=connect_timeout, context=tls or httpx.create_ssl_context()
        )
    return http.client.HTTPConnection(host, port, timeout=connect_timeout)


def _closed_by_server(connection: http.client.HTTPConnection) -> bool:
    """An idle connection has nothing to read; readable means closed (or garbage): unusable."""
    if connection.sock is None:
        return True
    try:
        readable, _, _ = select.select([connection.sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _drop(key: tuple, connection: http.client.HTTPConnection) -> None:
    """Forgets and closes it: after an error nobody knows what is left unread on it."""
    _kept.connections.pop(key, None)
    connection.close()


def _post_httpx(url: str, form: dict, timeout: float, tls) -> tuple[int, bytes]:
    try:
        response = _client(tls).post(
            url,
            data=form,
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_MAX)),
        )
    except httpx.TimeoutException as exc:
        raise TimedOut(f"Timed out: {exc}") from exc
    except httpx.HTTPError as exc:
        raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
    return response.status_code, response.content


def _form(params: dict[str, Any]) -> dict[str, str]:
    """Form-encoded, as python-telegram-bot sends: nested objects (reply_markup) as JSON text."""
    return {
        key: value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        for key, value in params.items()
        if value is not None
    }


def error_for(status: int, body: bytes) -> TelegramError:
    """The exception python-telegram-bot raises for this answer."""
    try:
        message = f"{HTTPStatus(status).phrase} ({status})"
    except ValueError:
        message = f"Unknown HTTPError ({status})"
    try:
        answer = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        message = answer.get("description") or message
        parameters = answer.get("parameters")
        if isinstance(parameters, dict) and parameters:
            if parameters.get("migrate_to_chat_id"):
                return ChatMigrated(parameters["migrate_to_chat_id"])
            if parameters.get("retry_after"):
                # As a timedelta: an int makes python-telegram-bot 22 warn on every 429.
                return RetryAfter(timedelta(seconds=parameters["retry_after"]))
            message += f". The server response contained unknown parameters: {parameters}"
    else:
        message += f". Parsing the server response {body!r} failed"
    if status == HTTPStatus.FORBIDDEN:
        return Forbidden(message)
    if status in (HTTPStatus.NOT_FOUND, HTTPStatus.UNAUTHORIZED):
        return InvalidToken(message)
    if status == HTTPStatus.BAD_REQUEST:
        return BadRequest(message)
    if status == HTTPStatus.CONFLICT:
        return Conflict(message)
    return NetworkError(message)


def _client(tls) -> httpx.Client:
    """This process's client (a forked worker builds its own: sockets are not shared)."""
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                _clients.clear()
                client = _clients[pid] = httpx.Client(
                    verify=tls if tls is not None else True,
                    limits=httpx.Limits(
                        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
                    ),
                )
    return client
