"""A shop connects its Instagram professional account through the API, and a shopper buys on it:
Meta's webhook (verify handshake, signed POSTs of the `instagram` object) is routed by the
account id, stored once, the bot's replies go to the fake Graph API's `/me/messages` with the
Page token, and the payment link pays the order on the test provider's page."""

import json
import re
import time

import pytest
from django.test import Client

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount, InboundEvent
from orders.models import Order, ShippingRate
from orders.transitions import PaymentStatus
from shops.models import Role
from tests.conftest import client_for
from tests.dashboard.conftest import member, signed_in
from tests.fakes.conftest_plugin import fake_graph  # noqa: F401
from tests.fakes.graph import hub_signature

pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "meta-app-secret-for-tests"
VERIFY_TOKEN = "souk-verify-token"
IGSID = "1234567890123456"
WEBHOOK = "/webhooks/instagram/"


@pytest.fixture
def instagram_channel(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
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
        {"kind": "instagram", "credentials": {"access_token": fake_graph.instagram_token}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


class InstagramShopper:
    """Léa in Instagram Direct: what she does reaches the webhook as Meta signs it."""

    def __init__(self, client, fake):
        self.client, self.fake = client, fake
        self.count = 0

    def deliver(self, event: dict, *, signature: str = ""):
        body = json.dumps(
            {
                "object": "instagram",
                "entry": [
                    {
                        "id": self.fake.instagram_account_id,
                        "time": int(time.time() * 1000),
                        "messaging": [event],
                    }
                ],
            }
        ).encode()
        return self.client.post(
            WEBHOOK,
            body,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature or hub_signature(APP_SECRET, body)},
        )

    def _event(self, **content) -> dict:
        self.count += 1
        return {
            "sender": {"id": IGSID},
            "recipient": {"id": self.fake.instagram_account_id},
            "timestamp": int(time.time() * 1000) + self.count,
            **content,
        }

    def write(self, text: str) -> None:
        mid = f"aWdfZAG1faWQ{self.count}"
        response = self.deliver(self._event(message={"mid": mid, "text": text}))
        assert response.status_code == 200

    def tap(self, label: str) -> None:
        """Taps the postback button `label` of the latest template that has it."""
        for request in reversed(self.fake.requests_for("instagram")):
            for button in _buttons(request.json["message"]):
                if button.get("title") == label and button.get("type") == "postback":
                    postback = {"mid": f"aWdfcG9zdGJhY2s{self.count}", "title": label}
                    postback["payload"] = button["payload"]
                    assert self.deliver(self._event(postback=postback)).status_code == 200
                    return
        raise AssertionError(f"no button {label!r} was sent: {self.sent()}")

    def sent(self) -> list[dict]:
        return [request.json for request in self.fake.requests_for("instagram")]


def _buttons(message: dict) -> list[dict]:
    payload = message.get("attachment", {}).get("payload", {})
    buttons = list(payload.get("buttons", []))
    for element in payload.get("elements", []):
        buttons += element.get("buttons", [])
    return buttons


def test_connecting_finds_the_account_and_sets_its_ice_breakers(
    instagram_channel,
    fake_graph,  # noqa: F811
):
    account = ChannelAccount.objects.get(pk=instagram_channel["id"])
    assert account.external_id == fake_graph.instagram_account_id
    assert fake_graph.instagram_token not in json.dumps(instagram_channel)
    assert account.credentials == {
        "access_token": fake_graph.instagram_token,
        "page_id": fake_graph.page_id,
    }
    # Souk's app is subscribed to the linked Page's webhooks: without it no message arrives.
    subscribe = fake_graph.last("subscribed_apps")
    assert (subscribe.method, subscribe.meta["node"]) == ("POST", fake_graph.page_id)
    assert subscribe.meta["access_token"] == fake_graph.instagram_token
    assert fake_graph.subscriptions == {fake_graph.page_id: ["messages", "messaging_postbacks"]}
    default = next(
        entry
        for entry in fake_graph.instagram_profile["ice_breakers"]
        if entry["locale"] == "default"
    )
    # The shop speaks French: its ice breakers are French by default.
    assert default["call_to_actions"][0] == {
        "question": "Quoi de neuf dans la boutique\u00a0?",
        "payload": "browse",
    }
    assert instagram_channel["webhook_url"] == f"https://souk.example.com{WEBHOOK}"


def test_a_page_subscription_instagram_refuses_connects_nothing(
    shop,
    settings,
    fake_graph,  # noqa: F811
):
    settings.META_GRAPH_URL = fake_graph.url
    fake_graph.error_next(
        "subscribed_apps", 200, "(#200) Requires pages_manage_metadata permission"
    )

    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "instagram", "credentials": {"access_token": fake_graph.instagram_token}},
        format="json",
    )

    assert response.status_code == 400, response.content
    [reason] = response.json()["fields"]["credentials"]
    assert "Instagram refused to send the account's messages to Souk" in reason
    assert "pages_manage_metadata" in reason
    assert not ChannelAccount.objects.filter(shop=shop, kind="instagram").exists()
    assert fake_graph.instagram_profile == {}  # the ice breakers were not set either


def test_a_token_whose_page_has_no_instagram_account_names_the_field(
    shop,
    settings,
    fake_graph,  # noqa: F811
):
    settings.META_GRAPH_URL = fake_graph.url

    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "instagram", "credentials": {"access_token": fake_graph.access_token}},
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "credentials.access_token" in json.dumps(response.json())
    assert not ChannelAccount.objects.filter(kind="instagram").exists()


def test_meta_verify_handshake_echoes_the_challenge(client, instagram_channel):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }

    assert client.get(WEBHOOK, query).content == b"1158201444"
    wrong = client.get(WEBHOOK, {**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403


def test_a_bad_signature_is_403_and_nothing_is_stored(
    client,
    instagram_channel,
    fake_graph,  # noqa: F811
):
    lea = InstagramShopper(client, fake_graph)
    event = lea._event(message={"mid": "aWdfbad", "text": "robe"})

    response = lea.deliver(event, signature="sha256=" + "0" * 64)

    assert response.status_code == 403
    assert InboundEvent.objects.count() == 0


def test_a_message_is_answered_through_graph_once_however_often_delivered(
    client,
    instagram_channel,
    fake_graph,  # noqa: F811
):
    lea = InstagramShopper(client, fake_graph)
    event = lea._event(message={"mid": "aWdfZAG1faWQonce", "text": "robe"})

    for _ in range(2):
        assert lea.deliver(event).status_code == 200

    assert InboundEvent.objects.count() == 1
    sent = lea.sent()
    assert sent and all(body["recipient"] == {"id": IGSID} for body in sent)
    assert "Robe portefeuille rouge" in json.dumps(sent, ensure_ascii=False)
    assert all(
        request.meta["access_token"] == fake_graph.instagram_token
        for request in fake_graph.requests_for("instagram")
    )


def test_a_shopper_buys_on_instagram_and_pays_on_the_page_the_link_opens(
    client,
    instagram_channel,
    fake_graph,  # noqa: F811
):
    lea = InstagramShopper(client, fake_graph)

    lea.write("je cherche une robe rouge")
    lea.tap("Acheter")  # one size: the order and its payment link at once

    links = re.findall(r"https?://[^\s\"]+/pay/[^\s\"]+", json.dumps(lea.sent()))
    assert links, f"no payment link was sent: {lea.sent()}"
    browser = Client()
    path = re.sub(r"^https?://[^/]+", "", links[-1])
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


def test_the_dashboard_connects_an_instagram_account_with_its_form(
    manager_client,
    shop,
    settings,
    fake_graph,  # noqa: F811
):
    settings.META_GRAPH_URL = fake_graph.url
    page = manager_client.get("/dashboard/channels/connect/instagram/").content.decode()
    assert 'type="password" name="access_token"' in page

    refused = manager_client.post(
        "/dashboard/channels/connect/instagram/", {"access_token": fake_graph.access_token}
    )
    assert refused.status_code == 200
    assert "Aucun compte professionnel Instagram" in refused.content.decode()  # a French shop

    done = manager_client.post(
        "/dashboard/channels/connect/instagram/", {"access_token": fake_graph.instagram_token}
    )
    assert done.status_code == 302
    account = ChannelAccount.objects.get(shop=shop, kind="instagram")
    assert account.external_id == fake_graph.instagram_account_id
    assert account.name == f"@{fake_graph.instagram_username}"


def test_the_reply_window_is_explained_in_the_agents_language():
    from datetime import UTC, datetime, timedelta

    from django.utils import translation

    from channels_adapters.registry import adapter_for

    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    with translation.override("fr"):
        window = adapter_for("instagram").reply_window(now - timedelta(hours=2), now)
    assert window.open
    assert window.explanation.startswith("Instagram\u00a0: dans la fenêtre de 24 heures")
