import logging
from datetime import timedelta

from celery import shared_task

from channels_adapters import outbound, services, taskqueue
from config.celery import ConnectionTask
from shops.live import live_events_deferred

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
    """Answers the event, then sends the answer in the same task: the conversation's replies
    go out without a second task's trip through the broker and the pool (a third of the
    worker's time per event went to the sending task, docs/performance.md). The sending is
    exactly `outbound_send`'s: the conversation's lock keeps one sender and the order, waits
    become its wake-up or the sweeper's."""
    # The live events of the answer and of its delivery are written together, after both.
    with live_events_deferred():
        _process_and_send(event_id)


def _process_and_send(event_id: int) -> None:
    with outbound.sends_collected() as collected:
        services.inbound_event_process(event_id=event_id)
    # Without a broker a delayed task would run at once: short waits are slept instead.
    in_process = inbound_event_process.request.is_eager or app_eager()
    for conversation_key in collected.keys:
        try:
            _send(
                conversation_key,
                in_process=in_process,
                lock=collected.locks.get(conversation_key),
                head=collected.heads.get(conversation_key),
            )
        except Exception:
            # The event is answered and committed: retrying this task would not send again.
            # The replies stay queued and due; the outbound sweeper starts them in seconds.
            logger.exception(
                "sending the replies of conversation %s failed; left to the sweeper",
                conversation_key,
            )
            collected.release(conversation_key)


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
    _send(conversation_key, in_process=outbound_send.request.is_eager)


def app_eager() -> bool:
    return bool(outbound_send.app.conf.task_always_eager)


def _send(conversation_key: str, *, in_process: bool, lock=None, head=None) -> None:
    retry = outbound.outbound_send_conversation(
        conversation_key=conversation_key, in_process=in_process, lock=lock, head=head
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
