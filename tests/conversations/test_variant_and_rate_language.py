"""An English-speaking shopper of a French shop reads the variants ("Red · 38") and delivery
options ("Pickup in store") by their English names wherever the shop shows them: the size
buttons, the cart, the pay page, Stripe's page, the Telegram invoice and its shipping options,
the receipt. A French-speaking shopper of the same shop reads the French names, and the brand's
order keeps what was sold in the shop's language."""

import json
import re

import pytest
from django.test import Client

from catalog.services import product_create
from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from channels_adapters.setup import webchat_channel
from conversations import notifications
from conversations.engine.dispatch import respond
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start
from orders.models import CartLine, Order, ShippingKind, ShippingRate
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.models import PaymentMethod
from payments.providers.registry import provider_for
from tests.fakes.conftest_plugin import fake_stripe, fake_telegram  # noqa: F401
from tests.payments.test_telegram_invoice_language import AMY as AMY_ON_TELEGRAM
from tests.payments.test_telegram_invoice_language import LEA as LEA_ON_TELEGRAM
from tests.payments.test_telegram_invoice_language import Shopper

pytestmark = pytest.mark.django_db

AMY = m.Sender(external_id="42", name="Amy")
NAMES = {
    "en": {
        "38": "Red · 38",
        "40": "Red · 40",
        "home": "Home delivery",
        "pickup": "Pickup in store",
    },
    "fr": {
        "38": "Rouge · 38",
        "40": "Rouge · 40",
        "home": "Livraison à domicile",
        "pickup": "Retrait en boutique",
    },
}
TITLE = {"en": "Red wrap dress", "fr": "Robe portefeuille rouge"}
ADDRESS = {"line1": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}


@pytest.fixture
def dress(shop):
    return product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        translations={"en": {"title": "Red wrap dress"}},
        variants=[
            {
                "sku": f"ROBE-R-{size}",
                "name": f"Rouge · {size}",
                "translations": {"en": {"name": f"Red · {size}"}},
                "options": {"size": size, "colour": "Rouge"},
                "price": 4990,
                "stock": 5,
            }
            for size in ("38", "40")
        ],
    )


@pytest.fixture
def rates(shop):
    return [
        ShippingRate.objects.create(
            shop=shop,
            name="Livraison à domicile",
            translations={"en": {"name": "Home delivery"}},
            amount=490,
            position=0,
        ),
        ShippingRate.objects.create(
            shop=shop,
            name="Retrait en boutique",
            translations={"en": {"name": "Pickup in store"}},
            kind=ShippingKind.PICKUP,
            position=1,
        ),
    ]


@pytest.fixture(params=["en", "fr"])
def language(request):
    return request.param


def place_order(shop, dress, language: str, **details) -> Order:
    """A web chat order of one "Rouge · 38", its delivery left to the payment page."""
    customer = Customer.objects.create(shop=shop, name="Amy Smith", language=language)
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    cart_add(cart=cart, variant=dress.variants.get(sku="ROBE-R-38"), quantity=1)
    checkout = checkout_start(
        cart=cart, customer=customer, channel=webchat_channel(shop=shop), **details
    )
    return checkout_complete(checkout=checkout, require_details=False)


def test_the_size_buttons_and_the_cart_name_the_variant_in_the_shoppers_language(
    conversation, dress, language
):
    conversation.customer.language = language
    conversation.customer.save(update_fields=["language"])
    names = NAMES[language]

    def tap(payload: str):
        return respond(conversation, m.ButtonPressed(sender=AMY, payload=payload))

    question = tap(f"p:{dress.pk}").messages[-1]
    assert [button.title for button in question.options] == [names["38"], names["40"]]

    added = tap(question.options[0].payload).messages[-1]
    assert f"1 x {TITLE[language]} ({names['38']})" in added.text

    cart = tap("cart").messages[0]
    assert [card.title for card in cart.cards] == [f"1 x {TITLE[language]} ({names['38']})"]


def test_the_delivery_question_and_the_summary_are_in_the_shoppers_language(
    conversation, dress, rates, language
):
    # A returning shopper with a saved card: the chat asks the delivery option itself and
    # sums up before "OK" pays.
    customer = conversation.customer
    customer.language, customer.phone = language, "+33612345678"
    customer.save(update_fields=["language", "phone"])
    PaymentMethod.objects.create(
        shop=customer.shop, customer=customer, provider="test", provider_method_id="pm_1"
    )
    names = NAMES[language]

    def tap(payload: str):
        return respond(conversation, m.ButtonPressed(sender=AMY, payload=payload)).messages[-1]

    tap(f"v:{dress.variants.get(sku='ROBE-R-38').pk}")
    question = tap("checkout")
    options = [button.title.split(" · ")[0] for button in question.options]
    assert options[:2] == [names["home"], names["pickup"]]

    summary = tap(question.options[1].payload).text
    assert f"1 x {TITLE[language]} ({names['38']})" in summary
    assert f"{names['pickup']} · " in summary  # the option chosen, and where to collect it
    assert summary.count(names["pickup"]) == 2
    other = NAMES["fr" if language == "en" else "en"]
    assert other["pickup"] not in summary and other["38"] not in summary


@pytest.mark.parametrize(
    "typed, picked",
    [
        ("red 38", "ROBE-R-38"),
        ("Rouge 40", "ROBE-R-40"),
        ("Red · 40", "ROBE-R-40"),
        ("taille 38", "ROBE-R-38"),
        ("I'll take the red one in 40 please", "ROBE-R-40"),
    ],
)
def test_a_variant_typed_in_either_language_while_the_sizes_are_shown_is_picked(
    conversation, dress, typed, picked
):
    conversation.customer.language = "en"
    conversation.customer.save(update_fields=["language"])
    respond(conversation, m.ButtonPressed(sender=AMY, payload=f"p:{dress.pk}"))

    reply = respond(conversation, m.TextReceived(sender=AMY, text=typed))

    [line] = CartLine.objects.all()
    assert line.variant.sku == picked
    assert f"({NAMES['en'][picked[-2:]]})" in reply.messages[-1].text


def test_words_naming_several_variants_or_none_pick_nothing(conversation, dress):
    tops = product_create(
        shop=dress.shop,
        title="Marinière",
        variants=[
            {"sku": f"MAR-{colour}-M", "name": f"{colour} · M", "price": 3900, "stock": 2}
            for colour in ("Rouge", "Noir")
        ],
    )
    respond(conversation, m.ButtonPressed(sender=AMY, payload=f"p:{tops.pk}"))

    for typed in ("taille M", "vert M"):  # two are M; none is green
        respond(conversation, m.TextReceived(sender=AMY, text=typed))
        respond(conversation, m.ButtonPressed(sender=AMY, payload=f"p:{tops.pk}"))

    assert not CartLine.objects.exists()
    picked = respond(conversation, m.TextReceived(sender=AMY, text="noir"))
    assert CartLine.objects.get().variant.sku == "MAR-Noir-M"
    assert "Marinière (Noir · M)" in picked.messages[-1].text


def test_the_pay_page_offers_the_delivery_options_in_the_shoppers_language(
    shop, dress, rates, language
):
    order = place_order(shop, dress, language)
    payment = payments.payment_link_start(order=order)
    path = re.sub(r"^https?://[^/]+", "", provider_for("test").link_create(payment))

    page = Client().get(path).content.decode()

    names, others = NAMES[language], NAMES["fr" if language == "en" else "en"]
    labels = re.findall(r'<label class="pay-choice"[^>]*>.*?<span>(.*?)</span>', page, re.S)
    assert [label.split(" · ")[0] for label in labels] == [names["home"], names["pickup"]]
    assert others["home"] not in page and others["pickup"] not in page


def test_the_receipt_names_the_variant_and_the_pickup_in_the_shoppers_language(
    shop, dress, rates, language
):
    order = place_order(shop, dress, language, shipping_rate=rates[1])
    provider = provider_for("test")
    payment = payments.payment_link_start(order=order)
    provider.link_create(payment)
    payments.payment_outcome_record(
        payment=payment, outcome=provider.pay_on_page(payment, "4242424242424242", save=False)
    )
    order.refresh_from_db()

    [receipt, _next] = notifications.BUILDERS["order.paid"](order, {}, language)

    text = m.receipt_text(receipt)
    assert f"{TITLE[language]} ({NAMES[language]['38']})" in text
    assert NAMES[language]["pickup"] in text  # where to collect it
    # What the brand's order keeps is what was sold, in the shop's language.
    line = order.lines.get()
    assert (line.product_title, line.variant_name) == ("Robe portefeuille rouge", "Rouge · 38")
    assert order.shipping_method == "Retrait en boutique"


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("user", [AMY_ON_TELEGRAM, LEA_ON_TELEGRAM], ids=["en", "fr"])
def test_the_telegram_invoice_and_its_shipping_options_are_in_the_shoppers_language(
    shop,
    dress,
    rates,
    settings,
    fake_telegram,  # noqa: F811
    user,
):
    settings.TELEGRAM_API_URL = fake_telegram.url
    account = ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": fake_telegram.token, "payment_provider_token": "284685063:TEST:x"},
    )
    shopper = Shopper(account, fake_telegram, user)
    names = NAMES[user["language_code"]]

    shopper.tap(f"q:{dress.variants.get(sku='ROBE-R-38').pk}:1")
    shopper.tap("checkout")
    invoice = fake_telegram.requests_for("sendInvoice")[-1].params
    answer = shopper.shipping_answer(invoice["payload"])

    item = f"1 x {TITLE[user['language_code']]} ({names['38']})"
    assert invoice["description"] == item
    assert [price["label"] for price in json.loads(invoice["prices"])] == [item[:32]]
    titles = [option["title"] for option in json.loads(answer["shipping_options"])]
    assert titles == [names["home"], names["pickup"]]


def test_stripes_page_names_the_delivery_options_in_english_and_the_order_keeps_the_shops(
    shop,
    dress,
    rates,
    fake_stripe,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    order = place_order(shop, dress, "en", contact_name="Amy Smith")
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.payment_link_start(order=order)
    payment.refresh_from_db()

    params = fake_stripe.last("checkout.sessions.create").meta["params"]
    shown = [option["shipping_rate_data"]["display_name"] for option in params["shipping_options"]]
    assert shown == ["Home delivery", "Pickup in store"]
    assert params["locale"] == "en"

    delivery = fake_stripe.complete_session(payment.provider_ref, address=ADDRESS)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.post(Client()).status_code == 200

    order.refresh_from_db()
    assert order.shipping_rate == rates[0]
    assert order.shipping_method == "Livraison à domicile"  # the brand reads its own name
