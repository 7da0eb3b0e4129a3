"""One task per inbound event: the worker that answers an event sends the answer in the same
task (no second `outbound_send` task), and every guarantee of sending still holds: one reply
per event, order per conversation, a sender that crashes leaves the reply to the sweeper."""

import time

import pytest
from django.core.cache import cache
from django.db import transaction

from channels_adapters import outbound, taskqueue, tasks
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundMessage, OutboundStatus
from conversations.models import Conversation
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop, update  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def enqueued(monkeypatch):
    """The names of the tasks enqueued through the hot path, in order (they still run)."""
    names = []
    enqueue = taskqueue.enqueue_on_commit

    def spy(task, args_list):
        names.extend(task.name.rsplit(".", 1)[-1] for _ in args_list)
        return enqueue(task, args_list)

    monkeypatch.setattr(taskqueue, "enqueue_on_commit", spy)
    return names


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def texts(fake) -> list[str]:
    return [r.params["text"] for r in fake.requests_for("sendMessage")]


def test_the_reply_goes_out_from_the_task_that_answered_the_event(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    enqueued,
):
    assert (
        deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour")).status_code == 200
    )

    assert len(fake_telegram.requests_for("sendMessage")) == 1
    assert "Maison Rouge" in texts(fake_telegram)[0]
    # One task for the event; none for its reply.
    assert enqueued == ["inbound_event_process"]
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT


def test_a_conversation_another_worker_is_sending_keeps_its_order(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))
    conversation = Conversation.objects.get()
    # Another worker holds the conversation (it is sending an earlier reply).
    held = outbound._ConversationLock(str(conversation.pk))
    assert held.acquire()

    deliver(client, telegram_shop, fake_telegram, update(2, text="robe"))
    deliver(client, telegram_shop, fake_telegram, update(3, data="browse"))

    # Not sent behind the other worker's back: queued, in order, for the lock's holder.
    assert len(fake_telegram.requests_for("sendMessage")) == 1
    queued = list(
        OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).order_by("id").values("id")
    )
    assert len(queued) == 2
    assert InboundEvent.objects.filter(processed_at__isnull=True).count() == 0

    held.release()
    tasks.outbound_send(str(conversation.pk))  # what the holder does once done: its loop

    sent = texts(fake_telegram)
    # The search's answer (its heading, then the product's card), then the tap's.
    search, browse = (
        sent.index(next(t for t in sent if "trouvé" in t)),
        sent.index(next(t for t in sent if "sélection" in t)),
    )
    assert 0 < search < browse
    assert "Robe portefeuille rouge" in sent[search + 1]
    assert (
        list(OutboundMessage.objects.order_by("id").values_list("status", flat=True))
        == [OutboundStatus.SENT] * 3
    )


def test_a_send_that_fails_leaves_the_reply_to_the_sweeper_and_answers_the_event_once(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    monkeypatch,
):
    def crash(**kwargs):
        raise RuntimeError("worker lost its cache connection")

    monkeypatch.setattr(outbound, "outbound_send_conversation", crash)
    assert (
        deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour")).status_code == 200
    )

    event = InboundEvent.objects.get()
    assert event.processed_at is not None and event.attempts == 0  # answered, not retried
    assert fake_telegram.requests_for("sendMessage") == []
    assert OutboundMessage.objects.get().status == OutboundStatus.QUEUED

    monkeypatch.undo()
    later = time.time() + outbound.SWEEP_GRACE.total_seconds() + 1
    monkeypatch.setattr(outbound, "_now", lambda: later)
    assert tasks.outbound_sweep() == 1

    assert len(fake_telegram.requests_for("sendMessage")) == 1
    assert "Maison Rouge" in texts(fake_telegram)[0]
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT


def test_messages_committed_after_the_collector_closed_get_their_sending_task(
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    account = ChannelAccount.objects.get(pk=telegram_shop["id"])
    with transaction.atomic():
        with outbound.sends_collected() as collected:
            outbound.outbound_queue(
                account=account,
                recipient="4242",
                conversation_key="late",
                messages=[Text(text="Votre colis est parti.")],
            )
        assert collected.keys == []  # not committed yet
    # Committed after the collector closed: sent by the usual task (in process here).
    assert collected.keys == []
    assert texts(fake_telegram) == ["Votre colis est parti."]
    assert OutboundMessage.objects.get().status == OutboundStatus.SENT
