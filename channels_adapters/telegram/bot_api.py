"""The Bot API call of the hot path: one synchronous POST over a kept connection.

Replies are sendMessage and sendPhoto (by URL), form-encoded as python-telegram-bot sends them.
Through python-telegram-bot, each went to an event loop in another thread, built request and Message
objects, and came back: 11 to 14 % of the worker's CPU per event (docs/performance.md). Here the
worker's own thread posts the form with one `httpx.Client` per process (connections kept,
one TLS context) and reads only the sent message's id.

Errors are python-telegram-bot's own exceptions, classified from the HTTP status and the
answer's `parameters` as its request layer does (`telegram/request/_baserequest.py`), so
`adapter.send_error` stays the one place that says what a Telegram error means, whichever path
sent the message. Media groups, invoices and setup calls keep python-telegram-bot.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import timedelta
from http import HTTPStatus
from typing import Any

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

_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def call(token: str, method: str, params: dict[str, Any], *, tls=None) -> dict[str, Any]:
    """`method`'s result (for a send, the Message as a dict). Raises TelegramError."""
    timeout = settings.PLATFORM_TIMEOUT_SECONDS
    try:
        response = _client(tls).post(
            f"{settings.TELEGRAM_API_URL}/bot{token}/{method}",
            data=_form(params),
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_MAX)),
        )
    except httpx.TimeoutException as exc:
        raise TimedOut(f"Timed out: {exc}") from exc
    except httpx.HTTPError as exc:
        raise NetworkError(f"httpx.{type(exc).__name__}: {exc}") from exc
    if HTTPStatus.OK <= response.status_code <= 299:
        try:
            return json.loads(response.content)["result"]
        except (ValueError, KeyError, TypeError) as exc:
            raise TelegramError(f"Invalid server response: {response.content[:200]!r}") from exc
    raise error_for(response.status_code, response.content)


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
