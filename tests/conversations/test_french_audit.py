"""Everything a shopper of a French shop reads besides the bot's own phrases (test_french.py
checks those): order news, the receipt, the decline reasons, the delivery and returns answers,
the order status, the pay page and the Telegram invoice. A French-speaking shopper reads no
English word in them, typeset the French way; an English-speaking shopper of the same shop
reads no French word. What the brand or the shopper typed (the shop's name, a size, an
address) is theirs and left out of the check."""

import html
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.utils import timezone

from catalog import demo_seed
from catalog.models import Product
from catalog.services import product_create
from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from conversations import answers, notifications, showcase
from conversations.models import Customer
from conversations.phrases import PHRASES
from orders.checkout import checkout_complete, checkout_start
from orders.demo import demo_shipping_rates
from orders.models import Order, ShippingRate
from orders.services import cart_add, cart_open
from orders.transitions import FulfillmentStatus, OrderStatus, PaymentStatus
from payments import services as payments
from payments.decline_reasons import REASONS, decline_reason
from payments.invoices import (
    CANNOT_SHIP,
    CHANGED,
    EXPIRED,
    SOLD_OUT,
    invoice_text,
)
from payments.providers.registry import provider_for
from shops.demo import demo_answers
from tests.conversations.test_french import (
    ENGLISH_WORDS,
    NBSP,
    NNBSP,
    SHARED_WORDS,
    french_and_english,
    words,
)

pytestmark = pytest.mark.django_db

# Words only French uses; an English text holding one has French left in it.
FRENCH_WORDS = set(
    re.findall(
        r"\w+",
        """le la les des du une est sont votre vos nous vous commande commandes livraison
        paiement payer panier merci article articles taille tailles retour retours carte
        offerte gratuit gratuite avec pour dans pas été réglée expédiée remboursée annulée
        livrée bonjour désolé équipe quelqu retourner suivre sous expiré échoué refusée""",
    )
)
# The French of colours and delivery options (the brand's words, which the bot's phrases never
# hold): an English shopper reading one has a variant or a rate left in the shop's language.
BRAND_FRENCH_WORDS = set(
    re.findall(
        r"\w+",
        """rouge bordeaux bleu ciel marine vert sauge blanc noir gris chiné naturel rayé
        retrait atelier boutique domicile""",
    )
)
NEXT_YEAR = f"12 / {(date.today().year + 1) % 100:02d}"
SHOPPER_DATA = ("Maison Rouge", "Léa Martin", "12 rue de la Paix, 75002 Paris", "Colissimo")


@pytest.fixture
def dress(shop):
    product = product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        description="Robe en lin",
        translations={"en": {"title": "Red wrap dress", "description": "Linen dress"}},
        variants=[{"sku": "ROBE-38", "name": "38", "price": 4990, "stock": 5}],
    )
    return product.variants.get()


@pytest.fixture(params=["fr", "en"])
def language(request):
    return request.param


@pytest.fixture
def order(shop, dress, language) -> Order:
    """A web chat order of Léa, who speaks `language`, in the French shop."""
    lea = Customer.objects.create(shop=shop, name="Léa Martin", language=language)
    cart = cart_open(shop=shop, owner_key=f"customer:{lea.pk}")
    cart_add(cart=cart, variant=dress, quantity=2)
    checkout = checkout_start(
        cart=cart,
        customer=lea,
        channel=webchat_channel(shop=shop),
        contact_name="Léa Martin",
        contact_phone="+33612345678",
        shipping_address={"text": "12 rue de la Paix, 75002 Paris"},
    )
    return checkout_complete(checkout=checkout, require_details=False)


def shopper_text(text: str) -> str:
    for typed in SHOPPER_DATA:
        text = text.replace(typed, " ")
    return text


def assert_one_language(text: str, language: str) -> None:
    text = shopper_text(text)
    if language == "fr":
        leftover = (words(text) & ENGLISH_WORDS) - SHARED_WORDS
        assert not leftover, f"English words {leftover} in “{text}”"
        assert_french_typography(text)
    else:
        leftover = words(text) & FRENCH_WORDS
        assert not leftover, f"French words {leftover} in “{text}”"


def assert_french_typography(text: str) -> None:
    text = re.sub(r"https?://\S+|\d:\d", "", text)  # a link, or a time (14:30)
    for mark in re.finditer(r"(.)([?!;:»])", text):
        space = NBSP if mark.group(2) in ":»" else NNBSP
        assert mark.group(1) in (space, NBSP), f"{mark.group(2)!r} without its space in “{text}”"
    assert "« " not in text, f"a breaking space after « in “{text}”"
    assert not re.search(r"\d [€$£]", text), f"a breaking space before a currency in “{text}”"


def texts_of(message: m.OutboundMessage) -> list[str]:
    if isinstance(message, m.Receipt):
        return [m.receipt_text(message)]
    if isinstance(message, m.QuickReplies):
        return [message.text, *(button.title for button in message.options)]
    if isinstance(message, m.Text):
        return [message.text]
    raise AssertionError(f"no text read from {message!r}")


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_an_english_shopper_reads_is_free_of_french(key):
    # test_french.py checks the French of each phrase; this checks its English.
    for _french, english in french_and_english(key):
        assert_one_language(english, "en")


def test_every_order_news_is_in_the_shoppers_language(order, language):
    payments.payment_link_start(order=order)
    news = {
        "order.payment_link": {"url": "https://souk.example.com/pay/x/"},
        "order.payment_action": {"url": "https://souk.example.com/pay/x/"},
        "order.payment_failed": {},
        "order.payment_unavailable": {},
        "order.paid": {},
        "order.fulfilled": {},
        "order.refunded": {"amount": 4990},
        "order.cancelled": {"reason": "Out of stock", "by": "shop"},
        "order.paid_too_late": {},
    }
    assert set(news) == set(notifications.BUILDERS), "a new kind of order news to check here"
    Order.objects.filter(pk=order.pk).update(carrier="Colissimo", tracking_number="6A123")
    order.refresh_from_db()

    for event, details in news.items():
        messages = notifications.BUILDERS[event](order, details, language)
        assert messages, event
        for message in messages:
            for text in texts_of(message):
                assert_one_language(text, language)
    expired = notifications.BUILDERS["order.cancelled"](order, {"reason": "expired"}, language)
    assert_one_language(texts_of(expired[0])[0], language)


def test_the_receipt_names_the_items_in_the_shoppers_language(order, language):
    provider = provider_for("test")
    payment = payments.payment_link_start(order=order)
    provider.link_create(payment)
    payments.payment_outcome_record(
        payment=payment, outcome=provider.pay_on_page(payment, "4242424242424242", save=False)
    )
    order.refresh_from_db()

    [receipt, next_steps] = notifications.BUILDERS["order.paid"](order, {}, language)
    text = m.receipt_text(receipt)

    title = "Red wrap dress" if language == "en" else "Robe portefeuille rouge"
    assert f"2 x {title} (38)" in text
    assert_one_language(text, language)
    for line in texts_of(next_steps):
        assert_one_language(line, language)


@pytest.mark.parametrize("code", [*REASONS, "something_new"])
def test_every_decline_reason_is_in_the_shoppers_language(code, language):
    reason = decline_reason(code, language)
    assert_one_language(reason, language)
    if language == "fr":
        assert reason != decline_reason(code, "en"), f"{code} is not translated"


def test_the_delivery_and_returns_answers_are_in_the_shoppers_language(shop, language):
    for answer in (answers.delivery, answers.returns):
        # Nothing written by the brand: the bot offers a person, in the shopper's language.
        for message in answer(shop=shop, language=language).messages:
            for text in texts_of(message):
                assert_one_language(text, language)

    demo_answers(shop)  # the demo writes them in French and English
    shop.refresh_from_db()
    for answer in (answers.delivery, answers.returns):
        [message] = answer(shop=shop, language=language).messages
        assert_one_language(message.text, language)


@pytest.mark.parametrize(
    "statuses",
    [
        {"status": OrderStatus.PENDING},
        {"status": OrderStatus.CONFIRMED},
        {"status": OrderStatus.CONFIRMED, "fulfillment_status": FulfillmentStatus.FULFILLED},
        {"status": OrderStatus.COMPLETED, "fulfillment_status": FulfillmentStatus.DELIVERED},
        {"status": OrderStatus.CANCELLED},
        {"status": OrderStatus.CONFIRMED, "payment_status": PaymentStatus.REFUNDED},
    ],
)
def test_where_is_my_order_is_answered_in_the_shoppers_language(order, language, statuses):
    Order.objects.filter(pk=order.pk).update(
        carrier="Colissimo",
        tracking_number="6A123",
        tracking_url="https://example.com/t",
        **statuses,
    )

    reply = answers.order_status(shop=order.shop, customer=order.customer, language=language)

    for message in reply.messages:
        for text in texts_of(message):
            assert_one_language(text, language)


def page_path(order: Order) -> str:
    payment = payments.payment_link_start(order=order)
    url = provider_for("test").link_create(payment)
    return re.sub(r"^https?://[^/]+", "", url)


ATTRIBUTES_SHOWN = r'(?:placeholder|aria-label|title|alt|value)="([^"]*)"'


def visible_text(page: str) -> str:
    """What the shopper reads on the page: the text between tags, and the texts of the
    attributes a browser shows or speaks."""
    page = re.sub(r'<input type="hidden"[^>]*>', " ", page)  # never shown
    shown = [html.unescape(text) for text in re.findall(ATTRIBUTES_SHOWN, page)]
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<[^>]+>", "\n", body)
    lines = [html.unescape(line).strip() for line in body.splitlines()]
    return "\n".join([line for line in lines if line] + shown)


def test_the_pay_page_is_in_the_shoppers_language(client, order, language):
    path = page_path(order)

    page = client.get(path).content.decode()
    refused = client.post(
        path, {"step": "pay", "card_number": "1234", "expiry": "13 / 20", "cvc": "1"}
    ).content.decode()
    declined = client.post(
        path,
        {"step": "pay", "card_number": "4000 0000 0000 0002", "expiry": NEXT_YEAR, "cvc": "123"},
        follow=True,
    ).content.decode()

    assert f'<html lang="{language}">' in page
    for shown in (page, refused, declined):
        for line in visible_text(shown).splitlines():
            if re.fullmatch(r"[\d\s/:.,#n°+€-]*|4000.*|Souk", line):
                continue  # numbers, a card number or time typed back
            assert_one_language(line, language)
    order.refresh_from_db()
    assert timezone.now() < order.reserved_until  # the page was read, nothing expired it


def test_the_telegram_invoice_and_its_refusals_are_in_the_shoppers_language(order, language):
    text = invoice_text(order=order, language=language)

    for line in (text.title, text.description, *(label for label, _ in text.prices)):
        assert_one_language(line, language)
    from django.utils import translation

    with translation.override(language):
        for refusal in (SOLD_OUT, CHANGED, EXPIRED, CANNOT_SHIP):
            assert_one_language(str(refusal), language)


def test_every_french_text_of_the_po_file_is_typeset_the_french_way():
    # The phrases are checked one by one in test_french.py; this covers every other text the
    # .po translates too (pay page, order news, decline reasons, invoices).
    path = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale="fr")
    for message in catalog:
        if not message.id:
            continue
        for text in message.string if isinstance(message.string, tuple) else (message.string,):
            # Placeholders are filled in later: "%(total)s" or "{total}" is not text.
            assert_french_typography(re.sub(r"%\(\w+\)s|\{\w+\}", "", text))


def test_the_demos_variants_and_delivery_options_are_named_in_the_shoppers_language(
    client, shop, language
):
    """Every size and colour button of the demo's catalog, a receipt and a Telegram invoice
    of each of its variants, and its delivery options on the pay page."""
    for spec in demo_seed.PRODUCTS:
        product_create(
            shop=shop,
            title=spec.title,
            translations={"en": {"title": spec.title_en}},
            variants=demo_seed.variant_rows(spec),
        )
    demo_shipping_rates(shop)
    lea = Customer.objects.create(shop=shop, name="Léa Martin", language=language)
    read = []
    for product in Product.objects.for_shop(shop).prefetch_related("variants"):
        variants = list(product.variants.all())
        read += texts_of(showcase.variant_question(product, variants, lang=language, buy=False))
        cart = cart_open(shop=shop, owner_key=f"audit:{product.pk}")
        for variant in variants:
            if variant.in_stock:  # the demo sells a few out
                cart_add(cart=cart, variant=variant, quantity=1)
        order = checkout_complete(
            checkout=checkout_start(cart=cart, customer=lea, channel=webchat_channel(shop=shop)),
            require_details=False,
        )
        read.append(m.receipt_text(notifications.receipt(order, language)))
        read.append(invoice_text(order=order, language=language).description)
    page = client.get(page_path(order)).content.decode()
    offered = re.findall(r'<label class="pay-choice"[^>]*>.*?<span>(.*?)</span>', page, re.S)
    assert len(offered) == ShippingRate.objects.for_shop(shop).count() == 2
    read += [html.unescape(label) for label in offered]

    for text in read:
        assert_one_language(text, language)
        if language == "en":
            leftover = words(shopper_text(text)) & BRAND_FRENCH_WORDS
            assert not leftover, f"French {leftover} in “{text}”"
