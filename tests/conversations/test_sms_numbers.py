"""An SMS shopper has no buttons: every menu is numbered lines and they answer with a number.
Each number of a reply stands for one thing, across all its messages: a product's number opens
that product (never "Buy now" of some card), a cart line's number opens that line (never
Checkout). Messages go through the signed Twilio webhook, and the bot's answers are read from
what the fake Twilio was asked to send."""

import re

import pytest
from django.test import Client

from channels_adapters.models import ChannelAccount
from channels_adapters.sms.adapter import SmsAdapter
from orders.models import Cart, Order
from orders.transitions import PaymentStatus
from tests.fakes.conftest_plugin import fake_twilio  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_URL = "https://souk.example.com"
PHONE = "+33612345678"


class SmsShopper:
    """Léa's phone: she texts the shop's number; `last` is what the shop texted back."""

    def __init__(self, client: Client, account: ChannelAccount, fake):
        self.client, self.account, self.fake = client, account, fake
        self.sent = 0

    def text(self, body: str) -> str:
        """Texts `body`; returns every SMS the shop sent back, joined."""
        self.sent += 1
        params = {
            "MessageSid": f"SM{self.sent:032d}",
            "SmsStatus": "received",
            "AccountSid": self.fake.account_sid,
            "From": PHONE,
            "To": self.account.external_id,
            "Body": body,
            "NumMedia": "0",
        }
        path = f"/webhooks/sms/{self.account.pk}/"
        signature = self.fake.sign(PUBLIC_URL + path, params)
        before = len(self.fake.requests_for("messages"))
        response = self.client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)
        assert response.status_code == 200
        return "\n".join(r.params["Body"] for r in self.fake.requests_for("messages")[before:])


def numbered(sms: str) -> dict[str, str]:
    """The numbered lines of what the shopper read: {"1": "Chemise blanche - 45,00 €", …}."""
    return dict(re.findall(r"^(\d+)\. (.*)$", sms, re.M))


def number_of(sms: str, starting: str) -> str:
    found = [n for n, line in numbered(sms).items() if line.startswith(starting)]
    assert len(found) == 1, f"one line starting {starting!r} expected in:\n{sms}"
    return found[0]


@pytest.fixture
def lea(shop, settings, client, fake_twilio, monkeypatch):  # noqa: F811
    settings.SOUK_PUBLIC_URL = PUBLIC_URL
    settings.TWILIO_API_URL = fake_twilio.url
    # A long code sends one SMS a second; the test need not wait for the carrier's pace.
    monkeypatch.setattr(SmsAdapter, "rate_per_second", 1000.0)
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id=fake_twilio.from_number,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )
    return SmsShopper(client, account, fake_twilio)


def cart_lines() -> list[tuple[str, int]]:
    return [
        (line.variant.sku, line.quantity)
        for cart in Cart.objects.all()
        for line in cart.lines.select_related("variant")
    ]


def pay_on_the_page(sms: str, client: Client) -> None:
    link = re.search(r"https?://\S+/pay/test/\S+", sms)
    assert link, sms
    path = re.sub(r"^https?://[^/]+", "", link.group(0))
    form = {"step": "pay", "card_number": "4242 4242 4242 4242", "expiry": "12 / 34"}
    details = {"contact_name": "Léa Martin", "street": "12 rue de la Paix"}
    details |= {"postal_code": "75002", "city": "Paris", "country": "FR"}
    response = client.post(path, {**form, "cvc": "123", **details})
    assert response.status_code == 302, response.content.decode()[-2000:]


def test_a_product_s_number_opens_that_product_and_buys_nothing(lea, catalog):
    categories = lea.text(number_of(lea.text("Bonjour"), "Parcourir"))
    products = lea.text(number_of(categories, "Tout voir"))
    assert numbered(products) == {
        "1": "Robe portefeuille rouge - 89,90 €",
        "2": "Chemise blanche - 45,00 €",
    }

    shirt = lea.text("2")

    # The shirt, with its choices: nothing bought, nothing in the cart.
    assert shirt.startswith("Chemise blanche - 45,00 €\nWhite shirt")
    assert list(numbered(shirt).values()) == ["Acheter", "Ajouter au panier", "Continuer"]
    assert not Order.objects.exists()
    assert cart_lines() == []


def test_an_sms_shopper_buys_by_typing_numbers(lea, catalog, client):
    found = lea.text("robe rouge")
    dress = lea.text(number_of(found, "Robe portefeuille rouge"))
    assert "Red wrap dress in linen" in dress
    sizes = lea.text(number_of(dress, "Acheter"))
    assert list(numbered(sizes).values()) == ["Rouge 38", "Rouge 40"]  # 36 is sold out

    link = lea.text(number_of(sizes, "Rouge 40"))

    # The order is placed and its payment link sent: the page asks the rest in one form.
    order = Order.objects.get()
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("ROBE-R-40", 1)]
    assert "Payer 89,90 €" in link
    before = len(lea.fake.requests_for("messages"))
    pay_on_the_page(link, client)
    order.refresh_from_db()
    assert (order.payment_status, order.contact_phone) == (PaymentStatus.PAID, PHONE)
    receipt = "\n".join(r.params["Body"] for r in lea.fake.requests_for("messages")[before:])
    assert "1 x Robe portefeuille rouge (Rouge 40)" in receipt

    # The receipt's next steps are numbered too: following the order is one number away.
    status = lea.text(number_of(receipt, "Suivre ma commande"))
    assert status.startswith("La commande n°1001 est payée et en préparation.")
    assert Order.objects.count() == 1  # and nothing bought again


def test_cart_lines_and_the_cart_s_actions_never_share_a_number(lea, catalog):
    lea.text(number_of(lea.text("chemise"), "Chemise blanche"))
    lea.text("2")  # Ajouter au panier: one variant, in the cart at once
    dress = lea.text(number_of(lea.text("robe"), "Robe portefeuille rouge"))
    lea.text(number_of(lea.text(number_of(dress, "Ajouter au panier")), "Rouge 38"))

    cart = lea.text("panier")

    lines = numbered(cart)
    assert [line.split(" - ")[0] for line in lines.values()] == [
        "1 x Chemise blanche (Unique)",
        "1 x Robe portefeuille rouge (Rouge 38)",
        "Commander",
        "Continuer",
    ]
    assert list(lines) == ["1", "2", "3", "4"]  # one run of numbers for the whole reply

    # "2" is the dress's line (its choices), not an action of the cart.
    line = lea.text("2")
    assert line.startswith("1 x Robe portefeuille rouge (Rouge 38)")
    assert not Order.objects.exists()
    cart = lea.text(number_of(line, "Retirer"))
    assert cart_lines() == [("CH-1", 1)]
    assert numbered(cart)["2"] == "Commander"  # numbers follow the lines that are left

    lea.text("2")

    order = Order.objects.get()
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("CH-1", 1)]
