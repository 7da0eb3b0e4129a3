"""Shared by the inbox sidebar's tests: a catalog, a web chat shopper (messages to them are
stored, not sent over a network), and the sidebar's URLs."""

import pytest
from django.urls import reverse

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount
from channels_adapters.setup import webchat_channel
from conversations.models import Conversation, Customer, CustomerIdentity, Message


def url(name: str, conversation, **kwargs) -> str:
    return reverse(f"dashboard:{name}", kwargs={"conversation_id": conversation.pk, **kwargs})


def sidebar_url(conversation) -> str:
    return url("inbox_sidebar", conversation)


HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def goods(shop):
    dresses = category_create(shop=shop, name="Robes")
    tops = category_create(shop=shop, name="Hauts")
    dress = product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        description="Red wrap dress in linen",
        category=dresses,
        variants=[
            {"sku": "ROBE-38", "name": "Rouge 38", "price": 8990, "stock": 4},
            {"sku": "ROBE-40", "name": "Rouge 40", "price": 8990, "stock": 2},
        ],
    )
    shirt = product_create(
        shop=shop,
        title="Chemise blanche",
        category=tops,
        variants=[{"sku": "CH-1", "name": "Unique", "price": 4500, "stock": 10}],
    )
    hidden = product_create(
        shop=shop,
        title="Robe retirée",
        category=dresses,
        active=False,
        variants=[{"sku": "OLD-1", "name": "Old", "price": 1000, "stock": 3}],
    )
    r38, r40 = dress.variants.order_by("sku")
    return {
        "dresses": dresses,
        "tops": tops,
        "dress": dress,
        "shirt": shirt,
        "hidden": hidden,
        "r38": r38,
        "r40": r40,
        "ch": shirt.variants.get(),
    }


def web_chat(shop, *, name="Léa Martin", visitor="visitor-1", phone="", **customer) -> Conversation:
    account = webchat_channel(shop=shop)
    person = Customer.objects.create(shop=shop, name=name, phone=phone, **customer)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=person, channel=account, external_id=visitor
    )
    return Conversation.objects.create(
        shop=shop, customer=person, identity=identity, channel=account
    )


@pytest.fixture
def chat(shop):
    return web_chat(shop, phone="+33 6 12 34 56 78", email="lea@example.com", language="fr")


def on_telegram(shop, customer, external_id="4242") -> Conversation:
    account = ChannelAccount.objects.filter(shop=shop, kind="telegram").first()
    account = account or ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="777", credentials={"token": "777:abc"}
    )
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=external_id
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )


def sent(conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, direction="out").order_by("id"))
