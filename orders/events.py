"""What happened to an order: written to its timeline at once, told to whoever listens after
the transaction commits.

The timeline (`OrderEvent`) records each event with the statuses it moved and who caused it:
a person (`actor`, from the dashboard) or a `source` (the shopper, the payment provider, the
API, the reservation expiry). Callers that know pass them; otherwise the event type says.

Two audiences: integrators (signed webhooks, `shops.events`, for the public event types) and
the apps that talk to shoppers (`settings.SOUK_ORDER_LISTENERS`, dotted paths of functions
`(event_type, order_id, details)`; the conversations app sends receipts and updates from
there). Orders never import the chat: the listener list is how they reach it.
"""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from orders.live import order_announce
from orders.models import STATUS_FIELDS, EventSource, Order, OrderEvent

logger = logging.getLogger(__name__)

# The types integrators can subscribe to (docs/webhooks.md); the others are internal.
PUBLIC = {"order.created", "order.paid", "order.fulfilled", "order.cancelled", "order.refunded"}


@cache
def _listeners():
    return [import_string(path) for path in settings.SOUK_ORDER_LISTENERS]


# Who causes an event when the caller does not say.
DEFAULT_SOURCES = {
    "order.created": EventSource.SHOPPER,
    "order.paid": EventSource.PROVIDER,
    "order.payment_failed": EventSource.PROVIDER,
    "order.payment_action": EventSource.PROVIDER,
    "order.paid_too_late": EventSource.PROVIDER,
    "order.refunded": EventSource.PROVIDER,  # recorded when the provider confirms it
}


def _source_of(event_type: str, details: dict) -> str:
    if event_type == "order.cancelled":
        if details.get("by") == "customer":
            return EventSource.SHOPPER
        if details.get("reason") == "expired":
            return EventSource.EXPIRY
    return DEFAULT_SOURCES.get(event_type, EventSource.SYSTEM)


def _timeline_record(order: Order, event_type: str, *, actor, source: str, details: dict):
    before = getattr(order, "loaded_statuses", {})
    now = {name: getattr(order, name) for name in STATUS_FIELDS}
    changes = {
        name: [before[name], value]
        for name, value in now.items()
        if name in before and before[name] != value
    }
    # The next event recorded on this instance starts from here, not from the first read.
    order.loaded_statuses = now
    source = source or (EventSource.DASHBOARD if actor else _source_of(event_type, details))
    OrderEvent.objects.create(
        shop_id=order.shop_id,
        order=order,
        type=event_type,
        changes=changes,
        source=source,
        actor=actor,
        actor_label=actor.email if actor else EventSource(source).label,
        details=details,
    )


def order_event(
    order: Order, event_type: str, *, actor=None, source: str | None = None, **details
) -> None:
    """Call inside the transaction that changed the order: the timeline row is part of it, and
    nothing goes out if it rolls back. `actor` is the signed-in person who did it (None for
    shoppers, providers, integrators and the system); `source` an EventSource."""
    _timeline_record(order, event_type, actor=actor, source=source, details=details)
    if event_type in PUBLIC:
        from orders.serializers import order_payload
        from shops.events import event_emit

        event_emit(shop=order.shop, type=event_type, data=lambda: order_payload(order))

    from orders.tasks import order_event_notify

    order_event_notify.delay_on_commit(event_type, order.pk, details)
    order_announce(order, event_type)


def order_event_deliver(event_type: str, order_id: int, details: dict) -> None:
    for listener in _listeners():
        try:
            listener(event_type, order_id, details)
        except Exception:
            # One listener failing (a channel down) must not hide the event from the others.
            logger.exception("order listener %s failed on %s", listener, event_type)
