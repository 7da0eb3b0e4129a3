"""The replies to an inbound event are sent from memory, without reading the queue, only when
nothing can overtake them or be overtaken: the conversation had nothing queued, and its send
lock was taken before they were committed. Otherwise the queue is read as before. A sender
turned away by the lock raises a flag, and the holder reads the queue again for it."""

import pytest
from django.core.cache import cache
from django.db import transaction

from channels_adapters import outbound, tasks
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, OutboundMessage, OutboundStatus
from tests.channels_adapters.test_outbound import ScriptedAdapter
from tests.channels_adapters.test_send_storm import isolated_cache  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def adapter(monkeypatch):
    # Only the send pipeline's: patching the registry would leak into modules imported
    # meanwhile (the URLconf's webhooks, imported by the first reverse()).
    scripted = ScriptedAdapter()
    monkeypatch.setattr(outbound, "adapter_for", lambda kind: scripted)
    return scripted


@pytest.fixture
def account(shop):
    return ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="1")


def test_rows_held_for_sending_are_never_sent_twice_when_the_lock_was_lost(
    adapter,
    account,
    django_capture_on_commit_callbacks,
):
    # Committed while the collector is open: it keeps the lock it took and the rows.
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
    assert collected.heads["c1"] is not None and "c1" in collected.locks
    # The lock expired (a worker stalled) and another worker sent the queue meanwhile.
    cache.delete("souk:send-lock:c1")
    tasks.outbound_send("c1")
    assert [p["line"] for _, p in adapter.sent] == ["one"]

    tasks._send("c1", in_process=True, lock=collected.locks["c1"], head=collected.heads["c1"])

    assert [p["line"] for _, p in adapter.sent] == ["one"]


def test_a_message_queued_while_the_lock_is_held_goes_out_after_the_holder(
    adapter,
    account,
    django_capture_on_commit_callbacks,
):
    holder = outbound._ConversationLock("c1")
    assert holder.acquire()
    with django_capture_on_commit_callbacks(execute=True):  # its task runs and is turned away
        outbound.outbound_queue(
            account=account, recipient="r1", conversation_key="c1", messages=[Text("late")]
        )
    assert adapter.sent == []

    # The holder finishes what it had (nothing more here) and releases the lock: the flag
    # the turned-away task raised makes it read the queue again, no sweeper needed.
    outbound.outbound_send_conversation(conversation_key="c1", lock=holder, head=[])

    assert [p["line"] for _, p in adapter.sent] == ["late"]
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT


def test_a_lock_taken_for_rows_that_rolled_back_is_released(adapter, account):
    with (
        pytest.raises(RuntimeError),
        outbound.sends_collected() as collected,
        transaction.atomic(),
    ):
        outbound.outbound_queue(
            account=account,
            recipient="r1",
            conversation_key="c1",
            messages=[Text("never")],
            after_empty_queue=True,
        )
        raise RuntimeError("the answer failed")

    assert collected.locks == {}
    assert cache.get("souk:send-lock:c1") is None
    assert not OutboundMessage.objects.exists()
