from datetime import timedelta

from celery import shared_task

from channels_adapters import outbound, services


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


@shared_task(acks_late=True)
def outbound_send(conversation_key: str) -> None:
    """Delivers a conversation's queued messages in order; reschedules itself when a platform
    asks to wait or fails transiently."""
    retry = outbound.outbound_send_conversation(conversation_key=conversation_key)
    if retry is not None:
        outbound_send.apply_async((conversation_key,), countdown=retry.countdown)


@shared_task
def outbound_sweep() -> int:
    """Restarts delivery for conversations whose send task was lost."""
    keys = outbound.outbound_stale_conversations()
    for key in keys:
        outbound_send.delay(key)
    return len(keys)
