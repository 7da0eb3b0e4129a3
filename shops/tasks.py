from celery import shared_task

from shops.webhooks import selectors, services


@shared_task(acks_late=True)
def webhook_deliver(delivery_id: int) -> None:
    """One attempt of a webhook delivery; schedules the next one when it failed."""
    countdown = services.webhook_delivery_attempt(delivery_id=delivery_id)
    if countdown is not None:
        webhook_deliver.apply_async((delivery_id,), countdown=countdown)


@shared_task
def webhook_deliveries_sweep() -> int:
    """Enqueues deliveries due with no task running them (lost to a broker outage or a dead
    worker, or retries too far off to schedule): nothing is lost."""
    due = selectors.webhook_deliveries_due()
    for delivery_id in due:
        webhook_deliver.delay(delivery_id)
    return len(due)


@shared_task
def live_events_prune() -> int:
    """Deletes live events older than a week (shops/live.py RETENTION): open pages read them
    within seconds; the table must not grow forever."""
    from shops.live import live_events_prune as prune

    return prune()
