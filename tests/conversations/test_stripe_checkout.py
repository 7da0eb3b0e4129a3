"""A Stripe shop's web chat: Stripe Checkout asks the name, phone, address and delivery option,
so the chat asks none of them, and a new shopper pays in five actions (the issue's bar). What
the shopper typed on Stripe's page comes back on the order, in the receipt, and is not asked
again next time.

An action is what the shopper does: a message written, a button tapped, the payment link
opened, Stripe's page submitted once. The shopper goes through the web chat's HTTP endpoints;
Stripe's page is FakeStripe's `complete_session` (what the shopper types there), and Stripe's
webhook is signed and posted to /webhooks/stripe/ as Stripe would.
"""

import pytest
from django.test import Client

from orders.models import Order, ShippingRate
from orders.transitions import PaymentStatus
from payments.models import PaymentMethod
from tests.conversations.web_shopper import WebShopper
from tests.fakes.conftest_plugin import fake_stripe  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)

ADDRESS = {"line1": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}
# What the chat would have asked had Stripe's page not (conversations/phrases: ask_*).
QUESTIONS = ("nom", "téléphone", "adresse", "livraison")
# The link's own message says the delivery is chosen on the payment page: not a question.
PAY_LINK = "à choisir sur la page de paiement"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"


@pytest.fixture
def delivery_options(shop):
    return [
        ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=0),
        ShippingRate.objects.create(shop=shop, name="Chronopost", amount=990, position=1),
    ]


class StripeShopper(WebShopper):
    """Léa in the web chat of a shop paid through Stripe Checkout."""

    def __init__(self, shop, stripe):
        super().__init__(shop)
        self.stripe = stripe
        self.webhooks = Client()

    def open_payment_link(self) -> str:
        """Opens Stripe's page: returns the session it shows."""
        link = next(b["url"] for b in self._buttons("") if b.get("url", "").startswith("http"))
        self.actions += 1
        session_id = link.rsplit("/", 1)[-1]
        assert link == self.stripe.sessions[session_id]["url"]
        return session_id

    def pay_on_stripe(self, session_id: str, **typed) -> None:
        """One form on Stripe's page, filled (by the browser or Link) and submitted once;
        Stripe then tells Souk by webhook."""
        self.actions += 1
        delivery = self.stripe.complete_session(session_id, **typed)
        assert delivery.post(self.webhooks).status_code == 200


def test_a_new_shopper_pays_on_stripe_in_five_actions_with_nothing_asked_in_the_chat(
    shop,
    catalog,
    delivery_options,
    fake_stripe,  # noqa: F811
):
    lea = StripeShopper(shop, fake_stripe)

    lea.write("une robe rouge")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")  # → the order and its Stripe link: nothing asked in the chat
    asked_in_chat = [
        t for t in lea.texts() if any(q in t.lower() for q in QUESTIONS) and PAY_LINK not in t
    ]
    assert any(PAY_LINK in t for t in lea.texts())  # the total shown is before delivery
    session_id = lea.open_payment_link()
    lea.pay_on_stripe(
        session_id, name="Léa Martin", phone="+33612345678", address=ADDRESS, shipping_option=1
    )

    assert asked_in_chat == []
    params = fake_stripe.last("checkout.sessions.create").meta["params"]
    assert params["phone_number_collection"] == {"enabled": True}
    assert "FR" in params["shipping_address_collection"]["allowed_countries"]
    assert [o["shipping_rate_data"]["display_name"] for o in params["shipping_options"]] == [
        "Colissimo",
        "Chronopost",
    ]
    order = Order.objects.get()
    assert (order.payment_status, order.total) == (PaymentStatus.PAID, 8990 + 990)
    assert (order.contact_name, order.contact_phone) == ("Léa Martin", "+33612345678")
    assert order.shipping_method == "Chronopost"
    receipt = next(t for t in reversed(lea.texts()) if "est réglée" in t)
    assert "Livraison\u00a0: 9,90\u00a0€" in receipt
    assert "Total\u00a0: 99,80\u00a0€" in receipt
    assert "Livraison à\u00a0: 12 rue de la Paix, 75002 Paris, FR" in receipt
    assert lea.actions == 5  # the bar: 5 or fewer


def test_details_typed_on_stripe_are_not_asked_again(
    shop,
    catalog,
    delivery_options,
    fake_stripe,  # noqa: F811
):
    lea = StripeShopper(shop, fake_stripe)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    lea.pay_on_stripe(
        lea.open_payment_link(), name="Léa Martin", phone="+33612345678", address=ADDRESS
    )
    # Léa removed the card she saved: her next order is paid through a link again.
    PaymentMethod.objects.update(is_active=False)
    lea.actions = 0  # another day

    lea.write("robe")
    lea.tap("Acheter", on="Robe portefeuille rouge")
    lea.tap("Rouge 38")
    session_id = lea.open_payment_link()
    params = fake_stripe.last("checkout.sessions.create").meta["params"]
    lea.pay_on_stripe(session_id)  # only the card (and the delivery option, pre-selected)

    # Neither the chat nor Stripe's page asks name, phone or address again.
    for asked in ("shipping_address_collection", "phone_number_collection", "name_collection"):
        assert asked not in params
    second = Order.objects.get(number=1002)
    assert second.payment_status == PaymentStatus.PAID
    assert (second.contact_name, second.contact_phone) == ("Léa Martin", "+33612345678")
    assert second.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"
    assert second.total == 8990 + 490
    assert lea.actions == 5


def test_a_shop_with_more_delivery_options_than_stripe_shows_asks_the_option_in_the_chat(
    shop,
    catalog,
    fake_stripe,  # noqa: F811
):
    for position in range(6):
        ShippingRate.objects.create(
            shop=shop, name=f"Relais {position}", amount=300 + position, position=position
        )
    lea = StripeShopper(shop, fake_stripe)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    lea.tap("Relais 5 · 3,05\u00a0€")  # the sixth: Stripe's page could not have offered it
    lea.pay_on_stripe(lea.open_payment_link(), address=ADDRESS)

    params = fake_stripe.last("checkout.sessions.create").meta["params"]
    assert "shipping_options" not in params
    order = Order.objects.get()
    assert (order.shipping_method, order.total) == ("Relais 5", 4500 + 305)
    assert order.payment_status == PaymentStatus.PAID


def test_a_returning_shopper_reorders_with_one_ok_on_the_card_saved_on_stripe(
    shop,
    catalog,
    delivery_options,
    fake_stripe,  # noqa: F811
):
    lea = StripeShopper(shop, fake_stripe)
    lea.write("chemise")
    lea.tap("Acheter", on="Chemise blanche")
    lea.pay_on_stripe(lea.open_payment_link(), address=ADDRESS, shipping_option=1)
    lea.actions = 0  # another day

    lea.write("OK")  # the same shirt, address and delivery, on the card Stripe saved

    second = Order.objects.get(number=1002)
    assert (second.payment_status, second.total) == (PaymentStatus.PAID, 4500 + 990)
    assert second.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"
    intent = fake_stripe.last("payment_intents.create").meta["params"]
    assert (intent["amount"], intent["off_session"]) == (second.total, True)
    assert lea.actions == 1
