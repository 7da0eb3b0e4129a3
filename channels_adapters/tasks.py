import logging
from datetime import timedelta

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import close_old_connections

from channels_adapters import outbound, services, taskqueue

logger = logging.getLogger(__name__)


class ConnectionTask(DjangoTask):
    """The database connection outlives the task (CELERY_DB_REUSE_MAX), so each task starts
    and ends as a Django request does: a connection past CONN_MAX_AGE or broken by an error is
    closed, and the next query checks the connection first (CONN_HEALTH_CHECKS). Without it
    a PostgreSQL restart would fail tasks until Celery's fixup recycles the connection.
    (DjangoTask, the app's default base under Django, is what provides delay_on_commit.)"""

    abstract = True

    def __call__(self, *args, **kwargs):
        if self.request.called_directly or self.request.is_eager:
            # In the caller's process, maybe inside its transaction: its connection is not ours.
            return super().__call__(*args, **kwargs)
        close_old_connections()
        try:
            return super().__call__(*args, **kwargs)
        finally:
            close_old_connections()


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
    retry = outbound.outbound_send_conversation(conversation_key=conversation_key)
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
