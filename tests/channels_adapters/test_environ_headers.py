"""The webhook views read their one signature header straight from the WSGI environ
(webhooks.EnvironHeaders) instead of building Django's request.headers: same answers."""

from django.http.request import HttpHeaders

from channels_adapters.base import header
from channels_adapters.webhooks import EnvironHeaders

META = {
    "HTTP_X_HUB_SIGNATURE_256": "sha256=abc",
    "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN": "s3cret",
    "CONTENT_TYPE": "application/json",
    "CONTENT_LENGTH": "42",
    "REQUEST_METHOD": "POST",
    "wsgi.input": object(),
}


def test_a_header_is_found_by_any_case_of_its_name():
    headers = EnvironHeaders(META)
    assert header(headers, "X-Hub-Signature-256") == "sha256=abc"
    assert header(headers, "x-hub-signature-256") == "sha256=abc"
    assert header(headers, "X-Telegram-Bot-Api-Secret-Token") == "s3cret"
    assert header(headers, "Content-Type") == "application/json"


def test_a_missing_header_reads_as_empty():
    assert header(EnvironHeaders(META), "X-Hub-Signature-256x") == ""
    assert header(EnvironHeaders({}), "X-Hub-Signature-256") == ""


def test_they_are_the_headers_django_would_give():
    assert dict(EnvironHeaders(META)) == dict(HttpHeaders(META))
    assert len(EnvironHeaders(META)) == len(HttpHeaders(META)) == 4
