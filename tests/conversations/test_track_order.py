"""A shopper with an order can always ask where it is — by the receipt's "Track my order", the
same button after the shipping news, or in their own words — and hears its status in plain
words and in their language: paid and being prepared, shipped (carrier, tracking number and
link), delivered; with a way to the others when several are under way. Web chat shopper,
orders paid on the test provider's page, order news sent as in production."""

import pytest

from catalog.services import product_create
from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from conversations.models import Conversation, Direction, Message
from conversations.services import inbound_handle
from orders import lifecycle
from orders.models import Order
from tests.orders.conftest import buy, pay

pytestmark = pytest.mark.django_db

VISITOR = m.Sender(external_id="visitor-track-0001", name="Léa Martin")


class Shopper:
    def __init__(self, shop, capture):
        self.shop, self.capture = shop, capture
        self.account = webchat_channel(shop=shop)
        self.seen = 0

    def _send(self, event) -> list[dict]:
        with self.capture(execute=True):
            inbound_handle(account=self.account, events=[event])
        return self.shown()

    def shown(self) -> list[dict]:
        """The messages the shopper got since they last looked."""
        new = list(
            Message.objects.filter(direction=Direction.OUTBOUND, id__gt=self.seen).order_by("id")
        )
        if new:
            self.seen = new[-1].id
        return [message.body for message in new]

    def write(self, text: str) -> list[dict]:
        return self._send(m.TextReceived(sender=VISITOR, text=text))

    def tap(self, label: str, on: list[dict]) -> list[dict]:
        payloads = [
            option["payload"]
            for body in on
            for option in body.get("options", ())
            if option["title"] == label and option.get("payload")
        ]
        assert payloads, f"no {label!r} button in {on}"
        return self._send(m.ButtonPressed(sender=VISITOR, payload=payloads[-1]))

    def an_order(self, variant, *, paid: bool = True) -> Order:
        """An order placed in this conversation, paid on the page (its news comes here)."""
        customer = Conversation.objects.get(channel=self.account).customer
        order = buy(self.shop, variant, customer=customer)
        Order.objects.filter(pk=order.pk).update(channel=self.account)
        order.refresh_from_db()
        if paid:
            with self.capture(execute=True):  # the receipt goes once the payment is committed
                pay(order)
            order.refresh_from_db()
        return order


def text_of(shown: list[dict]) -> str:
    return "\n".join(body.get("text", "") for body in shown)


def titles(body: dict) -> list[str]:
    return [option["title"] for option in body.get("options", ())]


@pytest.fixture
def bag(shop):
    product = product_create(
        shop=shop,
        title="Sac cabas",
        variants=[{"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 10}],
    )
    return product.variants.get()


@pytest.fixture
def lea(shop, django_capture_on_commit_callbacks):
    shopper = Shopper(shop, django_capture_on_commit_callbacks)
    shopper.write("Bonjour")
    shopper.shown()
    return shopper


def test_the_receipt_s_track_my_order_says_the_order_is_being_prepared(lea, bag):
    order = lea.an_order(bag)
    receipt = lea.shown()
    assert "Suivre ma commande" in titles(receipt[-1])  # no tracking link yet: offered anyway

    answer = lea.tap("Suivre ma commande", on=receipt)

    assert text_of(answer).startswith(f"La commande n°{order.number} est payée et en préparation")


def test_after_the_shipping_news_the_status_names_carrier_tracking_and_link(lea, bag):
    order = lea.an_order(bag)
    with lea.capture(execute=True):
        lifecycle.order_fulfil(
            order=order,
            carrier="Colissimo",
            tracking_number="6A12345678",
            tracking_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678",
        )
    news = lea.shown()
    assert titles(news[-1]) == ["Suivre le colis", "Suivre ma commande"]

    answer = lea.tap("Suivre ma commande", on=news)[-1]

    assert answer["text"].splitlines() == [
        f"La commande n°{order.number} est expédiée.",
        "Transporteur\u00a0: Colissimo",
        "Suivi\u00a0: 6A12345678",
    ]
    link = next(o for o in answer["options"] if o["title"] == "Suivre le colis")
    assert link["url"].endswith("code=6A12345678")


def test_shipping_news_without_a_tracking_link_still_offers_to_follow_the_order(lea, bag):
    order = lea.an_order(bag)
    with lea.capture(execute=True):
        lifecycle.order_fulfil(order=order, carrier="Livreur de la boutique")
    news = lea.shown()
    assert titles(news[-1]) == ["Suivre ma commande"]

    answer = text_of(lea.tap("Suivre ma commande", on=news))

    assert f"La commande n°{order.number} est expédiée." in answer
    assert "Transporteur\u00a0: Livreur de la boutique" in answer


@pytest.mark.parametrize("asked", ["où est ma commande", "Suivi", "ma commande ?", "mon colis"])
def test_asked_in_french_the_last_order_s_status(lea, bag, asked):
    lea.an_order(bag)
    delivered = lea.an_order(bag)
    lifecycle.order_fulfil(order=delivered, carrier="Colissimo")
    lifecycle.order_mark_delivered(order=delivered)
    lea.shown()

    answer = text_of(lea.write(asked))

    assert answer.startswith(f"La commande n°{delivered.number} a été livrée.")


def test_asked_in_english_the_answer_is_english(lea, bag):
    order = lea.an_order(bag)
    lea.shown()

    answer = lea.write("where is my order?")

    assert text_of(answer).startswith(f"Order #{order.number} is paid and being prepared.")
    assert "commande" not in str(answer).lower()


def test_several_orders_under_way_the_others_are_one_tap_away(lea, bag):
    first = lea.an_order(bag)
    lifecycle.order_fulfil(order=first, carrier="Colissimo", tracking_number="6A1")
    second = lea.an_order(bag)
    lea.shown()

    answer = lea.write("où en est ma commande ?")
    assert text_of(answer).startswith(f"La commande n°{second.number} est payée")
    orders = lea.tap("Mes autres commandes", on=answer)
    assert orders[-1]["text"] == "Vos commandes en cours\u00a0:"
    assert titles(orders[-1]) == [f"Commande n°{second.number}", f"Commande n°{first.number}"]

    answer = lea.tap(f"Commande n°{first.number}", on=orders)

    assert text_of(answer).startswith(f"La commande n°{first.number} est expédiée.")


def test_an_order_awaiting_payment_says_so(lea, bag):
    order = lea.an_order(bag, paid=False)

    answer = text_of(lea.write("suivi de ma commande"))

    assert answer.startswith(f"La commande n°{order.number} attend")


def test_another_shopper_s_order_is_never_told(lea, bag, shop):
    someone_else = buy(shop, bag, key="someone-else")

    answer = lea._send(m.ButtonPressed(sender=VISITOR, payload=f"order:{someone_else.pk}"))

    assert f"n°{someone_else.number}" not in text_of(answer)
    assert "Je ne trouve pas encore de commande" in text_of(answer)
