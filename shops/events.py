"""Events integrators can subscribe to, and the one way to emit them.

Any app calls `event_emit` inside the transaction that made the change; one delivery per
subscribed endpoint is stored in that same transaction and sending starts once it commits, so a
rolled-back change never reaches an integrator. docs/webhooks.md documents every type.
"""

import uuid
from collections.abc import Callable, Iterable

from django.utils import timezone

from shops.models import Shop, WebhookDelivery, WebhookEndpoint
from shops.webhooks import selectors

EVENT_TYPES = (
    "order.created",
    "order.paid",
    "order.fulfilled",
    "order.cancelled",
    "order.refunded",
    "conversation.handoff",
    "conversation.handback",
    "conversation.message_sent",
    "conversation.assigned",
    "conversation.resolved",
    "conversation.reopened",
)
# Sent only by POST /api/v1/webhooks/{id}/test/, to that one endpoint; nobody subscribes to it.
PING = "ping"


def event_emit(*, shop: Shop, type: str, data: dict | Callable[[], dict]) -> str:
    """Queues `type` for every active endpoint of `shop` subscribed to it; returns the event id.
    `data` may be a function: it is only called when someone subscribed (building an order's
    payload costs a query that most shops, without endpoints, need not pay).
    Raises ValueError for a type not in EVENT_TYPES (a programming error)."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event type {type!r}; known: {', '.join(EVENT_TYPES)}")
    endpoints = list(selectors.webhook_endpoints_subscribed(shop=shop, event_type=type))
    envelope = _envelope(shop=shop, type=type, data=data() if callable(data) and endpoints else {})
    if not callable(data):
        envelope["data"] = data
    deliveries_queue(shop=shop, endpoints=endpoints, envelope=envelope)
    return envelope["id"]


def _envelope(*, shop: Shop, type: str, data: dict) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "type": type,
        "created_at": timezone.now().isoformat(),
        "shop": {"id": shop.pk, "slug": shop.slug},
        "data": data,
    }


def ping_envelope(*, endpoint: WebhookEndpoint) -> dict:
    return _envelope(shop=endpoint.shop, type=PING, data={"webhook_id": endpoint.pk})


def deliveries_queue(
    *, shop: Shop, endpoints: Iterable[WebhookEndpoint], envelope: dict
) -> list[WebhookDelivery]:
    """Stores one delivery per endpoint and enqueues them once the caller's transaction commits."""
    from shops.tasks import webhook_deliver

    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            shop=shop,
            endpoint=endpoint,
            event_id=envelope["id"],
            event_type=envelope["type"],
            payload=envelope,
            next_attempt_at=now,
        )
        for endpoint in endpoints
    )
    for delivery in deliveries:
        webhook_deliver.delay_on_commit(delivery.pk)
    return deliveries
