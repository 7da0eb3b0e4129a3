"""Fuzzing the platform webhooks through the real URLs, signed as the platform signs: whatever a
(compromised or buggy) platform posts, Souk answers without a server error, and every event it
stored is processed by the worker without an exception."""

import hashlib
import hmac

import pytest
from hypothesis import given
from twilio.request_validator import RequestValidator

from channels_adapters.registry import adapter_for
from tests.fuzz import strategies as fuzz
from tests.fuzz.checks import (
    assert_answered_without_error,
    assert_every_event_processed,
    fresh_start,
    fuzz_settings,
)
from tests.fuzz.conftest import META_APP_SECRET, PUBLIC_URL, TELEGRAM_SECRET

# Real commits: the worker's task runs in process when the stored events commit.
pytestmark = pytest.mark.django_db(transaction=True)


def post_meta(client, path: str, body: bytes):
    signature = "sha256=" + hmac.new(META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        path, body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )


@fuzz_settings
@given(body=fuzz.body_of(fuzz.telegram_updates))
def test_telegram_updates(client, telegram_bot, body):
    fresh_start()
    response = client.post(
        f"/webhooks/telegram/{telegram_bot.pk}/",
        body,
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=TELEGRAM_SECRET,
    )
    assert_answered_without_error(response)
    assert_every_event_processed()


@fuzz_settings
@given(data=fuzz.st.data())
def test_messenger_webhooks(client, messenger_page, data):
    fresh_start()
    body = data.draw(fuzz.body_of(fuzz.messenger_bodies(messenger_page.external_id)))
    assert_answered_without_error(post_meta(client, "/webhooks/messenger/", body))
    assert_every_event_processed()


@fuzz_settings
@given(data=fuzz.st.data())
def test_whatsapp_webhooks(client, whatsapp_number, data):
    fresh_start()
    body = data.draw(fuzz.body_of(fuzz.whatsapp_bodies(whatsapp_number.external_id)))
    assert_answered_without_error(post_meta(client, "/webhooks/whatsapp/", body))
    assert_every_event_processed()


@pytest.fixture
def sms_sent_without_pacing(monkeypatch):
    # A long code sends one SMS a second: the bot's replies would pace the fuzzer to a crawl.
    monkeypatch.setattr(adapter_for("sms"), "rate_per_second", 1000.0)


@fuzz_settings
@given(form=fuzz.sms_forms)
def test_twilio_sms_webhooks(client, sms_number, sms_sent_without_pacing, form):
    fresh_start()
    path = f"/webhooks/sms/{sms_number.pk}/"
    token = sms_number.credentials["auth_token"]
    signature = RequestValidator(token).compute_signature(f"{PUBLIC_URL}{path}", form)
    response = client.post(path, form, HTTP_X_TWILIO_SIGNATURE=signature)
    assert_answered_without_error(response)
    assert response.status_code != 403, "the fuzzer's signature must be Twilio's"
    assert_every_event_processed()
