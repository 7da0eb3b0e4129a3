"""The test provider's hosted pay page as a shopper meets it: their shop, their language, the
total and how long it is held, the card checked as Stripe's test mode checks it, the details
the chat did not ask, and the way back to the conversation."""

import re
from datetime import date

import pytest
from django.utils import timezone

from channels_adapters.models import ChannelAccount, ChannelKind
from channels_adapters.setup import webchat_channel
from orders.checkout import checkout_complete, checkout_start
from orders.models import Order, ShippingRate
from orders.services import cart_add, cart_open
from payments import services as payments
from payments.models import Payment, PaymentMethod, SandboxCharge
from payments.pay_page import back_to_chat_url
from payments.providers.registry import provider_for

pytestmark = pytest.mark.django_db

NEXT_YEAR = f"12 / {(date.today().year + 1) % 100:02d}"
LAST_YEAR = f"01 / {(date.today().year - 1) % 100:02d}"


def page_path(order: Order) -> str:
    payment = payments.payment_link_start(order=order)
    url = provider_for("test").link_create(payment)
    return re.sub(r"^https?://[^/]+", "", url)


def card(number="4242 4242 4242 4242", expiry=NEXT_YEAR, cvc="123", **more) -> dict:
    return {"step": "pay", "card_number": number, "expiry": expiry, "cvc": cvc, **more}


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="pay-{field}-error">([^<]*)</p>', html)
    return found.group(1) if found else ""


@pytest.fixture
def order(place_order):
    return place_order(1)


@pytest.fixture
def webchat_order(shop, variant, customer):
    cart = cart_open(shop=shop, owner_key="webchat-visitor")
    cart_add(cart=cart, variant=variant, quantity=1)
    checkout = checkout_start(
        cart=cart,
        customer=customer,
        channel=webchat_channel(shop=shop),
        contact_name="Léa Martin",
        contact_phone="+33612345678",
        shipping_address={"text": "12 rue de la Paix, 75002 Paris"},
    )
    return checkout_complete(checkout=checkout, require_details=False)


def test_the_page_is_the_shops_with_total_hold_and_way_back(client, settings, shop, webchat_order):
    html = client.get(page_path(webchat_order)).content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Maison Rouge</h1>" in html and ">Souk<" not in html
    assert "49,90\xa0€" in html
    held = timezone.localtime(webchat_order.reserved_until).strftime("%H:%M")
    assert held in html
    assert f'class="pay-back" href="{settings.SOUK_PUBLIC_URL}/chat/{shop.slug}/"' in html
    assert re.search(r'<link rel="stylesheet" href="/static/payments/pay[.\w]*css">', html)
    assert "<script" not in html and "style=" not in html  # CSP-strict: nothing inline


def test_every_field_says_what_the_browser_may_fill(client, order):
    html = client.get(page_path(order)).content.decode()
    for name, autocomplete in {
        "card_number": "cc-number",
        "expiry": "cc-exp",
        "cvc": "cc-csc",
        "street": "street-address",
        "postal_code": "postal-code",
        "city": "address-level2",
        "country": "country",
    }.items():
        assert re.search(rf'name="{name}"[^>]*autocomplete="{autocomplete}"', html), name


def test_saving_the_card_is_unticked_and_unticked_saves_nothing(client, order):
    path = page_path(order)
    html = client.get(path).content.decode()
    checkbox = re.search(r'<input type="checkbox" name="save_card"[^>]*>', html).group(0)
    assert "checked" not in checkbox
    assert "Maison Rouge" in html.split('for="pay-save_card"')[1].split("</label>")[0]

    details = {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris"}
    response = client.post(path, card(country="FR", **details))
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert not PaymentMethod.objects.exists()


def test_ticking_save_keeps_the_card(client, order):
    details = {"street": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
    client.post(page_path(order), card(save_card="on", **details))
    assert PaymentMethod.objects.get().last4 == "4242"


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("expiry", {"expiry": LAST_YEAR}, "in the past"),
        ("expiry", {"expiry": "13 / 40"}, "month is invalid"),
        ("expiry", {"expiry": "12"}, "incomplete"),
        ("cvc", {"cvc": "12"}, "security code is incomplete"),
        ("card_number", {"number": "5555 5555 5555 4444"}, "use a test card"),
    ],
)
def test_a_bad_card_is_refused_beside_its_field_and_nothing_is_charged(
    client, shop, order, field, typed, error
):
    shop.language = "en"
    shop.save()
    address = {"street": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
    response = client.post(page_path(order), card(**typed, **address))
    assert response.status_code == 400
    html = response.content.decode()
    assert error in field_error(html, field)
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)
    assert Payment.objects.get().state == "pending"
    assert not SandboxCharge.objects.exists()
    assert "5555" not in str(list(Payment.objects.values()))


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("4000 0000 0000 0002", "Your card was declined."),
        ("4000 0000 0000 9995", "Your card has insufficient funds."),
    ],
)
def test_stripes_decline_cards_still_decline(client, shop, webchat_order, number, message):
    shop.language = "en"
    shop.save()
    path = page_path(webchat_order)
    response = client.post(path, card(number))
    assert response.status_code == 302
    webchat_order.refresh_from_db()
    assert webchat_order.payment_status == "failed"
    assert message in client.get(response["Location"]).content.decode()


def test_the_page_asks_only_the_details_the_chat_did_not(client, place_order, webchat_order):
    complete = client.get(page_path(webchat_order)).content.decode()
    assert 'name="street"' not in complete and 'name="contact_name"' not in complete

    order = place_order(1)  # name and phone given in the chat, no address yet
    path = page_path(order)
    html = client.get(path).content.decode()
    assert 'name="street"' in html and 'name="contact_name"' not in html

    missing = client.post(path, card())
    assert missing.status_code == 400
    assert field_error(missing.content.decode(), "street")

    address = {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris"}
    client.post(path, card(country="FR", **address))
    order.refresh_from_db()
    assert order.payment_status == "paid"
    assert order.shipping_address["text"] == "12 rue de la Paix, 75002 Paris, FR"
    assert order.shipping_address["country_code"] == "FR"


def test_a_pickup_order_with_a_name_and_phone_asks_nothing_more(client, shop, place_order):
    order = place_order(1)
    pickup = ShippingRate.objects.create(shop=shop, name="Retrait", kind="pickup")
    Order.objects.filter(pk=order.pk).update(shipping_rate=pickup)
    html = client.get(page_path(order)).content.decode()
    assert '<fieldset class="pay-details">' not in html


def test_a_customer_who_speaks_english_reads_english_in_a_french_shop(
    client, customer, webchat_order
):
    customer.language = "en"
    customer.save()
    html = client.get(page_path(webchat_order)).content.decode()
    assert '<html lang="en">' in html
    assert "€49.90" in html
    assert "Back to the conversation" in html


def test_back_links_open_each_channel(shop):
    def account(kind, external_id, name=""):
        return ChannelAccount(shop=shop, kind=kind, external_id=external_id, name=name)

    assert back_to_chat_url(account(ChannelKind.TELEGRAM, "123", "@maison_bot")) == (
        "https://t.me/maison_bot"
    )
    assert back_to_chat_url(account(ChannelKind.MESSENGER, "10150")) == "https://m.me/10150"
    assert back_to_chat_url(account(ChannelKind.WHATSAPP, "1098", "+33 6 12 34 56 78")) == (
        "https://wa.me/33612345678"
    )
    assert back_to_chat_url(account(ChannelKind.SMS, "+15550001111")) == "sms:+15550001111"
    assert back_to_chat_url(webchat_channel(shop=shop)).endswith(f"/chat/{shop.slug}/")
    assert back_to_chat_url(None) == ""


def test_the_delivery_option_the_chat_left_is_chosen_on_the_page(client, shop, place_order):
    post = ShippingRate.objects.create(
        shop=shop, name="Colissimo", kind="free_above", amount=490, free_above=15000
    )
    pickup = ShippingRate.objects.create(shop=shop, name="Retrait", kind="pickup")
    order = place_order(1)  # no delivery option chosen in the chat
    path = page_path(order)
    html = client.get(path).content.decode()
    assert "Colissimo · 4,90\xa0€ (total 54,80\xa0€)" in html
    assert 'name="shipping_rate"' in html and 'name="street"' in html

    # A pickup needs no address.
    response = client.post(path, card(shipping_rate=str(pickup.pk)))
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.shipping_method, order.total, order.payment_status) == ("Retrait", 4990, "paid")
    assert SandboxCharge.objects.get().amount == 4990

    second = place_order(1)
    path = page_path(second)
    refused = client.post(path, card(shipping_rate=str(post.pk)))
    assert refused.status_code == 400 and field_error(refused.content.decode(), "street")
    address = {"street": "1 rue A", "postal_code": "75001", "city": "Paris", "country": "FR"}
    client.post(path, card(shipping_rate=str(post.pk), **address))
    second.refresh_from_db()
    assert (second.shipping_total, second.total, second.payment_status) == (490, 5480, "paid")
    assert SandboxCharge.objects.get(amount=5480)
