"""A Telegram invoice reads in the shopper's language, with the real python-telegram-bot client
against the fake Bot API: an English-speaking shopper (Telegram's `language_code`) of a French
shop gets the items by their English titles, an English shipping line and English refusals; a
French-speaking one of the same shop gets all of it in French."""

import json

import pytest

from catalog.models import Product
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from conversations.services import inbound_handle
from orders.models import Order, ShippingRate
from tests.conversations.conftest import catalog  # noqa: F401
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

AMY = {"id": 5151, "is_bot": False, "first_name": "Amy", "language_code": "en"}
LEA = {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
ADDRESS = {
    "country_code": "FR",
    "state": "",
    "city": "Paris",
    "street_line1": "12 rue de la Paix",
    "street_line2": "",
    "post_code": "75002",
}


@pytest.fixture
def telegram(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": fake_telegram.token, "payment_provider_token": "284685063:TEST:x"},
    )


@pytest.fixture
def english_titles(catalog):  # noqa: F811
    Product.objects.filter(pk=catalog["shirt"].pk).update(
        translations={"en": {"title": "White shirt"}}
    )
    Product.objects.filter(pk=catalog["dress"].pk).update(
        translations={"en": {"title": "Red wrap dress"}}
    )
    return catalog


@pytest.fixture
def colissimo(shop):
    return ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)


class Shopper:
    """One Telegram user of the shop: taps and payment updates, as the worker handles them."""

    def __init__(self, account, fake, user: dict):
        self.account, self.fake, self.user = account, fake, user
        self.update_id = user["id"] * 100

    def deliver(self, update: dict) -> None:
        self.update_id += 1
        update = {"update_id": self.update_id, **update}
        inbound_handle(account=self.account, events=adapter_for("telegram").parse(update))

    def tap(self, data: str) -> None:
        chat = {"id": self.user["id"], "type": "private"}
        message = {"message_id": 1, "date": 1763900000, "chat": chat}
        query = {"id": f"cb{self.update_id}", "from": self.user, "chat_instance": "1"}
        self.deliver({"callback_query": {**query, "data": data, "message": message}})

    def invoice(self, catalog) -> dict:  # noqa: F811
        shirt = catalog["shirt"].variants.get()
        dress = catalog["dress"].variants.get(sku="ROBE-R-38")
        self.tap(f"q:{shirt.pk}:2")
        self.tap(f"q:{dress.pk}:1")
        self.tap("checkout")
        params = self.fake.requests_for("sendInvoice")[-1].params
        assert params["chat_id"] == str(self.user["id"])
        return params

    def shipping_answer(self, payload: str) -> dict:
        query = {"id": "sq", "from": self.user, "invoice_payload": payload}
        self.deliver({"shipping_query": {**query, "shipping_address": ADDRESS}})
        return self.fake.requests_for("answerShippingQuery")[-1].params

    def pre_checkout_answer(self, payload: str, total: int) -> dict:
        query = {"id": "pc", "from": self.user, "currency": "EUR", "total_amount": total}
        self.deliver({"pre_checkout_query": {**query, "invoice_payload": payload}})
        return self.fake.requests_for("answerPreCheckoutQuery")[-1].params


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_an_english_shoppers_invoice_names_the_items_in_english(
    telegram,
    fake_telegram,  # noqa: F811
    english_titles,
    colissimo,
):
    invoice = Shopper(telegram, fake_telegram, AMY).invoice(english_titles)

    assert invoice["title"] == "Maison Rouge #1001"
    assert invoice["description"] == "1 x Red wrap dress (Rouge 38), 2 x White shirt (Unique)"
    assert _json(invoice["prices"]) == [
        {"label": "1 x Red wrap dress (Rouge 38)", "amount": 8990},
        {"label": "2 x White shirt (Unique)", "amount": 9000},
    ]
    # What the order keeps is what was sold: the shop's titles.
    assert sorted(Order.objects.get().lines.values_list("product_title", flat=True)) == [
        "Chemise blanche",
        "Robe portefeuille rouge",
    ]


def test_a_french_shoppers_invoice_of_the_same_shop_is_in_french(
    telegram,
    fake_telegram,  # noqa: F811
    english_titles,
    colissimo,
):
    invoice = Shopper(telegram, fake_telegram, LEA).invoice(english_titles)

    assert invoice["title"] == "Maison Rouge n°1001"
    assert invoice["description"] == (
        "1 x Robe portefeuille rouge (Rouge 38), 2 x Chemise blanche (Unique)"
    )
    assert [p["label"] for p in _json(invoice["prices"])] == [
        "1 x Robe portefeuille rouge (Rou",  # Telegram's 32 characters
        "2 x Chemise blanche (Unique)",
    ]


@pytest.mark.parametrize(
    ("user", "shipping", "changed", "expired"),
    [
        (
            AMY,
            "Shipping",
            "This order has changed. Please start again from the chat.",
            "This order has expired. Please order again from the chat.",
        ),
        (
            LEA,
            "Livraison",
            "Cette commande a changé. Merci de recommencer depuis la conversation.",
            "Cette commande a expiré. Merci de commander à nouveau depuis la conversation.",
        ),
    ],
)
def test_the_payment_sheet_speaks_the_shoppers_language(
    telegram,
    fake_telegram,  # noqa: F811
    english_titles,
    colissimo,
    user,
    shipping,
    changed,
    expired,
):
    shopper = Shopper(telegram, fake_telegram, user)
    payload = shopper.invoice(english_titles)["payload"]

    answer = shopper.shipping_answer(payload)
    [option] = _json(answer["shipping_options"])
    assert option["title"] == "Colissimo"  # the brand's own name for it
    assert option["prices"] == [{"label": shipping, "amount": 490}]

    wrong_total = shopper.pre_checkout_answer(payload, 1)
    assert wrong_total["ok"] in ("false", False)
    assert wrong_total["error_message"] == changed

    from orders.lifecycle import order_cancel

    order_cancel(order=Order.objects.get(), reason="expired")
    assert shopper.pre_checkout_answer(payload, 17990 + 490)["error_message"] == expired
    assert shopper.shipping_answer(payload)["error_message"] == expired
