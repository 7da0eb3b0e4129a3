"""The inbox's live events of an answered message are written once the reply is sent, in one
INSERT with its delivery (shops.live.live_events_deferred), and still written when the
sending fails."""

import pytest

from channels_adapters import outbound
from shops.live_models import LiveEvent
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop, update  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def kinds() -> list[str]:
    return list(LiveEvent.objects.order_by("id").values_list("kind", flat=True))


def test_the_message_the_reply_and_its_delivery_are_announced_in_order(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))

    assert kinds() == [
        "conversation.created",
        "message.created",
        "message.created",
        "message.status",
    ]
    status = LiveEvent.objects.get(kind="message.status")
    assert status.data["status"] == "sent"


def test_a_failed_send_still_announces_the_message_and_the_reply(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
    monkeypatch,
):
    def crash(**kwargs):
        raise RuntimeError("the platform call blew up")

    monkeypatch.setattr(outbound, "outbound_send_conversation", crash)

    deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour"))

    assert kinds() == ["conversation.created", "message.created", "message.created"]
