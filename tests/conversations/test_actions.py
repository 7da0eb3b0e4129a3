"""The issue's target, counted: a new shopper pays in at most five actions, and a returning
shopper reorders with "OK" (one message with a saved card, two where the platform takes the
payment itself).

An action is what the shopper does: a message written, a button tapped, a link opened, a
payment form submitted (once, however many fields the browser or Telegram filled). Each
shopper below goes through the real entry points — Telegram updates posted to the signed
webhook and answered to the fake Bot API, the web chat's HTTP endpoints and the test
provider's pay page — and taps only buttons the bot actually sent, found by their label.
"""

import json

import pytest

from channels_adapters.models import ChannelAccount
from orders.models import Order, ShippingRate
from orders.transitions import PaymentStatus
from tests.conftest import client_for
from tests.conversations.web_shopper import WebShopper
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_URL = "https://souk.example.com"
CHAT_ID = 4242
USER = {"id": CHAT_ID, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
ADDRESS = {
    "country_code": "FR",
    "state": "",
    "city": "Paris",
    "street_line1": "12 rue de la Paix",
    "street_line2": "",
    "post_code": "75002",
}


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SOUK_PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def colissimo(shop):
    return ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)


# --- Telegram, native invoices ------------------------------------------------------------------


class TelegramShopper:
    """Léa on Telegram. `actions` counts what she does; the bot's side is the fake Bot API."""

    def __init__(self, client, channel: dict, fake):
        self.client, self.channel, self.fake = client, channel, fake
        self.actions = 0
        self.update_id = 0

    def _deliver(self, body: dict) -> None:
        self.update_id += 1
        response = self.client.post(
            f"/webhooks/telegram/{self.channel['id']}/",
            json.dumps({"update_id": self.update_id, **body}),
            content_type="application/json",
            headers=self.fake.secret_header(),
        )
        assert response.status_code == 200

    def write(self, text: str) -> None:
        self.actions += 1
        message = {
            "message_id": self.update_id + 1,
            "from": USER,
            "chat": {"id": CHAT_ID, "type": "private"},
            "date": 1763900000,
            "text": text,
        }
        self._deliver({"message": message})

    def tap(self, label: str, *, on: str = "") -> None:
        """Taps the button `label` of the latest message that has it (and whose text holds
        `on`, to pick one card of a carousel)."""
        data = self._button(label, on)
        self.actions += 1
        self._deliver(
            {
                "callback_query": {
                    "id": f"cb{self.update_id}",
                    "from": USER,
                    "chat_instance": "1",
                    "data": data,
                    "message": {
                        "message_id": 1,
                        "date": 1763900000,
                        "chat": {"id": CHAT_ID, "type": "private"},
                    },
                }
            }
        )

    def _button(self, label: str, on: str) -> str:
        sent = [r for r in self.fake.requests if r.route in ("sendMessage", "sendPhoto")]
        for request in reversed(sent):
            text = request.params.get("text") or request.params.get("caption") or ""
            markup = request.params.get("reply_markup")
            if not markup or on not in text:
                continue
            for row in json.loads(markup)["inline_keyboard"]:
                for button in row:
                    if button["text"] == label and "callback_data" in button:
                        return button["callback_data"]
        raise AssertionError(f"no button {label!r} on {on!r} was sent")

    def pay_the_invoice(self) -> None:
        """Pay in Telegram's sheet: Telegram asks the address, the shipping option, name and
        phone, then confirms — one form, submitted once. What Telegram then sends the bot
        (shipping query, pre-checkout query, successful payment) is not the shopper's doing."""
        invoice = self.fake.requests_for("sendInvoice")[-1].params
        self.actions += 1
        payload = invoice["payload"]
        self._deliver(
            {
                "shipping_query": {
                    "id": f"sq{self.update_id}",
                    "from": USER,
                    "invoice_payload": payload,
                    "shipping_address": ADDRESS,
                }
            }
        )
        shipping = self.fake.requests_for("answerShippingQuery")[-1].params
        assert shipping["ok"] in ("true", True), shipping
        option = json.loads(shipping["shipping_options"])[0]
        total = sum(p["amount"] for p in _prices(invoice)) + sum(
            p["amount"] for p in option["prices"]
        )
        order_info = {"name": "Léa Martin", "phone_number": "33612345678"}
        self._deliver(
            {
                "pre_checkout_query": {
                    "id": f"pc{self.update_id}",
                    "from": USER,
                    "currency": invoice["currency"],
                    "total_amount": total,
                    "invoice_payload": payload,
                    "shipping_option_id": option["id"],
                    "order_info": {**order_info, "shipping_address": ADDRESS},
                }
            }
        )
        answer = self.fake.requests_for("answerPreCheckoutQuery")[-1].params
        assert answer["ok"] in ("true", True), answer
        self._deliver(
            {
                "message": {
                    "message_id": self.update_id + 1,
                    "from": USER,
                    "chat": {"id": CHAT_ID, "type": "private"},
                    "date": 1763900000,
                    "successful_payment": {
                        "currency": invoice["currency"],
                        "total_amount": total,
                        "invoice_payload": payload,
                        "shipping_option_id": option["id"],
                        "telegram_payment_charge_id": f"tg_{self.update_id}",
                        "provider_payment_charge_id": f"ch_{self.update_id}",
                    },
                }
            }
        )


def _prices(invoice: dict) -> list[dict]:
    prices = invoice["prices"]
    return json.loads(prices) if isinstance(prices, str) else prices


@pytest.fixture
def telegram_shopper(shop, settings, fake_telegram, client, catalog, colissimo):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "telegram", "credentials": {"token": fake_telegram.token}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    channel = response.json()
    # The shop's payment provider token, as the dashboard's channel settings store it.
    account = ChannelAccount.objects.get(pk=channel["id"])
    account.credentials = {**account.credentials, "payment_provider_token": "284685063:TEST:x"}
    account.save()
    return TelegramShopper(client, channel, fake_telegram)


def test_a_new_telegram_shopper_pays_in_four_actions(telegram_shopper):
    lea = telegram_shopper

    lea.write("je cherche une robe rouge")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")  # → the invoice: name, phone and address are Telegram's to ask
    lea.pay_the_invoice()

    order = Order.objects.get()
    assert (order.payment_status, order.total) == (PaymentStatus.PAID, 8990 + 490)
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("ROBE-R-38", 1)]
    assert order.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"
    assert lea.actions == 4  # the bar: 5 or fewer


def test_a_returning_telegram_shopper_reorders_in_two_actions(telegram_shopper):
    lea = telegram_shopper
    lea.write("robe")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")
    lea.pay_the_invoice()
    lea.actions = 0  # another day

    lea.write("OK")  # → the same order's invoice, one tap pays
    invoice = lea.fake.requests_for("sendInvoice")[-1].params
    assert "n°1002" in invoice["title"]
    lea.pay_the_invoice()

    second = Order.objects.get(number=1002)
    assert second.payment_status == PaymentStatus.PAID
    assert [(line.sku, line.quantity) for line in second.lines.all()] == [("ROBE-R-38", 1)]
    assert lea.actions == 2


# --- Web chat, test provider's pay page ---------------------------------------------------------


def test_a_new_web_chat_shopper_pays_in_five_actions(shop, catalog, colissimo):
    lea = WebShopper(shop)

    lea.write("une robe rouge")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")  # → the order and its payment link: nothing else asked in the chat
    path = lea.open_payment_link()
    lea.submit_pay_form(
        path,
        {
            "contact_name": "Léa Martin",
            "contact_phone": "+33 6 12 34 56 78",
            "street": "12 rue de la Paix",
            "postal_code": "75002",
            "city": "Paris",
            "country": "FR",
            "save_card": "on",
        },
    )

    order = Order.objects.get()
    assert (order.payment_status, order.total) == (PaymentStatus.PAID, 8990 + 490)
    assert order.contact_name == "Léa Martin"
    assert lea.actions == 5


def test_a_returning_web_chat_shopper_with_a_saved_card_reorders_with_one_ok(
    shop, catalog, colissimo
):
    lea = WebShopper(shop)
    lea.write("robe")
    lea.tap("Ajouter au panier", on="Robe portefeuille rouge")
    lea.tap("Rouge 40")
    lea.tap("Commander")
    path = lea.open_payment_link()
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78"}
    address = {"street": "1 rue X", "postal_code": "75001", "city": "Paris", "country": "FR"}
    lea.submit_pay_form(path, {**details, **address, "save_card": "on"})
    lea.actions = 0  # another day

    lea.write("OK")

    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.total) == (PaymentStatus.PAID, 8990 + 490)
    assert second.shipping_address["text"].startswith("1 rue X, 75001 Paris")
    assert lea.actions == 1


def test_ok_without_a_saved_card_sends_the_payment_link_of_the_same_order(shop, catalog, colissimo):
    lea = WebShopper(shop)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    path = lea.open_payment_link()
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78"}
    address = {"street": "1 rue X", "postal_code": "75001", "city": "Paris", "country": "FR"}
    lea.submit_pay_form(path, {**details, **address})  # the card is not saved
    lea.actions = 0

    lea.write("OK")
    lea.submit_pay_form(lea.open_payment_link(), {})  # nothing to fill again but the card

    second = Order.objects.get(number=1002)
    assert second.payment_status == PaymentStatus.PAID
    assert second.contact_phone == "+33 6 12 34 56 78"
    assert lea.actions == 3


@pytest.fixture
def pickup(shop):
    return ShippingRate.objects.create(
        shop=shop, name="Retrait boutique", kind="pickup", position=2
    )


def test_a_returning_shopper_with_a_saved_card_pays_a_new_cart_in_one_confirmation_tap(
    shop, catalog, colissimo, pickup
):
    lea = WebShopper(shop)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    path = lea.open_payment_link()
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78"}
    address = {"street": "1 rue X", "postal_code": "75001", "city": "Paris", "country": "FR"}
    delivery = {"shipping_rate": str(colissimo.pk)}  # the shop has two: chosen on the page
    lea.submit_pay_form(path, {**details, **address, **delivery, "save_card": "on"})

    lea.write("une robe")  # another day, another item
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")
    summary = lea.shown()[-1]

    # One message says it all: the item, last time's delivery option, the address, the card.
    assert "Colissimo · 4,90\u00a0€" in summary["text"]
    assert "1 rue X, 75001 Paris" in summary["text"]
    assert [o["title"] for o in summary["options"]][:3] == [
        "Payer avec Visa •••• 4242",
        "Autre carte",
        "Changer de livraison",
    ]
    lea.actions = 0
    lea.tap("Payer avec Visa •••• 4242")

    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.total) == (PaymentStatus.PAID, 8990 + 490)
    assert second.shipping_method == "Colissimo"
    assert lea.actions == 1  # the one confirmation


def test_change_delivery_on_the_summary_offers_the_options_again(shop, catalog, colissimo, pickup):
    lea = WebShopper(shop)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    path = lea.open_payment_link()
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78"}
    address = {"street": "1 rue X", "postal_code": "75001", "city": "Paris", "country": "FR"}
    delivery = {"shipping_rate": str(colissimo.pk)}
    lea.submit_pay_form(path, {**details, **address, **delivery, "save_card": "on"})

    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    lea.tap("Changer de livraison")
    lea.tap("Retrait boutique · offert")
    summary = lea.shown()[-1]
    assert "Retrait boutique · offert" in summary["text"]
    assert "Total\u00a0: 45,00\u00a0€" in summary["text"]
    lea.tap("Payer avec Visa •••• 4242")

    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.shipping_method, second.total) == (
        PaymentStatus.PAID,
        "Retrait boutique",
        4500,
    )
