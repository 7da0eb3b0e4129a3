"""Order news reaches the shopper within each channel's rules: Messenger gets its receipt
template with the POST_PURCHASE_UPDATE tag (allowed after the 24-hour window); WhatsApp more
than 24 hours after the shopper's last message records the update as not deliverable instead
of sending what Meta would refuse."""

from datetime import timedelta

import pytest
from django.utils import timezone

from channels_adapters.models import ChannelAccount, OutboundMessage
from conversations.models import Conversation, Customer, CustomerIdentity, Message
from orders import lifecycle
from tests.fakes.conftest_plugin import fake_graph  # noqa: F401
from tests.orders.conftest import buy, hot, pay  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def conversation_on(shop, kind, external_id, recipient, token) -> Conversation:
    account = ChannelAccount.objects.create(
        shop=shop, kind=kind, external_id=external_id, credentials={"access_token": token}
    )
    customer = Customer.objects.create(shop=shop, name="Léa Martin")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=recipient
    )
    conversation = Conversation.objects.create(
        shop=shop,
        customer=customer,
        identity=identity,
        channel=account,
        last_message_at=timezone.now(),
    )
    # The shopper wrote just now: the channel's window is open.
    Message.objects.create(
        shop=shop, conversation=conversation, direction="in", kind="text", text="Hi", body={}
    )
    return conversation


def test_messenger_receipt_is_a_tagged_receipt_template(shop, hot, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    conversation = conversation_on(
        shop, "messenger", fake_graph.page_id, "psid-1", fake_graph.access_token
    )
    order = buy(shop, hot["tracked"], 2, customer=conversation.customer)
    order.channel = conversation.channel
    order.save(update_fields=["channel"])

    pay(order)

    sent = [r.params for r in fake_graph.requests_for("messenger")]
    # The receipt, then the next steps (track the order, shop again).
    receipt, next_steps = sent[-2:]
    template = receipt["message"]["attachment"]["payload"]
    assert receipt["messaging_type"] == "MESSAGE_TAG"
    assert receipt["tag"] == "POST_PURCHASE_UPDATE"
    assert next_steps["message"]["quick_replies"]
    assert template["template_type"] == "receipt"
    assert template["order_number"] == "#1001"
    assert template["payment_method"] == "Visa •••• 4242"
    assert template["summary"]["total_cost"] == 49.98
    assert [(e["title"], e["quantity"], e["price"]) for e in template["elements"]] == [
        ("Sac cabas (Naturel)", 2, 49.98)  # the variant is named
    ]
    # heading + template + next steps
    assert OutboundMessage.objects.filter(status="sent").count() == 3


def test_whatsapp_update_after_24_hours_is_recorded_not_sent(shop, hot, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    conversation = conversation_on(
        shop, "whatsapp", fake_graph.phone_number_id, "33612345678", fake_graph.access_token
    )
    order = buy(shop, hot["tracked"], 1, customer=conversation.customer)
    order.channel = conversation.channel
    order.save(update_fields=["channel"])
    pay(order)
    assert fake_graph.requests_for("whatsapp")  # the receipt went out within the window

    long_ago = timezone.now() - timedelta(hours=30)
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=long_ago)
    Message.objects.filter(conversation=conversation, direction="in").update(created_at=long_ago)
    before = len(fake_graph.requests_for("whatsapp"))
    lifecycle.order_fulfil(order=order, tracking_number="6A123456")

    assert len(fake_graph.requests_for("whatsapp")) == before
    update = OutboundMessage.objects.order_by("-id").first()
    assert (update.status, update.error_code) == ("failed", "window_closed")
    assert "6A123456" in update.message["text"]
