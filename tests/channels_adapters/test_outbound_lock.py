"""The conversation's send lock: one worker sends a conversation at a time; a sender turned away
raises the pending flag, which the holder's release reads and clears in the same atomic call;
a worker whose lock expired or was taken over sends nothing more. On Redis (the lock checked
by each payload's rate call, the release one script) and through the cache's API without."""

import pytest
from django.core.cache import cache

from channels_adapters import outbound, tasks
from channels_adapters.messages import Text
from channels_adapters.models import OutboundMessage, OutboundStatus
from tests.channels_adapters.test_send_from_memory import account, adapter  # noqa: F401
from tests.channels_adapters.test_send_storm import isolated_cache  # noqa: F401

pytestmark = pytest.mark.django_db

LOCK, PENDING = "souk:send-lock:c1", "souk:send-pending:c1"


def queue(account, *texts):  # noqa: F811
    return outbound.outbound_queue(
        account=account, recipient="r1", conversation_key="c1", messages=[Text(t) for t in texts]
    )


def test_a_second_worker_cannot_send_while_the_lock_is_held(
    adapter,  # noqa: F811 (the imported fixtures)
    account,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    holder = outbound._ConversationLock("c1")
    assert holder.acquire()
    with django_capture_on_commit_callbacks(execute=True):  # its task runs and is turned away
        queue(account, "hello")

    assert adapter.sent == []
    assert cache.get(LOCK) == holder.token  # the holder's lock is untouched
    assert cache.get(PENDING) == 1  # the turned-away sender's flag

    # The holder's release sees the flag (and clears it), so it reads the queue again.
    assert holder.release_taking_pending() is True
    assert cache.get(LOCK) is None and cache.get(PENDING) is None
    assert OutboundMessage.objects.get().status == OutboundStatus.QUEUED
    tasks.outbound_send("c1")
    assert [p["line"] for _, p in adapter.sent] == ["hello"]


def test_a_release_without_the_flag_says_so_and_a_second_release_takes_nothing():
    holder = outbound._ConversationLock("c1")
    assert holder.acquire()
    assert holder.release_taking_pending() is False
    cache.set(PENDING, 1, 30)  # raised after the release: that sender found the lock free
    assert holder.release_taking_pending() is False
    assert cache.get(PENDING) == 1


def test_a_worker_whose_lock_was_taken_over_leaves_the_new_holder_its_lock_and_flag():
    stale = outbound._ConversationLock("c1")
    assert stale.acquire()
    cache.delete(LOCK)  # it expired (the worker stalled)
    current = outbound._ConversationLock("c1")
    assert current.acquire()
    cache.set(PENDING, 1, 30)  # a sender the new holder turned away

    assert stale.release_taking_pending() is False
    assert cache.get(LOCK) == current.token and cache.get(PENDING) == 1
    assert current.release_taking_pending() is True


def test_rows_held_in_memory_are_not_sent_once_another_worker_holds_the_conversation(
    adapter,  # noqa: F811 (the imported fixtures)
    account,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    with (
        outbound.sends_collected() as collected,
        django_capture_on_commit_callbacks(execute=True),
    ):
        outbound.outbound_queue(
            account=account,
            recipient="r1",
            conversation_key="c1",
            messages=[Text("one")],
            after_empty_queue=True,
        )
    cache.delete(LOCK)  # the collector's lock expired...
    other = outbound._ConversationLock("c1")
    assert other.acquire()  # ...and another worker took the conversation

    tasks._send("c1", in_process=True, lock=collected.locks["c1"], head=collected.heads["c1"])

    assert adapter.sent == []
    assert cache.get(LOCK) == other.token
    # Left to the other worker, which the flag sends back to the queue once it is done.
    assert other.release_taking_pending() is True


def test_a_lock_taken_over_between_payloads_stops_the_sender_before_the_next(
    require_redis,
    adapter,  # noqa: F811 (the imported fixtures)
    account,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """On Redis each payload's rate call checks the lock: a worker that lost it mid-queue (it
    stalled past the lock's time, another took over) sends nothing more, without a read of
    its own per payload."""
    taken_over = []
    send = adapter.send

    def send_then_lose_the_lock(context, recipient, payload):
        result = send(context, recipient, payload)
        if not taken_over:
            cache.delete(LOCK)
            taken_over.append(outbound._ConversationLock("c1"))
            assert taken_over[0].acquire()
        return result

    adapter.send = send_then_lose_the_lock
    with django_capture_on_commit_callbacks(execute=True):
        queue(account, "one\ntwo", "three")

    assert [p["line"] for _, p in adapter.sent] == ["one"]
    first, second = OutboundMessage.objects.order_by("id")
    assert (first.status, first.next_payload) == (OutboundStatus.QUEUED, 1)  # resumes at "two"
    assert second.status == OutboundStatus.QUEUED
    assert cache.get(LOCK) == taken_over[0].token


def test_on_redis_the_release_and_the_flag_are_one_call(require_redis, monkeypatch):
    client = outbound._cache_redis()
    warm = outbound._ConversationLock("c0")  # the script loaded once per server
    assert warm.acquire()
    warm.release_taking_pending()
    holder = outbound._ConversationLock("c1")
    assert holder.acquire()
    cache.set(PENDING, 1, 30)
    commands = []
    execute = client.execute_command

    def counted(*args, **options):
        commands.append(args[0])
        return execute(*args, **options)

    monkeypatch.setattr(client, "execute_command", counted)
    assert holder.release_taking_pending() is True
    assert commands == ["EVALSHA"]
    assert cache.get(LOCK) is None and cache.get(PENDING) is None
