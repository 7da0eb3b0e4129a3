"""Connecting channel accounts through the API: platform checks first, all or nothing,
credentials in but never out, another shop's channel is a 404."""

import json

import pytest

from channels_adapters.models import ChannelAccount
from tests.fakes.conftest_plugin import fake_graph, fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def platforms(settings, fake_telegram, fake_graph):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.META_GRAPH_URL = fake_graph.url
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"


def connect(api, **body):
    return api.post("/api/v1/channels/", body, format="json")


def test_every_shop_has_a_web_chat_channel(api, shop):
    channels = api.get("/api/v1/channels/").json()["results"]
    assert [(c["kind"], c["webhook_url"]) for c in channels] == [
        ("webchat", f"https://souk.example.com/chat/{shop.slug}/")
    ]


def test_bad_telegram_token_is_a_400_with_telegrams_reason_and_nothing_stored(api):
    response = connect(api, kind="telegram", credentials={"token": "999:not-a-real-token"})

    assert response.status_code == 400
    assert "Telegram refused the token" in response.json()["fields"]["credentials"][0]
    assert not ChannelAccount.objects.filter(kind="telegram").exists()


def test_credentials_are_never_returned(api, fake_telegram):  # noqa: F811
    created = connect(api, kind="telegram", credentials={"token": fake_telegram.token}).json()
    listed = api.get("/api/v1/channels/").json()
    detail = api.get(f"/api/v1/channels/{created['id']}/").json()

    for body in (created, listed, detail):
        assert fake_telegram.token not in json.dumps(body)
        assert "credentials" not in json.dumps(body)


def test_deleting_a_telegram_channel_removes_its_webhook(api, fake_telegram):  # noqa: F811
    created = connect(api, kind="telegram", credentials={"token": fake_telegram.token}).json()
    assert fake_telegram.webhook_for()

    assert api.delete(f"/api/v1/channels/{created['id']}/").status_code == 204
    assert fake_telegram.requests_for("deleteWebhook")
    assert not ChannelAccount.objects.filter(pk=created["id"]).exists()


def test_the_same_bot_cannot_be_connected_twice(api, other_api, fake_telegram):  # noqa: F811
    assert (
        connect(api, kind="telegram", credentials={"token": fake_telegram.token}).status_code == 201
    )
    again = connect(other_api, kind="telegram", credentials={"token": fake_telegram.token})
    assert again.status_code == 400
    assert "already connected" in again.json()["message"]


def test_messenger_page_gets_get_started_greeting_and_menu(api, fake_graph, shop):  # noqa: F811
    response = connect(
        api,
        kind="messenger",
        external_id="1001",
        credentials={"access_token": fake_graph.access_token},
    )

    assert response.status_code == 201, response.json()
    assert response.json()["webhook_url"] == "https://souk.example.com/webhooks/messenger/"
    profile = fake_graph.messenger_profile
    assert profile["get_started"] == {"payload": "start"}
    assert "Maison Rouge" in json.dumps(profile["greeting"], ensure_ascii=False)
    assert "persistent_menu" in profile


def test_messenger_refusal_leaves_nothing_behind(api, fake_graph):  # noqa: F811
    fake_graph.fail_with("messenger_profile", "invalid_token")
    response = connect(
        api, kind="messenger", external_id="1001", credentials={"access_token": "bad"}
    )
    assert response.status_code == 400
    assert not ChannelAccount.objects.filter(kind="messenger").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "kind": "sms",
                "external_id": "0612",
                "credentials": {"account_sid": "AC1", "auth_token": "t"},
            },
            "external_id",
        ),
        (
            {"kind": "sms", "external_id": "+15550001111", "credentials": {"account_sid": "AC1"}},
            "credentials.auth_token",
        ),
        (
            {"kind": "whatsapp", "external_id": "abc", "credentials": {"access_token": "t"}},
            "external_id",
        ),
        ({"kind": "fax", "credentials": {}}, "kind"),
        ({"kind": "webchat", "credentials": {}}, "kind"),
        ({"kind": "telegram", "credentials": {}}, "credentials.token"),
        ({"kind": "telegram", "credentials": {"token": "x"}, "colour": "red"}, "colour"),
    ],
)
def test_bad_channel_bodies_name_the_field(api, body, field):
    response = api.post("/api/v1/channels/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert not ChannelAccount.objects.exclude(kind="webchat").exists()


def test_sms_and_whatsapp_connect_with_their_webhook_urls(api):
    sms = connect(
        api,
        kind="sms",
        external_id="+15550001111",
        credentials={"account_sid": "AC1", "auth_token": "tok"},
    ).json()
    whatsapp = connect(
        api, kind="whatsapp", external_id="5550001", credentials={"access_token": "t"}
    ).json()

    assert sms["webhook_url"] == f"https://souk.example.com/webhooks/sms/{sms['id']}/"
    assert whatsapp["webhook_url"] == "https://souk.example.com/webhooks/whatsapp/"


def test_another_shops_channel_is_404(api, other_api, fake_telegram):  # noqa: F811
    created = connect(api, kind="telegram", credentials={"token": fake_telegram.token}).json()

    assert other_api.get(f"/api/v1/channels/{created['id']}/").status_code == 404
    assert other_api.delete(f"/api/v1/channels/{created['id']}/").status_code == 404
    assert ChannelAccount.objects.filter(pk=created["id"]).exists()
    ids = [c["id"] for c in other_api.get("/api/v1/channels/").json()["results"]]
    assert created["id"] not in ids


def test_the_web_chat_channel_cannot_be_deleted(api):
    webchat = api.get("/api/v1/channels/").json()["results"][0]
    response = api.delete(f"/api/v1/channels/{webchat['id']}/")
    assert response.status_code == 400
