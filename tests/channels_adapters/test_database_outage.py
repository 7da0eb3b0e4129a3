"""The database unreachable for a while: webhooks are refused at once with a 503 the platform
redelivers on (nothing stored, nothing acknowledged), and a reply the platform accepted is
recorded as sent once the database answers again, never sent a second time."""

import hashlib
import hmac
import json
import uuid

import pytest
from django.db import OperationalError, connection

# Imported at collection: a test that patches registry.adapter_for while the URLconf is first
# loaded (test_outbound.py) would otherwise leave the webhooks holding its stand-in.
from channels_adapters import outbound, ratelimit, webhooks  # noqa: F401
from channels_adapters.base import ChannelAdapter, SendResult
from channels_adapters.messages import Text
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundStatus
from channels_adapters.signatures import secret_digest

pytestmark = pytest.mark.django_db

TELEGRAM_SECRET = "telegram-secret-token"


@pytest.fixture
def bot(shop):
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="777",
        credentials={"token": "777:abc"},
        webhook_secret_digest=secret_digest(TELEGRAM_SECRET),
    )


def post_update(client, bot, update_id=5001):
    update = {
        "update_id": update_id,
        "message": {
            "message_id": 10,
            "from": {"id": 42, "is_bot": False, "first_name": "Léa"},
            "chat": {"id": 42, "first_name": "Léa", "type": "private"},
            "date": 1763900000,
            "text": "hello",
        },
    }
    return client.post(
        f"/webhooks/telegram/{bot.pk}/",
        json.dumps(update),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=TELEGRAM_SECRET,
    )


def database_down(monkeypatch):
    """Every query fails as it does while PostgreSQL is stopped: no connection to be had."""

    def refused():
        raise OperationalError("connection refused: is the server running?")

    monkeypatch.setattr(connection, "ensure_connection", refused)


def test_a_webhook_while_the_database_is_down_gets_a_503_then_is_stored_on_redelivery(
    client, bot, monkeypatch
):
    with monkeypatch.context() as patch:
        database_down(patch)
        refused = post_update(client, bot)

    assert refused.status_code == 503
    assert refused["Retry-After"].isdigit()
    assert refused.json() == {"error": "unavailable"}
    assert not InboundEvent.objects.exists()

    assert post_update(client, bot).status_code == 200
    assert InboundEvent.objects.filter(channel=bot, event_id="5001").count() == 1


def test_a_messenger_webhook_while_the_database_is_down_gets_a_503(client, settings, monkeypatch):
    settings.META_APP_SECRET = "meta-app-secret"
    event = {
        "sender": {"id": "PSID1"},
        "recipient": {"id": "1001"},
        "timestamp": 1763900000000,
        "message": {"mid": "m1", "text": "hello"},
    }
    body = json.dumps(
        {"object": "page", "entry": [{"id": "1001", "time": 1763900000000, "messaging": [event]}]}
    ).encode()
    signature = hmac.new(b"meta-app-secret", body, hashlib.sha256).hexdigest()
    database_down(monkeypatch)

    response = client.post(
        "/webhooks/messenger/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=f"sha256={signature}",
    )

    assert response.status_code == 503


class RecordingPlatform(ChannelAdapter):
    """Accepts every payload and remembers it."""

    kind = "recording"
    rate_per_second = 1000.0

    def __init__(self):
        self.delivered: list[str] = []

    def parse(self, payload):
        return []

    def render(self, message):
        return [{"text": message.text}]

    def send(self, account, recipient, payload):
        self.delivered.append(payload["text"])
        return SendResult(platform_message_id=f"pm{len(self.delivered)}")


@pytest.fixture
def platform(monkeypatch):
    recording = RecordingPlatform()
    monkeypatch.setattr(outbound, "adapter_for", lambda kind: recording)
    monkeypatch.setattr(outbound, "_sleep", lambda seconds: None)
    monkeypatch.setattr(ratelimit, "_local", ratelimit._LocalBuckets())
    return recording


def test_a_sent_payload_whose_save_hits_a_lost_connection_is_recorded_not_sent_again(
    shop, platform, monkeypatch, django_capture_on_commit_callbacks
):
    account = ChannelAccount.objects.create(shop=shop, kind="telegram", external_id="outage")
    with django_capture_on_commit_callbacks(execute=False):  # the send runs below, by hand
        (queued,) = outbound.outbound_queue(
            account=account,
            recipient="shopper1",
            conversation_key=f"outage-{uuid.uuid4().hex}",
            messages=[Text("your order is confirmed")],
        )
    real_update = outbound.fast_update
    failures = []

    def update_losing_the_connection_once(message, fields, *args, **kwargs):
        if "next_payload" in fields and not failures:
            failures.append(message.pk)
            raise OperationalError("server closed the connection unexpectedly")
        return real_update(message, fields, *args, **kwargs)

    # Where the sender records what the platform accepted.
    monkeypatch.setattr(outbound, "fast_update", update_losing_the_connection_once)

    outbound.outbound_send_conversation(conversation_key=queued.conversation_key)
    # A later run (the sweeper, a redelivered task) finds nothing left to send.
    outbound.outbound_send_conversation(conversation_key=queued.conversation_key)

    assert failures == [queued.pk]
    assert platform.delivered == ["your order is confirmed"]
    queued.refresh_from_db()
    assert queued.status == OutboundStatus.SENT
    assert queued.platform_message_ids == ["pm1"]
