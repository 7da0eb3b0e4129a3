"""What happened to an order, told to whoever listens, after the transaction commits.

Two audiences: integrators (signed webhooks, `shops.events`, for the public event types) and
the apps that talk to shoppers (`settings.SOUK_ORDER_LISTENERS`, dotted paths of functions
`(event_type, order_id, details)`; the conversations app sends receipts and updates from
there). Orders never import the chat: the listener list is how they reach it.
"""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from orders.models import Order

logger = logging.getLogger(__name__)

# The types integrators can subscribe to (docs/webhooks.md); the others are internal.
PUBLIC = {"order.created", "order.paid", "order.fulfilled", "order.cancelled", "order.refunded"}


@cache
def _listeners():
    return [import_string(path) for path in settings.SOUK_ORDER_LISTENERS]


def order_event(order: Order, event_type: str, **details) -> None:
    """Call inside the transaction that changed the order: nothing goes out if it rolls back."""
    if event_type in PUBLIC:
        from orders.serializers import order_payload
        from shops.events import event_emit

        event_emit(shop=order.shop, type=event_type, data=lambda: order_payload(order))

    from orders.tasks import order_event_notify

    order_event_notify.delay_on_commit(event_type, order.pk, details)


def order_event_deliver(event_type: str, order_id: int, details: dict) -> None:
    for listener in _listeners():
        try:
            listener(event_type, order_id, details)
        except Exception:
            # One listener failing (a channel down) must not hide the event from the others.
            logger.exception("order listener %s failed on %s", listener, event_type)
