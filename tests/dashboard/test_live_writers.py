"""Every change the inbox shows is announced as a live event once committed (shops/live.py):
messages in and out, new conversations, hand-off and hand-back, delivery outcomes, carts and
orders. Agent replies and hand-backs also reach integrators (conversation.* webhooks) and the
conversations API, with their author."""

import pytest

from catalog.services import product_create
from channels_adapters import messages as m
from channels_adapters.base import PermanentSendError
from channels_adapters.models import ChannelAccount, OutboundMessage
from channels_adapters.setup import webchat_channel
from channels_adapters.telegram.adapter import TelegramAdapter
from conversations.models import Conversation, Customer, CustomerIdentity, Message
from conversations.services import (
    conversation_hand_back,
    conversation_hand_off,
    conversation_send,
    inbound_handle,
)
from orders.services import cart_add, cart_line_set_quantity, cart_open
from shops.live_models import LiveEvent
from shops.models import Role, WebhookDelivery
from tests.dashboard.conftest import member
from tests.orders.conftest import buy, pay

SHOPPER = m.Sender(external_id="visitor-1", name="Léa Martin", language="fr")


def events(shop, *kinds: str) -> list[tuple[str, dict]]:
    rows = LiveEvent.objects.filter(shop=shop).order_by("id")
    if kinds:
        rows = rows.filter(kind__in=kinds)
    return [(row.kind, row.data) for row in rows]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs the block, then what waits for its commit (the test's transaction never commits)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def webchat(shop):
    return webchat_channel(shop=shop)


@pytest.fixture
def conversation(shop, webchat, committed):
    with committed():
        inbound_handle(account=webchat, events=[m.TextReceived(sender=SHOPPER, text="bonjour")])
    LiveEvent.objects.all().delete()
    return Conversation.objects.select_related("channel", "identity", "customer", "shop").get()


@pytest.fixture
def agent(shop):
    user = member(shop, Role.AGENT, email="ana@example.com")
    user.full_name = "Ana Duval"
    user.save(update_fields=["full_name"])
    return user


def subscribe(shop, *types: str):
    from shops.models import WebhookEndpoint

    return WebhookEndpoint.objects.create(
        shop=shop, url="https://hooks.example.com/souk", events=list(types), secret="whsec_x"
    )


@pytest.fixture(autouse=True)
def _no_webhook_http(monkeypatch):
    # The deliveries are stored and inspected here; sending them is tests/shops/test_webhooks.
    monkeypatch.setattr("shops.tasks.webhook_deliver.delay_on_commit", lambda *args: None)


def test_a_shoppers_first_message_announces_the_conversation_and_both_messages(
    shop, webchat, committed
):
    with committed():
        inbound_handle(account=webchat, events=[m.TextReceived(sender=SHOPPER, text="bonjour")])
    conversation = Conversation.objects.get()
    incoming, reply = Message.objects.order_by("id")
    assert events(shop, "conversation.created", "message.created") == [
        ("conversation.created", {"conversation_id": conversation.pk}),
        (
            "message.created",
            {"conversation_id": conversation.pk, "message_id": incoming.pk, "direction": "in"},
        ),
        (
            "message.created",
            {"conversation_id": conversation.pk, "message_id": reply.pk, "direction": "out"},
        ),
    ]
    # The web chat marks the bot's reply sent at once, and says so.
    assert events(shop, "message.status") == [
        (
            "message.status",
            {
                "conversation_id": conversation.pk,
                "outbound_id": reply.outbound_id,
                "status": "sent",
                "error": "",
            },
        )
    ]


def test_nothing_is_announced_when_the_inbound_transaction_rolls_back(shop, webchat, committed):
    with pytest.raises(RuntimeError), committed():
        from django.db import transaction

        with transaction.atomic():
            inbound_handle(account=webchat, events=[m.TextReceived(sender=SHOPPER, text="hi")])
            raise RuntimeError("processing failed")
    assert events(shop) == []


def test_a_shopper_asking_for_a_person_announces_the_hand_off(shop, conversation, committed):
    with committed():
        inbound_handle(
            account=conversation.channel,
            events=[m.TextReceived(sender=SHOPPER, text="je voudrais parler à un conseiller")],
        )
    assert (
        "conversation.updated",
        {"conversation_id": conversation.pk, "change": "handed_off"},
    ) in (events(shop))


def test_an_agent_reply_is_announced_and_sent_to_integrators_with_its_author(
    shop, conversation, agent, committed
):
    subscribe(shop, "conversation.message_sent")
    with committed():
        conversation_send(
            conversation=conversation, messages=[m.Text("Bonjour, ici Ana.")], author=agent
        )
    reply = Message.objects.get(author=agent)
    assert events(shop, "message.created") == [
        (
            "message.created",
            {"conversation_id": conversation.pk, "message_id": reply.pk, "direction": "out"},
        )
    ]
    (delivery,) = WebhookDelivery.objects.filter(event_type="conversation.message_sent")
    data = delivery.payload["data"]
    assert data["conversation_id"] == conversation.pk
    assert data["customer_id"] == conversation.customer_id
    assert data["channel"] == "webchat"
    assert data["author"] == {"id": agent.pk, "email": "ana@example.com", "name": "Ana Duval"}
    assert [(msg["id"], msg["text"]) for msg in data["messages"]] == [
        (reply.pk, "Bonjour, ici Ana.")
    ]


def test_the_bots_messages_are_not_webhook_events(shop, webchat, committed):
    subscribe(shop, "conversation.message_sent")
    with committed():
        inbound_handle(account=webchat, events=[m.TextReceived(sender=SHOPPER, text="bonjour")])
    assert Message.objects.filter(direction="out").exists()
    assert not WebhookDelivery.objects.exists()


def test_a_hand_back_is_announced_and_sent_to_integrators_with_who_did_it(
    shop, conversation, agent, committed
):
    subscribe(shop, "conversation.handback")
    with committed():
        conversation_hand_off(conversation=conversation)
        conversation_hand_back(conversation=conversation, by=agent)
    assert events(shop, "conversation.updated") == [
        ("conversation.updated", {"conversation_id": conversation.pk, "change": "handed_off"}),
        ("conversation.updated", {"conversation_id": conversation.pk, "change": "handed_back"}),
    ]
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.event_type == "conversation.handback"
    assert delivery.payload["data"] == {
        "conversation_id": conversation.pk,
        "customer_id": conversation.customer_id,
        "channel": "webchat",
        "by": {"id": agent.pk, "email": "ana@example.com", "name": "Ana Duval"},
    }


def test_a_delivery_failure_is_announced_with_its_reason(shop, committed, monkeypatch):
    def blocked(self, account, recipient, payload):
        raise PermanentSendError("Forbidden: bot was blocked by the user", code="blocked")

    monkeypatch.setattr(TelegramAdapter, "send", blocked)
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="777", credentials={"token": "777:abc"}
    )
    customer = Customer.objects.create(shop=shop, name="Léa")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id="42"
    )
    conversation = Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )
    with committed():
        conversation_send(conversation=conversation, messages=[m.Text("Votre colis est parti")])
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "failed"
    assert events(shop, "message.status") == [
        (
            "message.status",
            {
                "conversation_id": conversation.pk,
                "outbound_id": outbound.pk,
                "status": "failed",
                "error": "blocked",
            },
        )
    ]


@pytest.fixture
def dress(shop):
    return product_create(
        shop=shop,
        title="Robe",
        variants=[{"sku": "R-38", "name": "38", "price": 8990, "stock": 5}],
    ).variants.get()


def test_cart_changes_are_announced_for_the_customer(shop, dress, committed):
    customer = Customer.objects.create(shop=shop, name="Léa")
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    with committed():
        change = cart_add(cart=cart, variant=dress, quantity=1)
    with committed():
        cart_line_set_quantity(line=change.line, quantity=2)
    with committed():
        cart_line_set_quantity(line=change.line, quantity=0)
    assert events(shop) == [("cart.updated", {"customer_id": customer.pk})] * 3


def test_a_cart_of_nobody_the_shop_knows_is_not_announced(shop, dress, committed):
    cart = cart_open(shop=shop, owner_key="session:abc")
    with committed():
        cart_add(cart=cart, variant=dress, quantity=1)
    assert events(shop) == []


def test_an_order_paid_is_announced_with_its_customer(shop, dress, committed):
    customer = Customer.objects.create(shop=shop, name="Léa")
    with committed():
        order = buy(shop, dress, 1, customer=customer)
    with committed():
        pay(order)
    assert (
        "order.updated",
        {"order_id": order.pk, "customer_id": customer.pk, "type": "order.paid"},
    ) in events(shop)
    assert ("cart.updated", {"customer_id": customer.pk}) in events(shop)  # checkout and order


def test_the_conversations_api_says_who_wrote_each_message(
    shop, conversation, agent, api, committed
):
    with committed():
        conversation_send(conversation=conversation, messages=[m.Text("Ici Ana.")], author=agent)
    log = api.get(f"/api/v1/conversations/{conversation.pk}/messages/").json()["results"]
    assert [(entry["direction"], entry["author"]) for entry in log] == [
        ("in", None),
        ("out", None),  # the bot
        ("out", {"id": agent.pk, "email": "ana@example.com", "name": "Ana Duval"}),
    ]


def test_every_webhook_event_type_is_documented():
    from pathlib import Path

    from shops.events import EVENT_TYPES

    docs = (Path(__file__).resolve().parents[2] / "docs" / "webhooks.md").read_text()
    assert [kind for kind in EVENT_TYPES if f"| `{kind}`" not in docs] == []
