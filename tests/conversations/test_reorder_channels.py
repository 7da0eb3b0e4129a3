""" "OK" reorders on every channel. A shopper buys once in the chat — the payment link, the pay
page with the card saved — then, another day, writes one message, "OK": the same order is
placed and charged to the saved card, and the receipt reaches them on their platform (the fake
Messenger / WhatsApp Cloud API, the fake Twilio, the fake Bot API, the web chat's log).
Telegram with native invoices, where "OK" sends the same order's invoice, is test_actions.py's."""

import json
import re

import pytest
from django.test import Client

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount, OutboundMessage
from channels_adapters.setup import webchat_channel
from channels_adapters.sms.adapter import SmsAdapter
from channels_adapters.telegram.adapter import TelegramAdapter
from conversations.models import Message
from conversations.services import inbound_handle
from orders.models import Order
from orders.transitions import PaymentStatus
from payments.models import Payment
from tests.fakes.conftest_plugin import fake_graph, fake_telegram, fake_twilio  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_URL = "https://souk.example.com"


class Platform:
    """A channel account, the shopper on it, and what the platform was asked to deliver."""

    def __init__(self, account: ChannelAccount, shopper: m.Sender, delivered=lambda: []):
        self.account, self.shopper, self._delivered = account, shopper, delivered

    def write(self, text: str) -> None:
        inbound_handle(
            account=self.account, events=[m.TextReceived(sender=self.shopper, text=text)]
        )

    def tap(self, payload: str) -> None:
        inbound_handle(
            account=self.account, events=[m.ButtonPressed(sender=self.shopper, payload=payload)]
        )

    def delivered(self) -> str:
        """Everything the platform was asked to show the shopper, as one text."""
        return "\n".join(self._delivered())


def _requested(fake, route: str):
    return lambda: [json.dumps(r.params, ensure_ascii=False) for r in fake.requests_for(route)]


@pytest.fixture
def messenger(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="messenger",
        external_id=fake_graph.page_id,
        credentials={"access_token": fake_graph.access_token},
    )
    shopper = m.Sender(external_id="psid-lea", name="Léa Martin")
    return Platform(account, shopper, _requested(fake_graph, "messenger"))


@pytest.fixture
def whatsapp(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="whatsapp",
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )
    shopper = m.Sender(external_id="33612345678", name="Léa Martin", phone="+33612345678")
    return Platform(account, shopper, _requested(fake_graph, "whatsapp"))


@pytest.fixture
def sms(shop, settings, fake_twilio, monkeypatch):  # noqa: F811
    settings.TWILIO_API_URL = fake_twilio.url
    monkeypatch.setattr(SmsAdapter, "rate_per_second", 1000.0)  # no carrier pacing in a test
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id=fake_twilio.from_number,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )
    shopper = m.Sender(external_id="+33612345678", phone="+33612345678")
    return Platform(
        account, shopper, lambda: [r.params["Body"] for r in fake_twilio.requests_for("messages")]
    )


@pytest.fixture
def telegram(shop, settings, fake_telegram, monkeypatch):  # noqa: F811
    """A bot without a payment provider token: no native invoice, the pay page and the saved
    card as elsewhere (with a token, "OK" sends the invoice: test_actions.py)."""
    settings.TELEGRAM_API_URL = fake_telegram.url
    monkeypatch.setattr(TelegramAdapter, "per_recipient_interval", 0.0)  # no pacing in a test
    account = ChannelAccount.objects.create(
        shop=shop, kind="telegram", external_id="777", credentials={"token": fake_telegram.token}
    )
    shopper = m.Sender(external_id="4242", name="Léa Martin", language="fr")
    return Platform(account, shopper, _requested(fake_telegram, "sendMessage"))


@pytest.fixture
def webchat(shop):
    account = webchat_channel(shop=shop)
    shopper = m.Sender(external_id="visitor-reorder-0001", name="Léa Martin")

    def shown():
        return [
            json.dumps(message.outbound.payloads, ensure_ascii=False)
            for message in Message.objects.filter(direction="out").select_related("outbound")
        ]

    return Platform(account, shopper, shown)


def first_purchase(lea: Platform, product, client: Client) -> None:
    """Buy now on the shirt, then the pay page: details and card, the card saved."""
    lea.write("chemise")
    lea.tap(f"buy:{product.pk}")
    link = next(
        option["url"]
        for message in Message.objects.filter(direction="out").order_by("-id")
        for option in message.body.get("options", ())
        if "/pay/test/" in option.get("url", "")
    )
    form = {"step": "pay", "card_number": "4242 4242 4242 4242", "expiry": "12 / 34", "cvc": "123"}
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78"}
    address = {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris"}
    form |= {**details, **address, "country": "FR", "save_card": "on"}
    response = client.post(re.sub(r"^https?://[^/]+", "", link), form)
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Order.objects.get().payment_status == PaymentStatus.PAID


@pytest.mark.parametrize("channel", ["messenger", "whatsapp", "sms", "telegram", "webchat"])
def test_ok_reorders_with_the_saved_card_in_one_message(
    request, channel, catalog, settings, client
):
    settings.SOUK_PUBLIC_URL = PUBLIC_URL
    lea: Platform = request.getfixturevalue(channel)
    first_purchase(lea, catalog["shirt"], client)
    sent_before = OutboundMessage.objects.count()
    shopper_messages = Message.objects.filter(direction="in").count()

    lea.write("OK")  # another day: one message

    assert Message.objects.filter(direction="in").count() == shopper_messages + 1
    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.total) == (PaymentStatus.PAID, 4500)
    assert [(line.sku, line.quantity) for line in second.lines.all()] == [("CH-1", 1)]
    assert second.shipping_address["text"].startswith("12 rue de la Paix, 75002 Paris")
    paid = Payment.objects.get(order=second)
    assert (paid.state, paid.method.last4) == ("succeeded", "4242")  # the saved card
    # What the shopper saw on their platform: the charge, then the receipt.
    news = OutboundMessage.objects.order_by("id")[sent_before:]
    assert news and all(row.status == "sent" for row in news)
    # (SMS spells no-break spaces and dots the GSM way: compared on what survives.)
    delivered = lea.delivered().replace("\u00a0", " ")
    assert re.search(r"Paiement de 45,00 € avec Visa \W+ 4242", delivered), delivered
    assert "n°1002" in delivered
