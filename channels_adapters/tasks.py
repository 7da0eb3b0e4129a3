import logging
from datetime import timedelta

from celery import shared_task

from channels_adapters import outbound, services, taskqueue
from config.celery import ConnectionTask

logger = logging.getLogger(__name__)


@shared_task(
    base=ConnectionTask,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def inbound_event_process(event_id: int) -> None:
    services.inbound_event_process(event_id=event_id)


# Unprocessed events younger than this are left to the task enqueued with them (a webhook's
# task normally runs within milliseconds; a backlog is the workers' to drain).
INBOUND_SWEEP_AFTER = timedelta(seconds=15)


@shared_task(base=ConnectionTask)
def inbound_events_sweep() -> int:
    """Periodic (beat, every few seconds): re-enqueues stored events whose task was lost (broker
    down or hung, worker killed), so a fault delays them by seconds and loses none."""
    stale = services.inbound_events_stale(older_than=INBOUND_SWEEP_AFTER)
    enqueued = taskqueue.enqueue_swept(inbound_event_process, stale)
    if enqueued:
        logger.warning(
            "inbound sweep: re-enqueued %d event(s) unprocessed after %d s (ids %s…)",
            len(enqueued),
            INBOUND_SWEEP_AFTER.total_seconds(),
            enqueued[:5],
        )
    return len(enqueued)


@shared_task(base=ConnectionTask, acks_late=True)
def outbound_send(conversation_key: str) -> None:
    """Delivers a conversation's queued messages in order; schedules the conversation's one
    wake-up when it must wait a few seconds (longer waits are the sweeper's)."""
    retry = outbound.outbound_send_conversation(
        conversation_key=conversation_key, in_process=outbound_send.request.is_eager
    )
    if retry is not None:
        outbound_send.apply_async((conversation_key,), countdown=retry.countdown)


@shared_task
def outbound_sweep() -> int:
    """Starts delivery for conversations whose next message is due and nobody is on: waits
    too long for a delayed task, and tasks that were lost."""
    keys = outbound.outbound_due_conversations()
    for key in keys:
        outbound_send.delay(key)
    return len(keys)
