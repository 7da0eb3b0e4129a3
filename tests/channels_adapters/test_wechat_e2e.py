"""A shop connects its WeChat Official Account through the API, and a shopper buys on it: pushes
come to the account's own server URL signed (plain or safe mode), are stored once and answered
`success`, the bot's replies go to the fake WeChat API as customer-service messages, and the
payment link the shopper opens from WeChat pays the order on the test provider's page."""

import json
import re
from urllib.parse import urlencode

import pytest
from django.test import Client

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundMessage
from orders.models import Order, ShippingRate
from orders.transitions import PaymentStatus
from shops.models import Role
from tests.conftest import client_for
from tests.dashboard.conftest import member, signed_in
from tests.fakes.wechat import FakeWeChat
from tests.shops.test_crypto import raw_credentials

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oLEA_0123456789abcdefghijklmn"
PUBLIC_URL = "https://souk.example.com"


@pytest.fixture
def fake_wechat():
    with FakeWeChat() as fake:
        yield fake


def credentials(fake: FakeWeChat) -> dict:
    return {
        "app_id": fake.app_id,
        "app_secret": fake.app_secret,
        "token": fake.token,
        "encoding_aes_key": fake.encoding_aes_key,
    }


@pytest.fixture
def wechat_channel(shop, settings, fake_wechat):
    settings.WECHAT_API_URL = fake_wechat.url
    settings.SOUK_PUBLIC_URL = PUBLIC_URL
    category_create(shop=shop, name="Robes")
    product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        variants=[
            {
                "sku": "ROBE-R-38",
                "name": "Rouge 38",
                "options": {"size": "38"},
                "price": 8990,
                "stock": 3,
            }
        ],
    )
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490, position=1)
    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "wechat", "credentials": credentials(fake_wechat)},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def server_path(channel: dict) -> str:
    return channel["webhook_url"].removeprefix(PUBLIC_URL)


class WeChatShopper:
    """Léa in WeChat: what she sends is pushed to the account's server URL as WeChat would."""

    def __init__(self, client, channel: dict, fake: FakeWeChat, *, safe: bool = True):
        self.client, self.channel, self.fake, self.safe = client, channel, fake, safe

    def push(self, fields: dict):
        query, body = self.fake.push(fields, safe=self.safe)
        self.fake.shopper_writes(OPENID)
        return self.client.post(
            f"{server_path(self.channel)}?{_query(query)}", body, content_type="text/xml"
        )

    def write(self, text: str) -> None:
        response = self.push(self.fake.text(OPENID, text))
        assert (response.status_code, response.content) == (200, b"success")

    def tap(self, label: str) -> None:
        """Taps the option `label` of the latest msgmenu that has it."""
        for message in reversed(self.fake.messages_to(OPENID)):
            for item in message.get("msgmenu", {}).get("list", []):
                if item["content"] == label:
                    response = self.push(self.fake.text(OPENID, label, menu_id=item["id"]))
                    assert response.status_code == 200
                    return
        raise AssertionError(f"no option {label!r} was sent: {self.fake.messages_to(OPENID)}")

    def links(self) -> list[str]:
        texts = [m["text"]["content"] for m in self.fake.messages_to(OPENID) if "text" in m]
        return re.findall(r"https?://\S+", "\n".join(texts))


def _query(query: dict) -> str:
    return urlencode(query)


def test_connecting_stores_the_credentials_encrypted_and_sets_the_menu(
    shop, wechat_channel, fake_wechat
):
    account = ChannelAccount.objects.get(pk=wechat_channel["id"])
    assert account.external_id == fake_wechat.app_id
    assert account.credentials["encoding_aes_key"] == fake_wechat.encoding_aes_key
    stored = raw_credentials(account.pk)  # encrypted at rest, as every channel's
    assert fake_wechat.app_secret not in stored and fake_wechat.encoding_aes_key not in stored
    shown = json.dumps(wechat_channel)
    for secret in (fake_wechat.app_secret, fake_wechat.token, fake_wechat.encoding_aes_key):
        assert secret not in shown
    # The shop's menu, in its language (French), as click buttons the bot understands.
    assert [(b["name"], b["key"]) for b in fake_wechat.menu["button"]] == [
        ("Parcourir", "browse"),
        ("Mon panier", "cart"),
        ("Mes commandes", "orders"),
    ]
    assert server_path(wechat_channel) == f"/webhooks/wechat/{account.pk}/"


def test_a_wrong_appsecret_is_refused_and_nothing_is_stored(shop, settings, fake_wechat):
    settings.WECHAT_API_URL = fake_wechat.url
    wrong = {**credentials(fake_wechat), "app_secret": "e" * 32}

    response = client_for(shop).post(
        "/api/v1/channels/", {"kind": "wechat", "credentials": wrong}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "WeChat refused" in response.content.decode()
    assert "e" * 32 not in response.content.decode()
    assert not ChannelAccount.objects.filter(kind="wechat").exists()


def test_the_server_url_check_echoes_echostr(client, wechat_channel, fake_wechat):
    query = fake_wechat.handshake("8132457812345")

    response = client.get(server_path(wechat_channel), query)

    assert (response.status_code, response.content) == (200, b"8132457812345")


def test_a_bad_signature_is_403_and_nothing_is_stored(client, wechat_channel, fake_wechat):
    query, body = fake_wechat.push(fake_wechat.text(OPENID, "bonjour"))
    query["signature"] = "0" * 40

    response = client.post(
        f"{server_path(wechat_channel)}?{_query(query)}", body, content_type="text/xml"
    )

    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0
    # A URL check whose nonce is not the signed one is refused too.
    tampered = {**fake_wechat.handshake(), "nonce": "1"}
    assert client.get(server_path(wechat_channel), tampered).status_code == 403


def test_a_safe_mode_message_delivered_twice_is_stored_once_and_answered_once(
    client, wechat_channel, fake_wechat
):
    lea = WeChatShopper(client, wechat_channel, fake_wechat, safe=True)
    fields = fake_wechat.text(OPENID, "robe")

    for _ in range(2):  # WeChat retries a push it thinks unanswered
        response = lea.push(fields)
        assert (response.status_code, response.content) == (200, b"success")

    assert InboundEvent.objects.count() == 1
    assert OutboundMessage.objects.count() == 1
    sent = fake_wechat.messages_to(OPENID)
    assert sent, "the bot answered nothing"
    assert any("Robe portefeuille rouge" in json.dumps(m, ensure_ascii=False) for m in sent)


def test_a_push_for_an_account_no_shop_has_is_answered_and_dropped(client, fake_wechat):
    query, body = fake_wechat.push(fake_wechat.text(OPENID, "bonjour"))

    response = client.post(f"/webhooks/wechat/999999/?{_query(query)}", body, "text/xml")

    assert (response.status_code, response.content) == (200, b"success")
    assert client.get("/webhooks/wechat/999999/", fake_wechat.handshake()).status_code == 404
    assert InboundEvent.objects.count() == 0


def test_a_shopper_buys_on_wechat_and_pays_on_the_page_the_link_opens(
    client, wechat_channel, fake_wechat
):
    lea = WeChatShopper(client, wechat_channel, fake_wechat)

    lea.write("je cherche une robe rouge")
    lea.tap("Acheter")  # one size: the order and its payment link at once

    texts = [m["text"]["content"] for m in fake_wechat.messages_to(OPENID) if "text" in m]
    assert any(t.startswith("Payer 94,80\u00a0€\nhttps://") for t in texts), texts
    pay_links = [link for link in lea.links() if "/pay/" in link]
    assert pay_links, f"no payment link was sent: {fake_wechat.messages_to(OPENID)}"
    browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger/8.0.47")
    path = re.sub(r"^https?://[^/]+", "", pay_links[-1])
    assert browser.get(path).status_code == 200
    form = {"step": "pay", "card_number": "4242 4242 4242 4242", "expiry": "12 / 34"}
    details = {
        "cvc": "123",
        "contact_name": "Léa Martin",
        "contact_phone": "+33 6 12 34 56 78",
        "street": "12 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "country": "FR",
    }
    response = browser.post(path, {**form, **details})
    assert response.status_code == 302, response.content.decode()[-2000:]

    order = Order.objects.get()
    assert (order.payment_status, order.total) == (PaymentStatus.PAID, 8990 + 490)
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("ROBE-R-38", 1)]


@pytest.fixture
def manager_client(shop):
    return signed_in(member(shop, Role.MANAGER))


def test_the_dashboard_connects_a_wechat_account_with_its_form(
    manager_client, shop, settings, fake_wechat
):
    settings.WECHAT_API_URL = fake_wechat.url
    settings.SOUK_PUBLIC_URL = PUBLIC_URL
    assert 'href="/dashboard/channels/connect/wechat/"' in (
        manager_client.get("/dashboard/channels/").content.decode()
    )
    page = manager_client.get("/dashboard/channels/connect/wechat/").content.decode()
    assert 'name="app_id"' in page
    assert 'type="password" name="app_secret"' in page

    refused = manager_client.post(
        "/dashboard/channels/connect/wechat/", {**credentials(fake_wechat), "app_id": "wx12"}
    )
    assert refused.status_code == 200
    assert "Un AppID est" in refused.content.decode()  # the error, in the shop's French
    assert fake_wechat.app_secret not in refused.content.decode()  # never rendered back

    done = manager_client.post("/dashboard/channels/connect/wechat/", credentials(fake_wechat))
    assert done.status_code == 302
    account = ChannelAccount.objects.get(shop=shop, kind="wechat")
    assert account.external_id == fake_wechat.app_id
    shown = manager_client.get("/dashboard/channels/").content.decode()
    assert f"{PUBLIC_URL}/webhooks/wechat/{account.pk}/" in shown
