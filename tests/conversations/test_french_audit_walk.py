"""An English-speaking Telegram shopper (`language_code` "en") of a French shop, from "hello" to a
paid order, with the real python-telegram-bot client against the fake Bot API: every text, card,
button, invoice line and receipt the bot sends is English; a French-speaking one of the same shop
reads French only, typeset the French way. Only what the brand named without a translation field
(the shop, a variant, a shipping option) stays as the brand wrote it."""

import json

import pytest

from catalog.models import Category, Product
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from conversations.services import inbound_handle
from orders.models import Order, ShippingRate
from tests.conversations.conftest import catalog  # noqa: F401
from tests.conversations.test_french import ENGLISH_WORDS, SHARED_WORDS, words
from tests.conversations.test_french_audit import FRENCH_WORDS, assert_french_typography
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

AMY = {"id": 5151, "is_bot": False, "first_name": "Amy", "language_code": "en"}
LEA = {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
# Named by the brand, in French, with no field for another language.
BRAND_WORDS = ("Maison Rouge", "Rouge 36", "Rouge 38", "Rouge 40", "Unique", "Colissimo")
ADDRESS = {
    "country_code": "GB",
    "state": "",
    "city": "London",
    "street_line1": "1 Carnaby Street",
    "street_line2": "",
    "post_code": "W1F 9PS",
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
def translated(shop, catalog):  # noqa: F811
    # (title, description) in the shop's French, then in English.
    texts = {
        "dress": (("Robe portefeuille rouge", "Robe en lin"), ("Red wrap dress", "Linen dress")),
        "shirt": (("Chemise blanche", "Chemise en lin"), ("White shirt", "Linen shirt")),
    }
    for key, ((title, description), (title_en, description_en)) in texts.items():
        Product.objects.filter(pk=catalog[key].pk).update(
            title=title,
            description=description,
            translations={"en": {"title": title_en, "description": description_en}},
        )
    Category.objects.filter(pk=catalog["dresses"].pk).update(
        translations={"en": {"name": "Dresses"}}
    )
    Category.objects.filter(pk=catalog["tops"].pk).update(translations={"en": {"name": "Tops"}})
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    return catalog


class Shopper:
    def __init__(self, account, fake, user: dict):
        self.account, self.fake, self.user, self.update_id = account, fake, user, 0
        self.chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}

    def deliver(self, content: dict) -> None:
        self.update_id += 1
        update = {"update_id": self.update_id, **content}
        inbound_handle(account=self.account, events=adapter_for("telegram").parse(update))

    def says(self, text: str) -> None:
        message = {"message_id": self.update_id, "date": 1763900000, "chat": self.chat}
        self.deliver({"message": {**message, "text": text, "from": self.user}})

    def taps(self, title: str) -> None:
        """Taps the newest button reading `title`."""
        data = next(
            button["callback_data"]
            for request in reversed(self.fake.requests)
            for button in reversed(_buttons(request.params))
            if button.get("text") == title and button.get("callback_data")
        )
        message = {"message_id": 1, "date": 1763900000, "chat": self.chat}
        query = {"id": f"cb{self.update_id}", "from": self.user, "chat_instance": "1", "data": data}
        self.deliver({"callback_query": {**query, "message": message}})


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _buttons(params: dict) -> list[dict]:
    markup = _json(params.get("reply_markup") or "{}") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [button for row in rows for button in row if isinstance(button, dict)]


def shown_texts(requests) -> list[str]:
    """Every text a shopper reads in what the bot sent: messages, captions, buttons, invoices,
    the payment sheet's options and answers."""
    texts = []
    for request in requests:
        params = request.params
        for key in ("text", "caption", "title", "description", "error_message"):
            if params.get(key):
                texts.append(params[key])
        texts += [button["text"] for button in _buttons(params) if button.get("text")]
        texts += [price["label"] for price in _json(params.get("prices") or "[]")]
        for option in _json(params.get("shipping_options") or "[]"):
            texts += [option["title"], *(price["label"] for price in option["prices"])]
        for media in _json(params.get("media") or "[]"):
            texts.append(media.get("caption") or "")
    return [text for text in texts if text]


WALKS = {
    "en": {
        "user": AMY,
        "words": ("hello", "Browse", "Dresses", "Buy now"),
        "reads": ("Red wrap dress", "Dresses", "Order #1001 is paid"),
        "never": ("Robe portefeuille", "Robes"),
    },
    "fr": {
        "user": LEA,
        "words": ("bonjour", "Parcourir", "Robes", "Acheter"),
        "reads": ("Robe portefeuille rouge", "Robes", "La commande n°1001 est réglée"),
        "never": ("Red wrap dress", "Dresses"),
    },
}


@pytest.mark.parametrize("language", WALKS)
def test_a_shopper_of_a_french_shop_reads_one_language_from_hello_to_receipt(
    telegram,
    fake_telegram,  # noqa: F811
    translated,
    language,
):
    walk = WALKS[language]
    shopper = Shopper(telegram, fake_telegram, walk["user"])
    hello, *buttons = walk["words"]
    shopper.says(hello)
    for title in buttons:
        shopper.taps(title)
    shopper.taps("Rouge 38")
    payload = fake_telegram.last("sendInvoice").params["payload"]
    user = walk["user"]
    query = {"id": "sq", "from": user, "invoice_payload": payload, "shipping_address": ADDRESS}
    shopper.deliver({"shipping_query": query})
    rate = ShippingRate.objects.get()
    pre_checkout = {
        "id": "pc",
        "from": user,
        "currency": "EUR",
        "total_amount": 8990 + 490,
        "invoice_payload": payload,
        "shipping_option_id": str(rate.pk),
        "order_info": {"name": "Amy Lee", "shipping_address": ADDRESS},
    }
    shopper.deliver({"pre_checkout_query": pre_checkout})
    paid = {
        "currency": "EUR",
        "total_amount": 8990 + 490,
        "invoice_payload": payload,
        "shipping_option_id": str(rate.pk),
        "telegram_payment_charge_id": "tg_1",
        "provider_payment_charge_id": "ch_1",
    }
    message = {"message_id": 99, "date": 1763900000, "chat": shopper.chat, "from": user}
    shopper.deliver({"message": {**message, "successful_payment": paid}})

    assert Order.objects.get().payment_status == "paid"
    texts = shown_texts(fake_telegram.requests)
    everything = "\n".join(texts)
    for expected in walk["reads"]:
        assert expected in everything, everything
    for other in walk["never"]:
        assert other not in everything, everything
    for text in texts:
        for brand in (*BRAND_WORDS, ADDRESS["street_line1"], ADDRESS["city"]):
            text = text.replace(brand, " ")
        if language == "en":
            leftover = words(text) & FRENCH_WORDS
        else:
            leftover = (words(text) & ENGLISH_WORDS) - SHARED_WORDS
            assert_french_typography(text)
        assert not leftover, f"{leftover} in “{text}”"
