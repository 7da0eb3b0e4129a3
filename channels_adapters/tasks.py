from datetime import timedelta

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import close_old_connections

from channels_adapters import outbound, services


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


@shared_task
def inbound_events_sweep() -> int:
    """Re-enqueues events whose processing was lost, so a broker outage loses nothing."""
    stale = services.inbound_events_stale(older_than=timedelta(minutes=2))
    for event_id in stale:
        inbound_event_process.delay(event_id)
    return len(stale)


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
