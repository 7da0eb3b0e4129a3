"""Webhook writes: endpoints (create, change) and the delivery attempt itself.

A delivery is attempted by whoever claims it first: the claim is one conditional UPDATE (still
pending, due, attempts + 1, due again only after a lease longer than the task's hard time limit),
so two workers handed the same delivery — a sweeper re-enqueue racing a retry — never send the
same attempt twice, and a worker that dies mid-attempt leaves the row due again once its lease
runs out. The HTTP call runs outside any database transaction.
"""

import ipaddress
import json
import logging
import random
import socket
import time
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shops.events import EVENT_TYPES, PING, deliveries_queue, ping_envelope
from shops.models import Shop, WebhookDelivery, WebhookEndpoint
from shops.webhooks.models import DeliveryStatus
from shops.webhooks.signing import secret_generate, signed_headers

logger = logging.getLogger(__name__)

MAX_ENDPOINTS_PER_SHOP = 20
# Waits after attempts 1…7 (seconds, before jitter); the 8th failure is final (about 10 h in).
RETRY_DELAYS = (10, 30, 120, 600, 3600, 3 * 3600, 6 * 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Retries due sooner than this are enqueued with a countdown; later ones are left to the
# sweeper (long ETAs sit in worker memory, and Redis redelivers them after its visibility
# timeout).
MAX_COUNTDOWN = 15 * 60
RESPONSE_BODY_LIMIT = 2048
LOG_BODY_LIMIT = 500
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
EDITABLE = ("url", "events", "is_active", "description")


# -- endpoints ---------------------------------------------------------------------------------
PUBLIC_ONLY = "Must be a public address, not a local, private, link-local or reserved one."


def _address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # An integrator's key must not make Souk call itself or its private network (SSRF);
    # local receivers only where SOUK_WEBHOOKS_ALLOW_LOCAL (development, tests).
    if address.is_loopback:
        return settings.SOUK_WEBHOOKS_ALLOW_LOCAL
    return address.is_global


def _url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return "Enter an https:// URL."
    local = host in LOCAL_HOSTS
    if local and not settings.SOUK_WEBHOOKS_ALLOW_LOCAL:
        return PUBLIC_ONLY
    if parts.scheme == "http" and not settings.DEBUG and not local:
        return "Must use https:// (plain http is accepted only for a local receiver)."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if _address_allowed(address) else PUBLIC_ONLY


def _resolves_to_public(url: str) -> bool:
    """Checked again when sending: a public name may resolve to a private address."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError:
        return True  # unresolvable: the request itself fails and is retried like any outage
    return all(_address_allowed(ipaddress.ip_address(info[4][0])) for info in infos)


def _events_problem(event_types: list[str]) -> str | None:
    if not event_types:
        return "Subscribe to at least one event type."
    for event_type in event_types:
        if event_type == PING:
            return "'ping' is only sent by POST /api/v1/webhooks/{id}/test/; do not subscribe."
        if event_type not in EVENT_TYPES:
            known = ", ".join(EVENT_TYPES)
            return f"Unknown event type '{event_type}'; choose from {known}."
    return None


def _validate(endpoint: WebhookEndpoint) -> None:
    errors = {}
    if (problem := _url_problem(endpoint.url)) is not None:
        errors["url"] = [problem]
    if (problem := _events_problem(endpoint.events)) is not None:
        errors["events"] = [problem]
    if errors:
        raise ValidationError(errors)


def webhook_endpoint_create(
    *, shop: Shop, url: str, events: list[str], description: str = "", is_active: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret, returned this once (stored encrypted).
    Raises ValidationError naming the bad field."""
    endpoint = WebhookEndpoint(
        shop=shop,
        url=url,
        events=list(dict.fromkeys(events)),
        description=description,
        is_active=is_active,
    )
    _validate(endpoint)
    if WebhookEndpoint.objects.for_shop(shop).count() >= MAX_ENDPOINTS_PER_SHOP:
        raise ValidationError(f"A shop has at most {MAX_ENDPOINTS_PER_SHOP} webhook endpoints.")
    endpoint.secret = secret_generate()
    endpoint.save()
    return endpoint, endpoint.secret


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, **changes) -> WebhookEndpoint:
    """Changes url, events, is_active or description. Raises ValidationError naming the field;
    the row is unchanged then."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"Cannot change {', '.join(sorted(unknown))}")
    if "events" in changes:
        changes["events"] = list(dict.fromkeys(changes["events"]))
    previous = {name: getattr(endpoint, name) for name in changes}
    for name, value in changes.items():
        setattr(endpoint, name, value)
    try:
        _validate(endpoint)
    except ValidationError:
        for name, value in previous.items():
            setattr(endpoint, name, value)
        raise
    if changes:
        endpoint.save(update_fields=list(changes))
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, deleted_by=None) -> None:
    """Deletes the endpoint and its delivery log; pending deliveries are not sent. Logged, with
    who asked (a dashboard user; None through the API)."""
    # Not the URL: integrators' URLs sometimes carry a token of theirs.
    endpoint_id, shop_id = endpoint.pk, endpoint.shop_id
    endpoint.delete()
    logger.info(
        "webhook endpoint %s of shop %s deleted by %s",
        endpoint_id,
        shop_id,
        f"user {deleted_by.pk}" if deleted_by is not None else "an API key",
    )


def webhook_endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Sends a `ping` event to this endpoint only (even while it is disabled)."""
    with transaction.atomic():
        [delivery] = deliveries_queue(
            shop=endpoint.shop, endpoints=[endpoint], envelope=ping_envelope(endpoint=endpoint)
        )
    return delivery


# -- delivery ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    body: str = ""
    error: str = ""
    duration_ms: int = 0

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int) -> float:
    """Seconds to wait after failed attempt number `attempts` (1-based), ±10% jitter so that
    deliveries failing together (a receiver's outage) do not all come back at once."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return base * random.uniform(0.9, 1.1)


def _lease() -> timedelta:
    # Longer than the task's hard time limit: a lease only runs out once its worker is gone.
    return timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def _claim(delivery_id: int) -> WebhookDelivery | None:
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + _lease())
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()


def _post(delivery: WebhookDelivery) -> Outcome:
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    headers = signed_headers(
        secret=delivery.endpoint.secret,
        event_id=str(delivery.event_id),
        timestamp=int(time.time()),
        body=body,
    )
    headers["Souk-Webhook-Attempt"] = str(delivery.attempts)
    timeout = settings.SOUK_WEBHOOK_TIMEOUT_SECONDS
    started = time.monotonic()

    def elapsed() -> int:
        return round((time.monotonic() - started) * 1000)

    if not _resolves_to_public(delivery.endpoint.url):
        return Outcome(error=PUBLIC_ONLY, duration_ms=0)
    try:
        # Redirects are not followed (a 3xx is a failure): the URL registered is the URL used.
        with requests.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        ) as response:
            # Read no more than we keep, however much the receiver sends.
            head = next(response.iter_content(RESPONSE_BODY_LIMIT), b"")
            text = head[:RESPONSE_BODY_LIMIT].decode("utf-8", errors="replace")
            return Outcome(status_code=response.status_code, body=text, duration_ms=elapsed())
    except requests.Timeout:
        return Outcome(error=f"Timed out after {timeout:g} s.", duration_ms=elapsed())
    except requests.ConnectionError as exc:
        return Outcome(error=f"Connection failed: {exc}"[:2000], duration_ms=elapsed())
    except requests.RequestException as exc:
        return Outcome(error=f"Request failed: {exc}"[:2000], duration_ms=elapsed())


def _record(delivery: WebhookDelivery, outcome: Outcome, *, give_up: bool = False) -> float | None:
    now = timezone.now()
    error = outcome.error
    if not error and not outcome.ok:
        error = f"HTTP {outcome.status_code}: a 2xx answer is expected."
    entry = {
        "attempt": delivery.attempts,
        "at": now.isoformat(),
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
        "error": error,
        "response_body": outcome.body[:LOG_BODY_LIMIT],
    }
    fields = {
        "last_status_code": outcome.status_code,
        "response_body": outcome.body,
        "error": error,
        "duration_ms": outcome.duration_ms,
        "attempt_log": [*delivery.attempt_log, entry],
        "next_attempt_at": None,
    }
    wait = None
    if outcome.ok:
        fields.update(status=DeliveryStatus.SUCCEEDED, delivered_at=now)
    elif give_up or delivery.attempts >= MAX_ATTEMPTS:
        fields.update(status=DeliveryStatus.FAILED)
        logger.warning(
            "webhook delivery %s (%s) to endpoint %s failed for good after attempt %s: %s",
            delivery.pk,
            delivery.event_type,
            delivery.endpoint_id,
            delivery.attempts,
            error,
        )
    else:
        wait = retry_delay(delivery.attempts)
        fields.update(next_attempt_at=now + timedelta(seconds=wait))
        logger.info(
            "webhook delivery %s attempt %s failed (%s); retry in %.0f s",
            delivery.pk,
            delivery.attempts,
            error,
            wait,
        )
    # An update, not save(): the endpoint (and its deliveries) may have been deleted meanwhile.
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    return wait if wait is not None and wait <= MAX_COUNTDOWN else None


def webhook_delivery_attempt(*, delivery_id: int) -> float | None:
    """Makes the delivery's next attempt if it is due and nobody else holds it. Returns the
    seconds after which the task should run again, or None (delivered, given up, not due,
    claimed elsewhere, or a retry far enough away for the sweeper to start)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    if not delivery.endpoint.is_active and delivery.event_type != PING:
        _record(delivery, Outcome(error="The endpoint was disabled before delivery."), give_up=True)
        return None
    return _record(delivery, _post(delivery))
