"""The test provider's pay page opened from WeChat: beside the card, a WeChat Pay choice that
says, in the shopper's language, what Stripe would do, and simulates WeChat Pay's answer so a
whole purchase is testable. Card payments stay as they are."""

import re

import pytest
from django.test import Client

from channels_adapters.models import ChannelAccount
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start
from orders.models import Order
from orders.services import cart_add, cart_open
from orders.transitions import PaymentStatus
from payments import services as payments
from payments.models import PaymentMethod, PaymentState
from payments.providers.registry import provider_for
from tests.channels_adapters.test_wechat_e2e import (  # noqa: F401 (fixtures)
    OPENID,
    WeChatShopper,
    fake_wechat,
    wechat_channel,
)

pytestmark = pytest.mark.django_db

WECHAT_BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI"
)
ADDRESS = {"street": "12 rue de la Paix", "postal_code": "75002", "city": "Paris", "country": "FR"}


def page_path(order: Order) -> str:
    payment = payments.payment_link_start(order=order)
    url = provider_for("test").link_create(payment)
    return re.sub(r"^https?://[^/]+", "", url)


def order_in(shop, variant, customer, kind: str) -> Order:
    channel, _ = ChannelAccount.objects.get_or_create(
        shop=shop, kind=kind, external_id=f"{kind}-account", defaults={"credentials": {"t": "x"}}
    )
    cart = cart_open(shop=shop, owner_key=str(customer.pk))
    cart_add(cart=cart, variant=variant, quantity=1)
    checkout = checkout_start(
        cart=cart,
        customer=customer,
        channel=channel,
        contact_name="Léa Martin",
        contact_phone="+33612345678",
    )
    return checkout_complete(checkout=checkout, require_details=False)


@pytest.fixture(autouse=True)
def test_provider(settings):
    settings.STRIPE_SECRET_KEY = ""  # the test provider hosts the page


def test_opened_from_wechat_the_page_offers_wechat_pay_beside_the_card_in_french(
    client, shop, variant, customer
):
    html = client.get(page_path(order_in(shop, variant, customer, "wechat"))).content.decode()

    assert "Ou payez avec WeChat Pay" in html
    assert "confirmer le paiement dans WeChat" in html and "code QR" in html
    assert "de test ne fait que simuler la réponse\xa0; rien n\u2019est débité" in html
    assert 'name="wallet" value="approve"' in html and 'name="wallet" value="decline"' in html
    assert 'name="card_number"' in html  # the card stays available


def test_the_explanation_is_in_chinese_for_a_chinese_shopper(client, shop, variant):
    shop.languages = ["zh-hans"]
    shop.save(update_fields=["languages"])
    customer = Customer.objects.create(shop=shop, name="王芳", language="zh-hans")
    html = client.get(page_path(order_in(shop, variant, customer, "wechat"))).content.decode()

    assert "或使用微信支付" in html
    assert "在微信中确认付款" in html and "二维码" in html
    assert "使用微信支付\uff08测试\uff1a成功\uff09" in html


def test_a_telegram_order_has_no_wechat_pay_unless_opened_in_wechat(
    client, shop, variant, customer
):
    path = page_path(order_in(shop, variant, customer, "telegram"))

    assert "WeChat Pay" not in client.get(path).content.decode()
    forwarded = client.get(path, HTTP_USER_AGENT=WECHAT_BROWSER).content.decode()
    assert "Ou payez avec WeChat Pay" in forwarded


def test_wechat_pay_succeeds_the_order_is_paid_with_the_details_and_nothing_is_saved(
    client, shop, variant, customer
):
    order = order_in(shop, variant, customer, "wechat")
    path = page_path(order)

    response = client.post(path, {"step": "pay", "wallet": "approve", **ADDRESS})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.shipping_address["city"] == "Paris"
    assert not PaymentMethod.objects.filter(customer=customer).exists()
    assert "Paiement reçu" in client.get(path).content.decode()


def test_wechat_pay_declined_says_so_in_french_and_the_card_can_still_pay(
    client, shop, variant, customer
):
    order = order_in(shop, variant, customer, "wechat")
    path = page_path(order)

    client.post(path, {"step": "pay", "wallet": "decline", **ADDRESS})
    html = client.get(path).content.decode()

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED
    assert "Votre application de paiement a refusé le paiement." in html
    card = {"card_number": "4242 4242 4242 4242", "expiry": "12 / 40", "cvc": "123"}
    client.post(path, {"step": "pay", **card})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert order.payments.filter(state=PaymentState.SUCCEEDED).count() == 1


def test_the_wallet_button_is_ignored_where_no_wallet_is_offered(client, shop, variant, customer):
    order = order_in(shop, variant, customer, "telegram")

    response = client.post(page_path(order), {"step": "pay", "wallet": "approve", **ADDRESS})

    assert response.status_code == 400  # the card is still required: nothing was paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING


@pytest.mark.django_db(transaction=True)  # the chat's replies go out on commit
def test_a_shopper_buys_in_wechat_and_pays_with_wechat_pay_receipt_once(
    client,
    wechat_channel,  # noqa: F811 (the fixture imported above)
    fake_wechat,  # noqa: F811
):
    lea = WeChatShopper(client, wechat_channel, fake_wechat)
    lea.write("je cherche une robe rouge")
    lea.tap("Acheter")
    pay_link = next(link for link in lea.links() if "/pay/" in link)
    browser = Client(HTTP_USER_AGENT=WECHAT_BROWSER)
    path = re.sub(r"^https?://[^/]+", "", pay_link)
    sent_before = len(fake_wechat.messages_to(OPENID))

    assert "Ou payez avec WeChat Pay" in browser.get(path).content.decode()
    details = {"contact_name": "Léa Martin", "contact_phone": "+33 6 12 34 56 78", **ADDRESS}
    response = browser.post(path, {"step": "pay", "wallet": "approve", **details})

    assert response.status_code == 302, response.content.decode()[-2000:]
    order = Order.objects.get()
    assert (order.payment_status, order.total) == (PaymentStatus.PAID, 8990 + 490)
    after = fake_wechat.messages_to(OPENID)[sent_before:]
    receipts = [m for m in after if "est réglée" in m.get("text", {}).get("content", "")]
    assert len(receipts) == 1  # one receipt in WeChat, with the address typed on the page
    assert "12 rue de la Paix, 75002 Paris" in receipts[0]["text"]["content"]
    assert not PaymentMethod.objects.filter(customer=order.customer).exists()
