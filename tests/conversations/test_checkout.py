"""Checkout and payment as the shopper lives them in the chat (web chat channel, test
provider, tasks in process): from the cart to a paid order, the receipt, and "OK" to buy
the same again."""

import json
import re

import pytest

from catalog.models import Variant
from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from conversations.models import Conversation, Direction, Message
from conversations.services import inbound_handle
from orders.models import Order, ShippingRate
from orders.transitions import OrderStatus, PaymentStatus
from payments.models import Payment, PaymentMethod

pytestmark = pytest.mark.django_db

VISITOR = m.Sender(external_id="visitor-checkout-0001", name="Léa Martin")


class Chat:
    """The shopper's side of a web chat: what they send, what they get back."""

    def __init__(self, shop, capture):
        self.account = webchat_channel(shop=shop)
        self.capture = capture
        self.seen = 0

    def _send(self, event) -> list[dict]:
        with self.capture(execute=True):
            inbound_handle(account=self.account, events=[event])
        return self.replies()

    def replies(self) -> list[dict]:
        new = list(
            Message.objects.filter(direction=Direction.OUTBOUND, id__gt=self.seen)
            .select_related("outbound")
            .order_by("id")
        )
        if new:
            self.seen = new[-1].id
        # What the page shows: the web chat adapter's rendering. Babel spaces amounts with
        # no-break spaces ("4,90\u00a0€"); compare with plain ones.
        shown = [message.outbound.payloads[0] for message in new]
        return [json.loads(json.dumps(body).replace("\\u00a0", " ")) for body in shown]

    def on_page(self, client, path: str, form: dict):
        """The shopper on the hosted pay page (what it triggers runs, as after a commit)."""
        with self.capture(execute=True):
            return client.post(path, form)

    def text(self, body: str) -> list[dict]:
        return self._send(m.TextReceived(sender=VISITOR, text=body))

    def tap(self, payload: str) -> list[dict]:
        return self._send(m.ButtonPressed(sender=VISITOR, payload=payload))


def last_options(replies: list[dict]) -> dict[str, dict]:
    return {option["title"]: option for option in replies[-1]["options"]}


def all_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


@pytest.fixture
def chat(shop, django_capture_on_commit_callbacks):
    return Chat(shop, django_capture_on_commit_callbacks)


@pytest.fixture
def rates(shop):
    post = ShippingRate.objects.create(
        shop=shop, name="Colissimo", kind="free_above", amount=490, free_above=15000, position=1
    )
    pickup = ShippingRate.objects.create(shop=shop, name="Retrait boutique", kind="pickup")
    return {"post": post, "pickup": pickup}


def fill_cart(chat, variant: Variant, quantity: int) -> None:
    chat.tap(f"q:{variant.pk}:{quantity}")


# What the test provider's page asks when the chat did not (the browser fills it).
PHONE = {"contact_phone": "+33 6 12 34 56 78"}
ADDRESS = {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}


def pay_on_page(chat, client, url: str, card: str, save: bool = True, details=None):
    path = re.sub(r"^https?://[^/]+", "", url)
    form = {"step": "pay", "card_number": card, "expiry": "12 / 34", "cvc": "123"}
    form.update(details or {})
    if save:
        form["save_card"] = "on"
    return chat.on_page(client, path, form), path


def checkout_to_link(chat) -> str:
    """Checkout: the order is placed and its payment link sent (the page asks the rest)."""
    replies = chat.tap("checkout")
    return next(iter(last_options(replies).values()))["url"]


def delivery(rate) -> dict:
    """The delivery option chosen on the pay page (the shop has several)."""
    return {"shipping_rate": str(rate.pk)}


def test_first_purchase_asks_in_the_chat_only_what_the_page_cannot(chat, catalog, rates, client):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 2)

    # Nothing is asked in the chat: the delivery option, phone and address are the page's,
    # in one form the browser fills.
    replies = chat.tap("checkout")
    assert "Comment la recevoir" not in all_text(replies)
    order = Order.objects.get()
    assert (order.number, order.total, order.status) == (1001, 9000, OrderStatus.PENDING)
    assert [(line.sku, line.quantity, line.unit_price) for line in order.lines.all()] == [
        ("CH-1", 2, 4500)
    ]
    assert Variant.objects.get(pk=shirt.pk).stock == 8  # reserved for the order
    # Delivery is still to choose on the page: the link promises the goods' total plus it.
    link = last_options(replies)["Payer en sécurité"]["url"]
    assert "Commande n°1001" in replies[-1]["text"]
    assert "90,00 € plus la livraison" in replies[-1]["text"].replace("\xa0", " ")
    page = client.get(re.sub(r"^https?://[^/]+", "", link)).content.decode()
    assert 'autocomplete="tel"' in page and 'autocomplete="street-address"' in page
    assert 'autocomplete="name"' not in page  # the name came with the channel
    assert "Colissimo" in page and "Retrait boutique" in page  # the delivery options

    response, _ = pay_on_page(
        chat,
        client,
        link,
        "4000 0000 0000 0002",
        details={**PHONE, **ADDRESS, **delivery(rates["post"])},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED
    assert (order.shipping_method, order.total) == ("Colissimo", 9490)  # chosen on the page
    assert order.contact_phone == "+33 6 12 34 56 78"
    assert order.shipping_address["text"].startswith("12 rue de la Paix, 75002 Paris")
    declined = chat.replies()
    assert "n'a pas abouti : Votre carte a été refusée" in all_text(declined)

    response, _ = pay_on_page(chat, client, link, "4242 4242 4242 4242")
    assert response.status_code == 302
    assert 'class="pay-ok"' in client.get(response["Location"]).content.decode()
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, PaymentStatus.PAID)
    assert Variant.objects.get(pk=shirt.pk).stock == 8  # sold, not given back

    receipt, next_steps = chat.replies()[-2:]
    assert "Faire d'autres achats" in last_options([next_steps])
    assert "Merci\u202f! La commande n°1001 est réglée." in receipt["text"]
    assert "Payé avec : Visa •••• 4242" in receipt["text"]
    method = PaymentMethod.objects.get()
    assert (method.brand, method.last4) == ("visa", "4242")


def test_a_page_refuses_real_card_numbers_and_stores_none(chat, catalog, rates, client):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 1)
    link = checkout_to_link(chat)

    details = {**PHONE, **ADDRESS, **delivery(rates["pickup"])}
    response, _ = pay_on_page(chat, client, link, "5555 5555 5555 4444", details=details)
    assert response.status_code == 400
    assert re.search(
        r'id="pay-card_number-error">[^<]*4242 4242 4242 4242', response.content.decode()
    )
    assert Payment.objects.get().state == "pending"
    assert "5555" not in str(list(Payment.objects.values()))


def test_returning_shopper_reorders_with_one_ok(chat, catalog, rates, client):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 1)
    link = checkout_to_link(chat)
    details = {**PHONE, **ADDRESS, **delivery(rates["post"])}
    pay_on_page(chat, client, link, "4242424242424242", details=details)
    chat.replies()

    # Next visit: the greeting shows what OK will charge…
    replies = chat.text("bonjour")
    offer = replies[-1]["text"]
    assert "1 x Chemise blanche (Unique)" in offer
    assert "Répondez OK pour payer 49,90 € avec Visa •••• 4242" in offer

    # …and one message later the order is paid.
    replies = chat.text("OK")
    assert "Paiement de 49,90 € avec Visa •••• 4242" in all_text(replies)
    second = Order.objects.order_by("-number").first()
    assert (second.number, second.payment_status, second.total) == (1002, "paid", 4990)
    assert second.shipping_address["text"].startswith("12 rue de la Paix, 75002 Paris")
    assert "n°1002 est réglée" in all_text(replies)
    assert Variant.objects.get(pk=shirt.pk).stock == 8


def test_a_stray_yes_with_no_offer_on_screen_shows_the_offer_and_charges_nothing(
    chat, catalog, rates, client
):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 1)
    link = checkout_to_link(chat)
    pay_on_page(
        chat, client, link, "4242424242424242", details={**PHONE, **delivery(rates["pickup"])}
    )
    chat.replies()
    Conversation.objects.update(bot_state={})  # nothing on screen

    replies = chat.text("oui")  # no offer shown: only the advertised "OK" buys unprompted
    assert "Répondez OK pour payer 45,00 € avec Visa •••• 4242" in all_text(replies)
    assert Order.objects.count() == 1

    replies = chat.text("oui")  # the offer is on screen now: yes means yes
    assert "n°1002 est réglée" in all_text(replies)


def test_reorder_with_a_changed_price_charges_nothing_and_says_why(chat, catalog, rates, client):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 1)
    link = checkout_to_link(chat)
    pay_on_page(
        chat, client, link, "4242424242424242", details={**PHONE, **delivery(rates["pickup"])}
    )
    chat.text("bonjour")  # the offer: 45,00 €

    Variant.objects.filter(pk=shirt.pk).update(price=5000)
    replies = chat.text("oui")
    assert "je n'ai rien débité" in all_text(replies)
    assert "coûte maintenant 50,00 € (au lieu de 45,00 €)" in all_text(replies)
    assert Order.objects.count() == 1
    assert "Commander" in last_options(replies)  # the cart, ready to check out at the new price


def test_saved_card_needing_authentication_sends_a_link(chat, catalog, rates, client):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 1)
    link = checkout_to_link(chat)
    _, page = pay_on_page(
        chat, client, link, "4000 0027 6000 3184", details={**PHONE, **delivery(rates["pickup"])}
    )
    assert 'name="decision" value="approve"' in client.get(page).content.decode()
    chat.on_page(client, page, {"step": "authenticate", "decision": "approve"})
    assert Order.objects.get().payment_status == "paid"
    chat.replies()

    chat.text("bonjour")
    replies = chat.text("ok")
    assert "Votre banque demande de confirmer" in all_text(replies)
    second = Order.objects.get(number=1002)
    assert second.payment_status == "awaiting"
    confirm = last_options(replies)["Confirmer"]["url"]
    path = re.sub(r"^https?://[^/]+", "", confirm)
    chat.on_page(client, path, {"step": "authenticate", "decision": "approve"})
    second.refresh_from_db()
    assert second.payment_status == "paid"


def test_cancel_during_checkout_gives_the_stock_back(chat, catalog, rates):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 3)
    chat.tap("checkout")  # the order is placed, its payment link sent
    assert Variant.objects.get(pk=shirt.pk).stock == 7
    assert "annulée" in chat.tap("cancel")[-1]["text"]
    assert Variant.objects.get(pk=shirt.pk).stock == 10


def test_checkout_of_more_than_is_left_says_so_and_reserves_nothing(chat, catalog, rates):
    shirt = catalog["shirt"].variants.get()
    fill_cart(chat, shirt, 3)
    Variant.objects.filter(pk=shirt.pk).update(stock=2)
    replies = chat.tap("checkout")
    assert "il ne reste que 2" in all_text(replies)
    assert Variant.objects.get(pk=shirt.pk).stock == 2
    assert not Order.objects.exists()
