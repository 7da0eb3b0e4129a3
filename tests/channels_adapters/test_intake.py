"""Webhook intake: verified on the raw body, stored once per platform event id, processed
once, nothing lost when the broker drops a task."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from twilio.request_validator import RequestValidator

from channels_adapters import tasks
from channels_adapters.models import ChannelAccount, InboundEvent
from channels_adapters.services import MAX_PROCESSING_ATTEMPTS
from channels_adapters.signatures import secret_digest

# Real commits: the processing task is enqueued on commit, as in production.
pytestmark = pytest.mark.django_db(transaction=True)

APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "verify-me"
TELEGRAM_SECRET = "telegram-secret-token"
TWILIO_TOKEN = "twilio-auth-token"

HANDLED: list = []


def recording_handler(*, account, events):
    HANDLED.extend((account.pk, event) for event in events)


def failing_handler(*, account, events):
    raise RuntimeError("the bot tripped")


@pytest.fixture(autouse=True)
def meta_settings(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.SOUK_INBOUND_HANDLER = f"{__name__}.recording_handler"
    HANDLED.clear()
    return settings


@pytest.fixture
def page(shop):
    return ChannelAccount.objects.create(
        shop=shop, kind="messenger", external_id="1001", credentials={"access_token": "t"}
    )


@pytest.fixture
def wa_number(shop):
    return ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="5550001", credentials={"access_token": "t"}
    )


@pytest.fixture
def bot(shop):
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="777",
        credentials={"token": "777:abc"},
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


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def messenger_text(mid: str, text: str = "hello", psid: str = "PSID1") -> dict:
    return {
        "sender": {"id": psid},
        "recipient": {"id": "1001"},
        "timestamp": 1763900000000,
        "message": {"mid": mid, "text": text},
    }


def messenger_body(*entries) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {"id": page_id, "time": 1763900000000, "messaging": events}
                for page_id, events in entries
            ],
        }
    ).encode()


def post_meta(client, path: str, body: bytes, signature: str | None = None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature if signature is not None else sign(body)}
    return client.post(path, body, content_type="application/json", **headers)


# --- Meta handshake and signatures ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/webhooks/messenger/", "/webhooks/whatsapp/"])
def test_meta_verification_handshake(client, path):
    ok = client.get(
        path, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"}
    )
    wrong = client.get(
        path, {"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"}
    )

    assert (ok.status_code, ok.content) == (200, b"42")
    assert wrong.status_code == 403


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "sha1=abc", sign(b"other body"), sign(b"x", secret="wrong")],
)
def test_bad_or_missing_meta_signature_is_403_and_stores_nothing(client, page, signature):
    body = messenger_body(("1001", [messenger_text("m.1")]))
    response = post_meta(client, "/webhooks/messenger/", body, signature)

    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_signature_is_checked_on_the_raw_bytes(client, page):
    body = messenger_body(("1001", [messenger_text("m.1")]))
    reformatted = json.dumps(json.loads(body), indent=2).encode()  # same JSON, other bytes

    assert post_meta(client, "/webhooks/messenger/", reformatted, sign(body)).status_code == 403


def test_no_app_secret_configured_refuses_everything(client, page, settings):
    settings.META_APP_SECRET = ""
    body = messenger_body(("1001", [messenger_text("m.1")]))
    assert post_meta(client, "/webhooks/messenger/", body, sign(body, secret="")).status_code == 403


# --- Storing, routing, dedupe -------------------------------------------------------------------


def test_batched_messenger_entries_are_each_stored_and_processed(client, page, shop, make_shop):
    other_page = ChannelAccount.objects.create(
        shop=make_shop(), kind="messenger", external_id="2002", credentials={}
    )
    body = messenger_body(
        ("1001", [messenger_text("m.1", "hi"), messenger_text("m.2", "robe rouge")]),
        ("2002", [messenger_text("m.3", "bonjour")]),
    )

    response = post_meta(client, "/webhooks/messenger/", body)

    assert response.status_code == 200
    stored = {e.event_id: e for e in InboundEvent.objects.all()}
    assert set(stored) == {"m.1", "m.2", "m.3"}
    assert stored["m.3"].channel == other_page and stored["m.3"].shop_id == other_page.shop_id
    assert all(e.processed_at is not None for e in stored.values())
    assert sorted(event.text for _, event in HANDLED) == ["bonjour", "hi", "robe rouge"]


def test_same_event_delivered_five_times_is_stored_and_handled_once(client, page):
    body = messenger_body(("1001", [messenger_text("m.dup", "hi")]))

    statuses = [post_meta(client, "/webhooks/messenger/", body).status_code for _ in range(5)]

    assert statuses == [200] * 5
    assert InboundEvent.objects.count() == 1
    assert len(HANDLED) == 1


def test_unknown_page_is_acknowledged_and_dropped(client, page):
    body = messenger_body(("9999", [messenger_text("m.x")]))
    response = post_meta(client, "/webhooks/messenger/", body)
    assert response.status_code == 200
    assert not InboundEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", json.dumps({"object": "instagram", "entry": []}).encode()],
)
def test_malformed_meta_body_is_400(client, page, body):
    response = post_meta(client, "/webhooks/messenger/", body)
    assert response.status_code == 400
    assert not InboundEvent.objects.exists()


def test_body_over_one_mebibyte_is_413(client, page):
    body = messenger_body(("1001", [messenger_text("m.big", "x" * (1024 * 1024))]))
    response = post_meta(client, "/webhooks/messenger/", body)
    assert response.status_code == 413
    assert not InboundEvent.objects.exists()


def test_whatsapp_is_routed_by_phone_number_id(client, wa_number):
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "WABA1",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550001",
                                    "phone_number_id": "5550001",
                                },
                                "contacts": [{"profile": {"name": "Ana"}, "wa_id": "33612345678"}],
                                "messages": [
                                    {
                                        "from": "33612345678",
                                        "id": "wamid.ABC",
                                        "timestamp": "1763900000",
                                        "type": "text",
                                        "text": {"body": "Bonjour"},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()

    assert post_meta(client, "/webhooks/whatsapp/", body).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.channel, event.event_id) == (wa_number, "wamid.ABC")
    assert [e.text for _, e in HANDLED] == ["Bonjour"]


# --- Telegram ------------------------------------------------------------------------------------


def telegram_update(update_id: int = 5001, text: str = "/start") -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 10,
            "from": {"id": 42, "is_bot": False, "first_name": "Léa", "language_code": "fr"},
            "chat": {"id": 42, "first_name": "Léa", "type": "private"},
            "date": 1763900000,
            "text": text,
        },
    }


def post_telegram(client, channel_id, body, secret=TELEGRAM_SECRET):
    headers = {"HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": secret} if secret else {}
    data = body if isinstance(body, bytes) else json.dumps(body)
    return client.post(
        f"/webhooks/telegram/{channel_id}/", data, content_type="application/json", **headers
    )


def test_telegram_update_with_the_right_secret_is_stored_once(client, bot):
    assert post_telegram(client, bot.pk, telegram_update()).status_code == 200
    assert post_telegram(client, bot.pk, telegram_update()).status_code == 200

    event = InboundEvent.objects.get()
    assert event.event_id == "5001"
    assert [e.text for _, e in HANDLED] == ["/start"]


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_telegram_wrong_or_missing_secret_is_403(client, bot, secret):
    assert post_telegram(client, bot.pk, telegram_update(), secret=secret).status_code == 403
    assert not InboundEvent.objects.exists()


def test_telegram_unknown_channel_is_200_and_dropped(client, bot):
    assert post_telegram(client, bot.pk + 100, telegram_update()).status_code == 200
    assert not InboundEvent.objects.exists()


def tap_update(update_id: int = 5002, query_id: str = "4382bfdwdsb323b2d9") -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": query_id,
            "from": {"id": 42, "is_bot": False, "first_name": "Léa"},
            "message": {"message_id": 11, "chat": {"id": 42, "type": "private"}, "date": 1},
            "chat_instance": "-1",
            "data": "browse",
        },
    }


def test_a_tap_is_answered_in_the_webhooks_response_and_on_redelivery(client, bot):
    # The spinner stops once the tap is stored, and a redelivery (the first response lost)
    # is answered too: Telegram makes the call in the response itself.
    for _ in range(2):
        response = post_telegram(client, bot.pk, tap_update())
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "method": "answerCallbackQuery",
            "callback_query_id": "4382bfdwdsb323b2d9",
        }
    assert InboundEvent.objects.get().event_id == "5002"
    assert [e.payload for _, e in HANDLED] == ["browse"]


def test_a_message_is_answered_with_a_plain_ok(client, bot):
    response = post_telegram(client, bot.pk, telegram_update())
    assert response.json() == {"ok": True}


@pytest.mark.parametrize("query_id", ["", None, ["4382"], {"id": 1}, "x" * 5000])
def test_a_tap_without_a_usable_query_id_is_stored_and_answered_with_ok(client, bot, query_id):
    update = tap_update()
    update["callback_query"]["id"] = query_id
    response = post_telegram(client, bot.pk, update)
    assert (response.status_code, response.json()) == (200, {"ok": True})
    assert InboundEvent.objects.count() == 1


@pytest.mark.parametrize("body", [b"garbage", b'{"message": {}}'])
def test_telegram_malformed_update_is_400(client, bot, body):
    assert post_telegram(client, bot.pk, body).status_code == 400


# --- SMS -----------------------------------------------------------------------------------------


def sms_params(sid: str = "SM0001", body: str = "Hello") -> dict:
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": "+15550001111",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": "AC123",
        "From": "+33612345678",
        "ApiVersion": "2010-04-01",
    }


def post_sms(client, channel_id, params, token=TWILIO_TOKEN):
    url = f"http://127.0.0.1:8000/webhooks/sms/{channel_id}/"
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(f"/webhooks/sms/{channel_id}/", params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_sms_signed_by_twilio_is_stored_and_answered_with_empty_twiml(client, sms_number):
    response = post_sms(client, sms_number.pk, sms_params())

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response></Response>" in response.content
    assert InboundEvent.objects.get().event_id == "SM0001"
    assert [e.text for _, e in HANDLED] == ["Hello"]


def test_sms_with_a_bad_signature_is_403(client, sms_number):
    response = post_sms(client, sms_number.pk, sms_params(), token="not-the-token")
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_sms_params_tampered_after_signing_are_403(client, sms_number):
    params = sms_params()
    url = f"http://127.0.0.1:8000/webhooks/sms/{sms_number.pk}/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, params)
    params["Body"] = "Send me everything"
    response = client.post(
        f"/webhooks/sms/{sms_number.pk}/", params, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 403


# --- Nothing lost: failures and the sweeper -------------------------------------------------------


@pytest.fixture
def broker_down(monkeypatch):
    """Tasks enqueued by the webhook never reach a worker."""
    monkeypatch.setattr(tasks.inbound_event_process, "delay_on_commit", lambda *args: None)


def test_event_whose_task_was_lost_is_processed_by_the_sweeper(client, page, broker_down):
    body = messenger_body(("1001", [messenger_text("m.lost", "still here?")]))
    assert post_meta(client, "/webhooks/messenger/", body).status_code == 200
    event = InboundEvent.objects.get()
    assert event.processed_at is None

    assert tasks.inbound_events_sweep() == 0  # too fresh: its task may still be on its way
    InboundEvent.objects.update(received_at=timezone.now() - timedelta(minutes=5))
    assert tasks.inbound_events_sweep() == 1

    event.refresh_from_db()
    assert event.processed_at is not None
    assert [e.text for _, e in HANDLED] == ["still here?"]


def test_failed_processing_is_recorded_and_retried_until_the_limit(client, page, settings):
    settings.SOUK_INBOUND_HANDLER = f"{__name__}.failing_handler"
    body = messenger_body(("1001", [messenger_text("m.fail")]))

    assert post_meta(client, "/webhooks/messenger/", body).status_code == 200  # stored: 200

    event = InboundEvent.objects.get()
    assert event.processed_at is None and event.attempts >= 1
    assert "the bot tripped" in event.last_error
    InboundEvent.objects.update(
        received_at=timezone.now() - timedelta(minutes=5), attempts=MAX_PROCESSING_ATTEMPTS
    )
    assert tasks.inbound_events_sweep() == 0  # given up on: waits for a person


def test_intake_query_budget(client, page, broker_down):
    body = messenger_body(("1001", [messenger_text(f"m.q{n}") for n in range(10)]))
    with CaptureQueriesContext(connection) as queries:
        assert post_meta(client, "/webhooks/messenger/", body).status_code == 200
    transaction_control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT")
    statements = [q["sql"] for q in queries if not q["sql"].startswith(transaction_control)]
    assert len(statements) <= 2, statements  # route the page, insert the 10 events
    assert InboundEvent.objects.count() == 10


IN_HANDLER = threading.Event()
RELEASE_HANDLER = threading.Event()


def slow_handler(*, account, events):
    """Holds its processing transaction open, as a worker busy with one event does."""
    IN_HANDLER.set()
    RELEASE_HANDLER.wait(10)


@pytest.mark.services
def test_two_workers_process_two_events_of_the_same_channel_at_once(
    require_postgres, page, settings
):
    """A regression: the worker locked the event's channel and shop rows with it, so a second
    worker skipped every other event of that channel as "held by another worker" and left it
    unprocessed until the sweeper."""
    from django.db import connection as db

    from channels_adapters import services

    first, second = (
        InboundEvent.objects.create(
            shop=page.shop, channel=page, event_id=f"m-{n}", payload=messenger_text(f"m-{n}")
        )
        for n in (1, 2)
    )
    settings.SOUK_INBOUND_HANDLER = f"{__name__}.slow_handler"
    IN_HANDLER.clear()
    RELEASE_HANDLER.clear()

    def busy_worker():
        try:
            services.inbound_event_process(event_id=first.pk)
        finally:
            db.close()

    worker = threading.Thread(target=busy_worker)
    worker.start()
    try:
        assert IN_HANDLER.wait(10)
        settings.SOUK_INBOUND_HANDLER = f"{__name__}.recording_handler"
        assert services.inbound_event_process(event_id=second.pk) is True
    finally:
        RELEASE_HANDLER.set()
        worker.join(10)
    assert InboundEvent.objects.filter(processed_at__isnull=False).count() == 2
