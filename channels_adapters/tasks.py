from datetime import timedelta

from celery import shared_task

from channels_adapters import services


@shared_task(
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def inbound_event_process(event_id: int) -> None:
    services.inbound_event_process(event_id=event_id)


@shared_task
def inbound_events_sweep() -> int:
    """Re-enqueues events whose processing was lost, so a broker outage loses nothing."""
    stale = services.inbound_events_stale(older_than=timedelta(minutes=2))
    for event_id in stale:
        inbound_event_process.delay(event_id)
    return len(stale)
