"""Talking to Meta's Graph API (Messenger, Instagram and WhatsApp): one call with a timeout, and
Graph's error answers mapped to the send pipeline's errors.

Graph answers an error as `{"error": {"message", "type", "code", "error_subcode",
"error_data", "is_transient", "fbtrace_id"}}`. What a failure means lives in `code` (and
`error_subcode`), not in the HTTP status, and the same code means different things on the two
products, so each adapter passes its own `ErrorRules`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from django.conf import settings

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_REJECTED,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
)

ANY = None  # in ErrorRules.permanent keys: any code, or any subcode


@dataclass(frozen=True)
class GraphError:
    status: int  # HTTP status; 0 when there was no response
    code: int | None = None
    subcode: int | None = None
    message: str = ""
    details: str = ""
    transient: bool = False  # Graph's own `is_transient` hint
    retry_after: float | None = None

    @classmethod
    def from_response(
        cls, status: int, body: Any, headers: Mapping[str, str] | None = None
    ) -> GraphError:
        error = body.get("error") if isinstance(body, dict) else None
        if not isinstance(error, dict):
            error = {}
        data = error.get("error_data")
        details = data.get("details", "") if isinstance(data, dict) else str(data or "")
        return cls(
            status=status,
            code=_int_or_none(error.get("code")),
            subcode=_int_or_none(error.get("error_subcode")),
            message=str(error.get("message") or ""),
            details=str(details),
            transient=bool(error.get("is_transient")),
            retry_after=_retry_after(headers or {}),
        )

    def __str__(self) -> str:
        code = f"#{self.code}" + (f"/{self.subcode}" if self.subcode else "")
        text = f"Graph HTTP {self.status} ({code}) {self.message}".rstrip()
        return f"{text}: {self.details}" if self.details else text


@dataclass(frozen=True)
class ErrorRules:
    """How one product reads Graph error codes.

    `permanent` maps (code, subcode) to a PERMANENT_* reason; ANY in either place matches every
    value. Lookup order: exact pair, then the subcode alone, then the code alone."""

    rate_limit_codes: frozenset[int]
    permanent: Mapping[tuple[int | None, int | None], str]
    transient_codes: frozenset[int] = frozenset()
    retry_after: Mapping[int, float] = field(default_factory=dict)  # code → seconds to wait

    def reason(self, code: int | None, subcode: int | None) -> str | None:
        for key in ((code, subcode), (ANY, subcode), (code, ANY)):
            if key in self.permanent:
                return self.permanent[key]
        return None


def send_error(error: GraphError, rules: ErrorRules) -> SendError:
    """The pipeline's error for a failed Graph call: RateLimited, PermanentSendError with its
    reason, TransientSendError for what may work later, PERMANENT_REJECTED for any other 4xx."""
    if error.code in rules.rate_limit_codes or error.status == 429:
        retry_after = error.retry_after
        if retry_after is None and error.code is not None:
            retry_after = rules.retry_after.get(error.code)
        return RateLimited(str(error), retry_after=retry_after, code=str(error.code or 429))
    reason = rules.reason(error.code, error.subcode)
    if reason is not None:
        return PermanentSendError(str(error), code=reason)
    if (
        error.status == 0
        or error.status >= 500
        or error.transient
        or error.code in rules.transient_codes
    ):
        return TransientSendError(str(error), code=str(error.code or error.status))
    if 400 <= error.status < 500:
        return PermanentSendError(str(error), code=PERMANENT_REJECTED)
    return TransientSendError(str(error), code=str(error.status))


def require_token(access_token: str) -> str:
    """The account's token, or the failure Graph would answer without one (no call made: an
    empty bearer token is not even a valid HTTP header)."""
    token = (access_token or "").strip()
    if not token:
        raise PermanentSendError("No access token configured", code=PERMANENT_BAD_CREDENTIALS)
    return token


def graph_url(path: str) -> str:
    return f"{settings.META_GRAPH_URL}/{path.lstrip('/')}"


def graph_post(
    path: str,
    *,
    json: dict,
    rules: ErrorRules,
    access_token: str,
    token_in_query: bool = False,
    params: dict | None = None,
) -> dict:
    """POST `json` to `{META_GRAPH_URL}/{path}` within PLATFORM_TIMEOUT_SECONDS and return the
    answer, or raise the SendError `rules` give. The token goes in the Authorization header
    (WhatsApp's way) or, for the Messenger APIs, the `access_token` query parameter; `params`
    are further query parameters (`platform=instagram`)."""
    return _call(
        "POST",
        path,
        json=json,
        params=params,
        rules=rules,
        access_token=access_token,
        token_in_query=token_in_query,
    )


def graph_get(path: str, *, params: dict, rules: ErrorRules, access_token: str) -> dict:
    """GET `{META_GRAPH_URL}/{path}` (a node's `fields`, to check a token), as `graph_post`."""
    return _call("GET", path, json=None, params=params, rules=rules, access_token=access_token)


def _call(
    method: str,
    path: str,
    *,
    json: dict | None,
    params: dict | None,
    rules: ErrorRules,
    access_token: str,
    token_in_query: bool = False,
) -> dict:
    token = require_token(access_token)
    params = dict(params or {})
    if token_in_query:
        params["access_token"] = token
    headers = None if token_in_query else {"Authorization": f"Bearer {token}"}
    try:
        response = _client(os.getpid()).request(
            method,
            graph_url(path),
            json=json,
            params=params or None,
            headers=headers,
            timeout=settings.PLATFORM_TIMEOUT_SECONDS,
        )
    except httpx.TimeoutException as exc:
        raise TransientSendError(f"Graph timed out: {exc!r}", code="timeout") from exc
    except httpx.TransportError as exc:
        raise TransientSendError(f"Graph unreachable: {exc!r}", code="network") from exc
    body = _json_or_none(response)
    if response.is_success and isinstance(body, dict):
        return body
    raise send_error(GraphError.from_response(response.status_code, body, response.headers), rules)


@cache
def _client(pid: int) -> httpx.Client:
    """One pooled client per process: keep-alive to graph.facebook.com matters at 80 sends a
    second, and a client must not be shared across a fork (Celery prefork workers)."""
    return httpx.Client()


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:  # a proxy's HTML error page, an empty body
        return None


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After") or headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: Graph does not send those; let the backoff decide
