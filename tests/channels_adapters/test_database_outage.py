"""The database unreachable for a while: webhooks are refused at once with a 503 the platform
redelivers on (nothing stored, nothing acknowledged), and a reply the platform accepted is
recorded as sent once the database answers again, never sent a second time."""

import hashlib
import hmac
import json

import pytest
from django.db import OperationalError, connection

from channels_adapters.models import ChannelAccount, InboundEvent
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
