"""A reply is never sent ahead of an earlier one of its conversation still queued: the
replies of an inbound event go out from memory only when the conversation had nothing queued
(channels_adapters/outbound.py, `SendCollector`)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_adapters.messages import Text
from channels_adapters.models import OutboundMessage, OutboundStatus
from conversations.models import Conversation
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop, update  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_a_reply_waits_behind_an_earlier_one_still_queued(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))
    conversation = Conversation.objects.get()
    # An earlier reply of this conversation waits for a retry (a 5xx from the platform).
    OutboundMessage.objects.create(
        shop_id=conversation.shop_id,
        channel_id=telegram_shop["id"],
        recipient="4242",
        conversation_key=str(conversation.pk),
        message=Text(text="earlier").to_dict(),
        payloads=[{"method": "sendMessage", "params": {"chat_id": 4242, "text": "earlier"}}],
        next_attempt_at=timezone.now() + timedelta(minutes=1),
        give_up_at=timezone.now() + timedelta(hours=1),
    )

    deliver(client, telegram_shop, fake_telegram, update(2, text="robe"))

    # The new reply is not sent ahead of it: both wait, in order.
    assert len(fake_telegram.requests_for("sendMessage")) == 1
    queued = OutboundMessage.objects.filter(status=OutboundStatus.QUEUED).order_by("id")
    assert queued.first().message["text"] == "earlier"
    assert queued.count() == 2
