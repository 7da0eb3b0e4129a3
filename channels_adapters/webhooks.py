"""What every platform's webhook view shares (the views and routes live in the channels'
packages: `<kind>/views.py` and `urls.py`, mounted by channels_adapters.urls; Meta's channels
share channels_adapters.meta_webhook). Each view only verifies, stores and acknowledges
(intake.py); workers do the rest. Answers: 403 bad or missing signature (nothing stored), 400 a
body that is not the platform's (not JSON within `shops.untrusted`'s limits, or not the
platform's envelope; nothing stored), 413 body over 1 MiB, 503 with Retry-After when the
database cannot be reached (nothing stored: the platform redelivers), 200 otherwise — including
for an account no shop has connected, so the platform stops retrying an event nobody will read,
and for a body one of whose events the adapter could not identify (that one is logged and left
out, the rest stored).
"""

import functools
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.http.request import HttpHeaders

from channels_adapters.base import WebhookRejected
from shops import untrusted
from shops.http import body_within

logger = logging.getLogger(__name__)

OK = b'{"ok":true}'


class EnvironHeaders(Mapping):
    """A request's headers read one at a time from the WSGI environ (`request.META`), by any
    case of their name. Django's `request.headers` parses every header of the request into a
    new mapping first: about 4 % of a webhook's CPU for the one header the view reads
    (docs/performance.md, intake)."""

    def __init__(self, meta: Mapping[str, Any]):
        self._meta = meta

    def __getitem__(self, name: str) -> str:
        key = name.upper().replace("-", "_")
        return self._meta[key if key in _UNPREFIXED else f"HTTP_{key}"]

    def __iter__(self) -> Iterator[str]:
        return (name for key in self._meta if (name := HttpHeaders.parse_header_name(key)))

    def __len__(self) -> int:
        return sum(1 for _ in self)


_UNPREFIXED = frozenset(HttpHeaders.UNPREFIXED_HEADERS)


def read_body(request) -> bytes | None:
    return body_within(request, settings.SOUK_WEBHOOK_MAX_BYTES)


def too_large() -> HttpResponse:
    return JsonResponse({"error": "payload_too_large"}, status=413)


def bad_request(reason: str) -> HttpResponse:
    return JsonResponse({"error": "bad_request", "message": reason}, status=400)


def ok() -> HttpResponse:
    return HttpResponse(OK, content_type="application/json")


def json_body(body: bytes) -> dict:
    """A signed platform body, parsed once. Repaired rather than refused: a lone surrogate or a
    NUL the platform passed through is kept as U+FFFD, so the shopper's message still arrives."""
    data = untrusted.loads(body, repair=True)
    if not isinstance(data, dict):
        raise WebhookRejected("the body is not a JSON object")
    return data


def served_directly(view):
    """Marks a webhook view that config/webhooks_wsgi.py may call without Django's middleware
    chain (the webhooks' two middleware's hooks around it, the handler's exception handling):
    one that reads nothing but the request, for the platforms' busiest POSTs."""
    view.served_directly = True
    return view


# Seconds a platform is asked to wait before redelivering while the database is unreachable.
DATABASE_DOWN_RETRY_AFTER = 5


def answers_503_while_database_down(view):
    """The database unreachable (stopped, restarting, connections refused): answer 503 at once,
    without touching it again (Django's 500 path and its logging of the traceback add nothing
    here), so the platform redelivers soon instead of timing out on us. Nothing was stored:
    `inbound_events_store` writes in one transaction. Other database errors stay 500s."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError) as exc:
            logger.warning(
                "webhook %s refused with 503, database unavailable: %s", request.path, exc
            )
            response = JsonResponse({"error": "unavailable"}, status=503)
            response["Retry-After"] = str(DATABASE_DOWN_RETRY_AFTER)
            return response

    return wrapper
