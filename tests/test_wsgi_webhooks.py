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


def call(
    app, method: str, path: str, body: bytes = b"", *, scheme: str = "https", **headers
) -> tuple[str, dict, bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "443" if scheme == "https" else "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": scheme,
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


def telegram_post(send, target, channel, body: bytes, secret: str = SECRET, **options):
    """`send(target, …)` (call or _same_answer) of an Update to the channel's webhook."""
    return send(
        target,
        "POST",
        f"/webhooks/telegram/{channel.pk}/",
        body,
        X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
        **options,
    )


def test_a_webhook_is_stored_and_answered_without_the_pages_middleware(app, channel):
    status, headers, content = telegram_post(call, app, channel, update(1))

    assert status.startswith("200")
    assert json.loads(content) == {"ok": True}
    assert InboundEvent.objects.filter(channel=channel).count() == 1
    # What the pages' middleware would add is absent; SecurityMiddleware's headers are not.
    assert "Set-Cookie" not in headers and "Content-Security-Policy" not in headers
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_webhook_with_a_bad_secret_is_refused_and_nothing_stored(app, channel):
    status, _, _ = telegram_post(call, app, channel, update(2), secret="wrong")

    assert status.startswith("403")
    assert not InboundEvent.objects.exists()


def test_pages_keep_their_middleware(app):
    status, headers, _ = call(app, "GET", "/accounts/login/")

    assert status.startswith("200")
    assert "Content-Security-Policy" in headers
    assert "csrftoken" in headers.get("Set-Cookie", "")


# --- The direct path of the busiest webhooks (served_directly views) --------------------------


class ChainedWebhookHandler(WebhookHandler):
    """The webhooks' handler without its direct path: every request through Django's chain."""

    def get_response(self, request):
        return WSGIHandler.get_response(self, request)


def both_paths():
    """(direct, chained) applications, built after the test's settings are in place."""
    site = WSGIHandler()
    return with_lean_webhooks(site, WebhookHandler()), with_lean_webhooks(
        site, ChainedWebhookHandler()
    )


@pytest.fixture
def paths(app):  # `app` keeps the test's database connection open between requests
    return both_paths()


@pytest.mark.parametrize(
    ("path", "direct"),
    [
        ("/webhooks/telegram/7/", True),
        ("/webhooks/messenger/", True),
        ("/webhooks/whatsapp/", True),
        ("/webhooks/instagram/", True),
        ("/webhooks/sms/7/", False),  # Twilio's signature covers the URL: the full handler
        ("/webhooks/wechat/7/", False),
        ("/webhooks/stripe/", False),
        ("/webhooks/nowhere/", False),
        ("/webhooks/telegram/not-a-number/", False),
    ],
)
def test_only_the_busiest_webhook_posts_take_the_direct_path(path, direct):
    from django.urls import get_resolver

    from config.webhooks_wsgi import _direct_route

    assert (_direct_route(path, get_resolver()) is not None) is direct


def _same_answer(paths, method, path, body=b"", **options):
    answers = [call(app, method, path, body, **options) for app in paths]
    (status, headers_direct, content), (status_chained, headers_chained, content_chained) = answers
    assert status == status_chained
    assert content == content_chained
    for name in ("Content-Type", "X-Content-Type-Options", "Referrer-Policy", "Location"):
        assert headers_direct.get(name) == headers_chained.get(name), name
    return status, headers_direct, content


def test_a_telegram_update_is_answered_alike_on_both_paths(paths, channel):
    status, headers, content = telegram_post(_same_answer, paths, channel, update(10))
    assert status.startswith("200") and json.loads(content) == {"ok": True}
    assert headers["X-Content-Type-Options"] == "nosniff"
    # The second copy of update 10 is the platform redelivering it: stored once.
    assert InboundEvent.objects.filter(channel=channel).count() == 1


@pytest.mark.parametrize(
    ("body", "secret", "expected"),
    [
        (update(11), "wrong", "403"),
        (b"{not json", SECRET, "400"),
        (b"[1, 2]", SECRET, "400"),
        (b"x" * (1024 * 1024 + 1), SECRET, "413"),
    ],
    ids=["bad secret", "not json", "not an update", "too large"],
)
def test_refusals_are_alike_on_both_paths_and_store_nothing(paths, channel, body, secret, expected):
    status, _, _ = telegram_post(_same_answer, paths, channel, body, secret=secret)
    assert status.startswith(expected)
    assert not InboundEvent.objects.exists()


def test_a_host_not_allowed_is_a_400_on_both_paths(paths, channel, settings):
    settings.ALLOWED_HOSTS = ["shop.example.com"]
    status, _, _ = telegram_post(_same_answer, paths, channel, update(12))
    assert status.startswith("400")
    assert not InboundEvent.objects.exists()


def test_plain_http_is_redirected_alike_when_https_is_required(app, channel, settings):
    settings.SECURE_SSL_REDIRECT = True
    paths = both_paths()  # SecurityMiddleware reads the setting when it is built
    status, headers, _ = telegram_post(_same_answer, paths, channel, update(13), scheme="http")
    assert status.startswith("301")
    assert headers["Location"] == f"https://testserver/webhooks/telegram/{channel.pk}/"
    assert not InboundEvent.objects.exists()


def test_an_error_in_the_view_is_the_sites_500_on_both_paths(paths, channel, monkeypatch, caplog):
    from channels_adapters import intake

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(intake, "inbound_events_store", broken)
    with caplog.at_level("ERROR", logger="django.request"):
        status, _, _ = telegram_post(_same_answer, paths, channel, update(14))
    assert status.startswith("500")
    # Logged with its traceback on both paths, as Django's handler logs it.
    assert sum("a bug" in (r.exc_text or str(r.exc_info)) for r in caplog.records) == 2


def test_the_direct_path_does_not_go_through_djangos_chain(app, channel, monkeypatch):
    def chained(self, request):
        raise AssertionError("went through the middleware chain")

    application = with_lean_webhooks(WSGIHandler(), WebhookHandler())
    monkeypatch.setattr(WSGIHandler, "get_response", chained)

    status, _, _ = telegram_post(call, application, channel, update(15))
    assert status.startswith("200")
    assert InboundEvent.objects.filter(channel=channel).count() == 1
    # A GET is not a served_directly request: it takes the chain (here, the patched one).
    with pytest.raises(AssertionError, match="middleware chain"):
        call(application, "GET", f"/webhooks/telegram/{channel.pk}/")
