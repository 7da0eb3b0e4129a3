from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from shops.models import Shop, WebhookDelivery, WebhookEndpoint
from shops.process_cache import ProcessCache
from shops.webhooks.models import DeliveryStatus


def webhook_endpoint_list(*, shop: Shop) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_shop(shop).order_by("-created_at", "-id")


# Every order placed or paid asks (shops/events.py), and most shops have no endpoint: cached
# per process, seen at once where an endpoint is saved, within a second elsewhere
# (shops/process_cache.py). An endpoint switched off meanwhile gets nothing: the delivery
# checks it again before sending.
_active_endpoints = ProcessCache("webhook-endpoints", watches=(WebhookEndpoint,))


def webhook_endpoints_subscribed(*, shop: Shop, event_type: str) -> list[WebhookEndpoint]:
    def load():
        # A shop has a handful of endpoints: filtering the JSON list in Python works on every
        # database (SQLite has no JSON containment lookup).
        endpoints = WebhookEndpoint.objects.for_shop(shop).filter(is_active=True)
        return tuple(endpoints.order_by("id").values_list("id", "events"))

    return [
        WebhookEndpoint(pk=pk, shop_id=shop.pk, events=events)
        for pk, events in _active_endpoints.get(("shop", shop.pk), load)
        if event_type in events
    ]


def webhook_delivery_list(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(endpoint=endpoint, shop_id=endpoint.shop_id)


def webhook_deliveries_due(
    *, grace: timedelta = timedelta(seconds=15), limit: int = 500
) -> list[int]:
    """Pending deliveries due for longer than `grace` (a due delivery's own task normally runs
    at once): their task was lost, or their retry was too far off to schedule. One query on
    the partial index of pending deliveries by next_attempt_at."""
    before = timezone.now() - grace
    return list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=before)
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:limit]
    )
