import logging

from celery import shared_task
from django.conf import settings

from channels_adapters import taskqueue
from shops.webhooks import selectors, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt of a webhook delivery; schedules the next one when it failed."""
    countdown = services.webhook_delivery_attempt(delivery_id=delivery_id)
    # A retry further off is the sweeper's: a long countdown would outlast the broker's
    # visibility timeout and be handed to a second worker.
    if countdown is not None and countdown <= settings.SOUK_TASK_MAX_COUNTDOWN:
        webhook_deliver.apply_async((delivery_id,), countdown=countdown)


@shared_task
def webhook_deliveries_sweep() -> int:
    """Periodic (beat, every few seconds): enqueues deliveries due with no task running them
    (lost to a broker outage or a dead worker, or retries too far off to schedule): nothing is
    lost. A delivery is attempted once however often it is enqueued (`_claim` leases it)."""
    enqueued = taskqueue.enqueue_swept(webhook_deliver, selectors.webhook_deliveries_due())
    if enqueued:
        logger.warning("webhook deliveries sweep: enqueued %d due delivery(ies)", len(enqueued))
    return len(enqueued)


@shared_task
def live_events_prune() -> int:
    """Deletes live events older than a week (shops/live.py RETENTION): open pages read them
    within seconds; the table must not grow forever."""
    from shops.live import live_events_prune as prune

    return prune()
