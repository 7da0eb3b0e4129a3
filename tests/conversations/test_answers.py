"""The bot's answers to "where is my order?", delivery, returns and sizes (conversations/
answers.py), and the brand writing the delivery and returns answers in Settings → Shop."""

import pytest
from django.urls import reverse

from channels_adapters import messages as m
from conversations import answers
from conversations.models import Customer
from orders.models import Order
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from shops.demo import DEMO_DELIVERY_INFO, demo_answers
from shops.models import Role
from tests.conversations.sentences import seed_catalog
from tests.dashboard.conftest import member, signed_in

pytestmark = pytest.mark.django_db


def only_message(reply):
    assert not reply.hand_off
    assert len(reply.messages) == 1
    return reply.messages[0]


def order(shop, customer, number, **statuses):
    return Order.objects.create(
        shop=shop,
        customer=customer,
        number=number,
        currency=shop.currency,
        subtotal=8990,
        total=8990,
        **statuses,
    )


@pytest.fixture
def lea(shop):
    return Customer.objects.create(shop=shop, name="Léa Martin")


def test_a_shopper_without_orders_is_told_so(shop, lea):
    message = only_message(answers.order_status(shop=shop, customer=lea, language="fr"))

    assert message == m.Text(
        "Je ne trouve pas encore de commande à votre nom. Une fois votre commande passée, "
        "demandez-moi ici pour la suivre."
    )


def test_a_paid_order_not_shipped_yet_is_being_prepared(shop, lea):
    order(shop, lea, 1001, status=OrderStatus.CONFIRMED, payment_status=PaymentStatus.PAID)

    message = only_message(answers.order_status(shop=shop, customer=lea, language="en"))

    assert message.text.startswith("Order #1001 is paid and being prepared.")


def test_a_shipped_order_gives_its_carrier_tracking_number_and_link(shop, lea):
    order(shop, lea, 1001, status=OrderStatus.COMPLETED, payment_status=PaymentStatus.PAID)
    order(
        shop,
        lea,
        1002,
        status=OrderStatus.CONFIRMED,
        payment_status=PaymentStatus.PAID,
        fulfillment_status=FulfillmentStatus.FULFILLED,
        carrier="Colissimo",
        tracking_number="6A12345678901",
        tracking_url="https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901",
    )
    someone_else = Customer.objects.create(shop=shop, name="Other")
    order(shop, someone_else, 1003, status=OrderStatus.PENDING)

    message = only_message(answers.order_status(shop=shop, customer=lea, language="fr"))

    assert message.text == (
        "La commande n°1002 est expédiée.\nTransporteur\u00a0: Colissimo\n"
        "Suivi\u00a0: 6A12345678901"
    )
    assert [b.url for b in message.options] == [
        "https://www.laposte.fr/outils/suivre-vos-envois?code=6A12345678901"
    ]


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ({"status": OrderStatus.PENDING}, "Order #1001 is waiting for its payment."),
        ({"status": OrderStatus.CANCELLED}, "Order #1001 was cancelled."),
        (
            {"status": OrderStatus.CONFIRMED, "payment_status": PaymentStatus.REFUNDED},
            "Order #1001 has been refunded.",
        ),
        (
            {"status": OrderStatus.COMPLETED, "fulfillment_status": FulfillmentStatus.DELIVERED},
            "Order #1001 has been delivered.",
        ),
    ],
)
def test_each_order_status_reads_as_a_sentence(shop, lea, statuses, expected):
    order(shop, lea, 1001, **statuses)

    message = only_message(answers.order_status(shop=shop, customer=lea, language="en"))

    assert message == m.Text(expected)


def test_delivery_and_returns_are_the_brands_own_words(shop):
    shop.delivery_info = "Livraison en 48 h, offerte dès 60 €."
    shop.returns_info = "Retours gratuits sous 30 jours."

    assert answers.delivery(shop=shop, language="fr").messages == [
        m.Text("Livraison en 48 h, offerte dès 60 €.")
    ]
    assert answers.returns(shop=shop, language="fr").messages == [
        m.Text("Retours gratuits sous 30 jours.")
    ]


def test_without_the_brands_words_the_bot_offers_a_person_instead_of_guessing(shop):
    delivery = only_message(answers.delivery(shop=shop, language="fr"))
    returns = only_message(answers.returns(shop=shop, language="en"))

    assert delivery.text == "Notre équipe vous renseignera sur les délais et frais de livraison."
    assert delivery.options == (m.Button("Parler à quelqu'un", "human"),)
    assert returns.text == "Our team will tell you how returns and refunds work."
    assert returns.options == (m.Button("Talk to a person", "human"),)


def test_sizes_of_the_product_in_view_leave_out_the_sold_out_ones(shop):
    products = seed_catalog(shop)
    dress = products["Robe portefeuille rouge"]

    message = only_message(answers.sizes(shop=shop, language="fr", product=dress))

    assert message.text == "Robe portefeuille rouge est disponible en\u00a0: 38, 40."
    assert message.options == (m.Button("Voir l'article", f"show:{dress.pk}"),)


def test_sizes_of_the_item_the_sentence_names(shop):
    products = seed_catalog(shop)

    shoes = only_message(answers.sizes(shop=shop, language="fr", query="escarpins"))
    bag = only_message(answers.sizes(shop=shop, language="fr", query="sac"))
    nothing = only_message(answers.sizes(shop=shop, language="fr", query="chapeau"))

    assert shoes.text == "Escarpins rouges est disponible en\u00a0: 37, 38, 39."
    assert shoes.options[0].payload == f"show:{products['Escarpins rouges'].pk}"
    assert bag.text == "Sac cabas en toile existe en taille unique."
    assert nothing == m.Text(
        "De quel article parlez-vous\u202f? Donnez-moi son nom, par exemple «\u00a0tailles de la "
        "robe rouge\u00a0»."
    )


def test_an_item_sold_out_in_every_size_says_so(shop):
    products = seed_catalog(shop)
    blouse = products["Chemise en lin blanche"]
    blouse.variants.update(stock=0)

    message = only_message(answers.sizes(shop=shop, language="en", product=blouse))

    assert message.text == "Chemise en lin blanche is sold out in every size for now."


SETTINGS = reverse("dashboard:settings_shop")
PROFILE = {
    "name": "Maison Rouge",
    "language": "fr",
    "currency": "EUR",
    "timezone": "Europe/Paris",
}


def test_the_owner_writes_the_delivery_and_returns_answers_in_the_shop_settings(shop):
    owner = signed_in(member(shop, Role.OWNER))
    page = owner.get(SETTINGS).content.decode()
    assert "Delivery: the bot&#x27;s answer" in page
    assert "Returns: the bot&#x27;s answer" in page

    owner.post(
        SETTINGS,
        {
            **PROFILE,
            "delivery_info": "Livraison en 48 h, offerte dès 60 €.",
            "returns_info": "Retours gratuits sous 30 jours.",
        },
    )

    shop.refresh_from_db()
    assert shop.delivery_info == "Livraison en 48 h, offerte dès 60 €."
    assert shop.returns_info == "Retours gratuits sous 30 jours."
    assert "Livraison en 48 h, offerte dès 60 €." in owner.get(SETTINGS).content.decode()


def test_an_answer_too_long_is_refused_beside_its_field_and_nothing_is_saved(shop):
    owner = signed_in(member(shop, Role.OWNER))

    response = owner.post(SETTINGS, {**PROFILE, "name": "Renamed", "delivery_info": "x" * 1001})

    assert response.status_code == 200
    assert "at most 1000 characters" in response.content.decode()
    shop.refresh_from_db()
    assert (shop.name, shop.delivery_info) == ("Maison Rouge", "")


def test_the_demo_shop_answers_delivery_and_returns_but_keeps_what_the_brand_changed(shop):
    shop.returns_info = "Pas de retour sur les soldes."
    shop.save()

    demo_answers(shop)
    demo_answers(shop)

    shop.refresh_from_db()
    assert shop.delivery_info == DEMO_DELIVERY_INFO
    assert shop.returns_info == "Pas de retour sur les soldes."
    assert answers.delivery(shop=shop, language="fr").messages == [m.Text(DEMO_DELIVERY_INFO)]
