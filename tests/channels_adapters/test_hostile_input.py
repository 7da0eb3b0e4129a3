"""Hostile input at the webhooks and the web chat (issue 11): one test per failure measured
black-box. Each answered a 500 or was accepted and then crashed in the worker, leaving the
shopper without an answer; each now gets a clear 4xx, or is stored, processed and answered."""

import hashlib
import hmac
import json
import time
import uuid

import pytest
import stripe
from django.test import Client

from channels_adapters.models import ChannelAccount, InboundEvent
from channels_adapters.signatures import secret_digest
from conversations.models import Direction, Message
from payments.models import ProviderEvent
from tests.fakes.conftest_plugin import fake_graph, fake_telegram  # noqa: F401

# Real commits: processing is enqueued on commit and runs in process, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "meta-app-secret"
TELEGRAM_SECRET = "telegram-secret-token"
TWILIO_TOKEN = "twilio-auth-token"
STRIPE_SECRET = "whsec_hostile"
DEEP = b"[" * 8000

HANDLED: list = []


def recording_handler(*, account, events):
    HANDLED.extend(events)


@pytest.fixture(autouse=True)
def platforms(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.STRIPE_WEBHOOK_SECRET = STRIPE_SECRET
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    HANDLED.clear()


@pytest.fixture
def page(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="messenger",
        external_id="1001",
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def wa_number(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="whatsapp",
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def bot(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="777",
        credentials={"token": fake_telegram.token},
        webhook_secret_digest=secret_digest(TELEGRAM_SECRET),
    )


@pytest.fixture
def sms_number(shop):
    return ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id="+15550001111",
        credentials={"account_sid": "AC123", "auth_token": TWILIO_TOKEN},
    )


def meta_signature(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


def post_meta(client, path: str, body: bytes):
    return client.post(
        path, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=meta_signature(body)
    )


def post_telegram(client, bot, body: bytes, secret: str = TELEGRAM_SECRET):
    return client.post(
        f"/webhooks/telegram/{bot.pk}/",
        body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
    )


def post_stripe(client, body: str, signature: str | None = None):
    header = signature or stripe.WebhookSignature.generate_signature_header(body, STRIPE_SECRET)
    return client.post(
        "/webhooks/stripe/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def messenger(*events) -> bytes:
    entry = {"id": "1001", "time": 1763900000000, "messaging": list(events)}
    return json.dumps({"object": "page", "entry": [entry]}).encode()


def messenger_text(mid: str = "m.1", psid: str = "PSID1", text: str = "bonjour") -> dict:
    return {"sender": {"id": psid}, "timestamp": 1, "message": {"mid": mid, "text": text}}


def telegram_message(**content) -> dict:
    message = {
        "message_id": 7,
        "from": {"id": 4242, "is_bot": False, "first_name": "Léa"},
        "chat": {"id": 4242, "type": "private"},
        "date": 1763900000,
        **content,
    }
    return {"update_id": 9001, "message": message}


def whatsapp(message: dict, phone_number_id: str) -> bytes:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "Sheena"}, "wa_id": "16505551234"}],
        "messages": [message],
    }
    entry = {"id": "WABA", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def webchat_visitor(shop) -> Client:
    client = Client()
    assert client.get(f"/chat/{shop.slug}/").status_code == 200
    return client


def bot_replies() -> list[Message]:
    return list(Message.objects.filter(direction=Direction.OUTBOUND))


def the_only_event() -> InboundEvent:
    [event] = InboundEvent.objects.all()
    return event


# --- A non-ASCII signature header: 403, not a 500 from hmac.compare_digest ----------------------


@pytest.mark.parametrize("path", ["/webhooks/messenger/", "/webhooks/whatsapp/"])
def test_a_non_ascii_meta_signature_is_403(client, page, path):
    body = messenger(messenger_text())
    response = client.post(
        path, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256="sha256=é"
    )
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_non_ascii_twilio_signature_is_403(client, sms_number):
    response = client.post(
        f"/webhooks/sms/{sms_number.pk}/",
        {"MessageSid": "SM1", "From": "+33612345678", "Body": "hi"},
        HTTP_X_TWILIO_SIGNATURE="é",
    )
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_non_ascii_telegram_secret_is_403(client, bot):
    response = post_telegram(client, bot, json.dumps(telegram_message(text="hi")).encode(), "é")
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_a_non_ascii_stripe_signature_is_403(client):
    body = json.dumps({"id": "evt_1", "object": "event", "type": "charge.succeeded"})
    response = post_stripe(client, body, signature=f"t={int(time.time())},v1=é")
    assert response.status_code == 403
    assert not ProviderEvent.objects.exists()


# --- Deeply nested JSON: 400 naming the depth, not a RecursionError -----------------------------


def assert_refused_as_too_deep(response):
    assert response.status_code == 400
    assert "nested" in response.json()["message"]


@pytest.mark.parametrize("path", ["/webhooks/messenger/", "/webhooks/whatsapp/"])
def test_deeply_nested_json_at_a_meta_webhook_is_400(client, page, path):
    assert_refused_as_too_deep(post_meta(client, path, DEEP))
    assert not InboundEvent.objects.exists()


def test_deeply_nested_json_at_the_telegram_webhook_is_400(client, bot):
    assert_refused_as_too_deep(post_telegram(client, bot, DEEP))
    assert not InboundEvent.objects.exists()


def test_deeply_nested_json_at_the_stripe_webhook_is_400(client):
    assert_refused_as_too_deep(post_stripe(client, DEEP.decode()))
    assert not ProviderEvent.objects.exists()


def test_deeply_nested_json_at_the_web_chat_is_400(shop):
    response = webchat_visitor(shop).post(
        f"/chat/{shop.slug}/messages", DEEP, content_type="application/json"
    )
    assert_refused_as_too_deep(response)
    assert response.json()["fields"].keys() == {"body"}
    assert not InboundEvent.objects.exists()


# --- Signed bodies with NaN or Infinity: 400, nothing stored ------------------------------------
# --- and a list where an object belongs: the event is left out, its siblings stored -------------


def test_a_signed_meta_body_with_nan_is_400_and_stores_nothing(client, page):
    body = messenger(messenger_text()).replace(b'"timestamp": 1', b'"timestamp": NaN')
    response = post_meta(client, "/webhooks/messenger/", body)
    assert response.status_code == 400
    assert "NaN" in response.json()["message"]
    assert not InboundEvent.objects.exists()


def test_a_signed_telegram_update_with_infinity_is_400_and_stores_nothing(client, bot):
    body = b'{"update_id": 1, "message": {"date": Infinity}}'
    response = post_telegram(client, bot, body)
    assert response.status_code == 400
    assert "Infinity" in response.json()["message"]
    assert not InboundEvent.objects.exists()


def test_a_signed_stripe_event_with_nan_is_400_and_stores_nothing(client):
    body = '{"id": "evt_1", "object": "event", "type": "charge.succeeded", "amount": -Infinity}'
    assert post_stripe(client, body).status_code == 400
    assert not ProviderEvent.objects.exists()


def test_a_list_where_a_messenger_event_belongs_leaves_that_event_out(client, page, caplog):
    body = messenger(["not", "an", "event"], messenger_text(mid="m.kept"))

    assert post_meta(client, "/webhooks/messenger/", body).status_code == 200

    assert the_only_event().event_id == "m.kept"
    warnings = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert [r.levelname for r in warnings] == ["WARNING"]
    assert "messenger" in warnings[0].getMessage() and "not an object" in warnings[0].getMessage()


def test_a_list_where_a_whatsapp_change_value_belongs_is_acknowledged_and_stores_nothing(
    client, wa_number
):
    entry = {"id": "WABA", "changes": [{"field": "messages", "value": [{"messages": []}]}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()
    assert post_meta(client, "/webhooks/whatsapp/", body).status_code == 200
    assert not InboundEvent.objects.exists()


# --- Accepted input whose processing crashed: now processed, and the shopper answered ------------


def test_a_lone_surrogate_in_web_chat_text_is_a_400_and_nothing_is_stored(shop):
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": "caf"}).replace("caf", "caf\\ud800")
    response = webchat_visitor(shop).post(
        f"/chat/{shop.slug}/messages", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "surrogate" in response.json()["message"]
    assert not InboundEvent.objects.exists()


def test_a_lone_surrogate_in_a_sender_id_is_kept_and_the_shopper_answered(client, page):
    body = messenger(messenger_text(psid="PSID1")).replace(b'"PSID1"', b'"PSID\\udc801"')

    assert post_meta(client, "/webhooks/messenger/", body).status_code == 200

    event = the_only_event()
    assert event.processed_at is not None and event.last_error == ""
    assert event.payload["sender"]["id"] == "PSID\ufffd1"
    assert bot_replies()


def test_from_as_a_string_is_processed_and_the_shopper_answered(client, bot, fake_telegram):  # noqa: F811
    update = telegram_message(text="bonjour")
    update["message"]["from"] = "Léa"

    assert post_telegram(client, bot, json.dumps(update).encode()).status_code == 200

    event = the_only_event()
    assert event.processed_at is not None
    assert event.last_error == "Unreadable: message.from is a string, not an object"
    assert fake_telegram.chat_messages(4242), "the shopper got no answer"


def test_an_unhashable_message_type_is_processed_and_the_shopper_answered(client, wa_number):
    message = {
        "from": "16505551234",
        "id": "wamid.1",
        "timestamp": "1763900000",
        "type": "interactive",
        "interactive": {"type": ["button_reply"], "button_reply": {"id": "browse"}},
    }

    response = post_meta(client, "/webhooks/whatsapp/", whatsapp(message, wa_number.external_id))

    assert response.status_code == 200
    event = the_only_event()
    assert event.processed_at is not None
    assert event.last_error == "Unreadable: interactive.type is a list, not a string"
    assert bot_replies()


def test_a_nul_in_a_location_is_kept_as_a_replacement_character(client, bot, fake_telegram):  # noqa: F811
    update = telegram_message(
        location={"latitude": 48.85, "longitude": 2.35},
        venue={"title": "Caf\u0000", "address": "1 rue de Rivoli"},
    )

    assert post_telegram(client, bot, json.dumps(update).encode()).status_code == 200

    event = the_only_event()
    assert event.processed_at is not None and event.last_error == ""
    [shared] = Message.objects.filter(direction=Direction.INBOUND)
    assert shared.body["address"] == "Caf\ufffd, 1 rue de Rivoli"
    assert fake_telegram.chat_messages(4242)


def test_a_messenger_delivery_whose_mids_is_a_string_is_not_iterated(client, page, settings):
    settings.SOUK_INBOUND_HANDLER = f"{__name__}.recording_handler"
    delivery = {"sender": {"id": "PSID1"}, "delivery": {"mids": "m" * 100_000, "watermark": 1}}

    assert post_meta(client, "/webhooks/messenger/", messenger(delivery)).status_code == 200

    event = the_only_event()
    assert event.processed_at is not None
    assert event.last_error == "Unreadable: delivery.mids is a string, not a list"
    assert HANDLED == []
