"""On WhatsApp a page of products is an interactive list, one row per product, and a row shows
no buttons: choosing a row opens that product with its choices (Buy now, Add to cart), as a
product's number does on SMS (test_sms_numbers.py). It never buys it."""

import pytest

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from conversations.engine.dispatch import respond
from conversations.models import Conversation, Customer, CustomerIdentity
from orders.models import Cart, Order

pytestmark = pytest.mark.django_db

SHOPPER = m.Sender(external_id="33612345678", phone="+33612345678")


@pytest.fixture
def conversation(shop):
    account = ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="109000000000001", credentials={}
    )
    customer = Customer.objects.create(shop=shop, phone="+33612345678")
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id="33612345678"
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )


def rows(reply) -> dict[str, str]:
    """The list rows WhatsApp shows for the reply: title → the id a tap sends back."""
    adapter = adapter_for("whatsapp")
    return {
        row["title"]: row["id"]
        for message in reply.messages
        for payload in adapter.render(message)
        if payload.get("type") == "interactive" and payload["interactive"]["type"] == "list"
        for section in payload["interactive"]["action"]["sections"]
        for row in section["rows"]
    }


def test_a_product_row_opens_the_product_and_buys_nothing(conversation, catalog):
    listed = rows(respond(conversation, m.ButtonPressed(sender=SHOPPER, payload="cat:0:0")))
    assert set(listed) == {"Robe portefeuille rouge", "Chemise blanche"}

    reply = respond(
        conversation, m.ButtonPressed(sender=SHOPPER, payload=listed["Chemise blanche"])
    )

    shirt = reply.messages[-1]
    assert shirt.text.startswith("Chemise blanche - 45,00\u00a0€")
    assert [option.title for option in shirt.options] == [
        "Acheter",
        "Ajouter au panier",
        "Continuer",
    ]
    assert not Order.objects.exists()
    assert not Cart.objects.filter(lines__isnull=False).exists()
