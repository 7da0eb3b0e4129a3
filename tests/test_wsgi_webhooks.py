"""The WSGI application (config/wsgi.py) serves the platforms' webhooks without the pages'
middleware: a webhook is still verified, stored and answered, with the security headers; a
page still gets its session, CSRF and Content-Security-Policy."""

import io
import json

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from channels_adapters.models import ChannelAccount, InboundEvent
from channels_adapters.signatures import secret_digest
from config.webhooks_wsgi import WebhookHandler, with_lean_webhooks

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "s3cret-token-of-the-bot-webhook"


@pytest.fixture
def app():
    # As django.test.Client does: the connection of the test is not closed between requests.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield with_lean_webhooks(WSGIHandler(), WebhookHandler())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(app, method: str, path: str, body: bytes = b"", **headers) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "https",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/json",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    response = app(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()
    return answer["status"], answer["headers"], content


@pytest.fixture
def channel(shop):
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": "123456789:AAFakeToken"},
        webhook_secret_digest=secret_digest(SECRET),
    )


def update(update_id: int) -> bytes:
    chat = {"id": 4242, "type": "private", "first_name": "Léa"}
    message = {"message_id": 1, "from": {"id": 4242, "is_bot": False, "first_name": "Léa"}}
    message.update(chat=chat, date=1763900000, text="Bonjour")
    return json.dumps({"update_id": update_id, "message": message}).encode()


def test_a_webhook_is_stored_and_answered_without_the_pages_middleware(app, channel):
    status, headers, content = call(
        app,
        "POST",
        f"/webhooks/telegram/{channel.pk}/",
        update(1),
        X_TELEGRAM_BOT_API_SECRET_TOKEN=SECRET,
    )

    assert status.startswith("200")
    assert json.loads(content) == {"ok": True}
    assert InboundEvent.objects.filter(channel=channel).count() == 1
    # What the pages' middleware would add is absent; SecurityMiddleware's headers are not.
    assert "Set-Cookie" not in headers and "Content-Security-Policy" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_webhook_with_a_bad_secret_is_refused_and_nothing_stored(app, channel):
    status, _, _ = call(
        app,
        "POST",
        f"/webhooks/telegram/{channel.pk}/",
        update(2),
        X_TELEGRAM_BOT_API_SECRET_TOKEN="wrong",
    )

    assert status.startswith("403")
    assert not InboundEvent.objects.exists()


def test_pages_keep_their_middleware(app):
    status, headers, _ = call(app, "GET", "/accounts/login/")

    assert status.startswith("200")
    assert "Content-Security-Policy" in headers
    assert "csrftoken" in headers.get("Set-Cookie", "")
