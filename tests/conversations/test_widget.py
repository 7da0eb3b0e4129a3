"""The chat a brand embeds in its own site: the widget script's address, the embedded page
(framable by any site, unlike every other Souk page), and its messages endpoint, where the
visitor is a signed header instead of a cookie."""

import json
import re
import uuid

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from channels_adapters.webchat.widget_views import VISITOR_HEADER, visitor_token

pytestmark = pytest.mark.django_db(transaction=True)


def embed_url(shop) -> str:
    return f"/chat/{shop.slug}/embed/"


def chat_config(response) -> dict:
    found = re.search(
        r'<script id="chat-config" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(found.group(1))


def embedded_visitor(shop) -> tuple[Client, dict]:
    """A page in a brand's site: no cookies reach the frame, CSRF checks are on."""
    client = Client(enforce_csrf_checks=True)
    response = client.get(embed_url(shop))
    assert response.status_code == 200
    config = chat_config(response)
    return client, {VISITOR_HEADER: config["visitorToken"]}


def post(client, url, headers, **fields):
    body = json.dumps({"client_id": str(uuid.uuid4()), **fields})
    return client.post(url, data=body, content_type="application/json", headers=headers)


def test_the_widget_script_has_a_stable_address_any_site_may_load(client):
    response = client.get("/chat/widget.js")
    assert response.status_code == 302
    assert re.match(r"^/static/webchat/widget(\.\w+)?\.js$", response["Location"])
    assert response["Access-Control-Allow-Origin"] == "*"
    assert finders.find("webchat/widget.js")


def test_only_the_embedded_chat_may_be_framed_by_another_site(client, shop):
    embedded = client.get(embed_url(shop))
    assert "frame-ancestors *" in embedded["Content-Security-Policy"]
    assert "X-Frame-Options" not in embedded
    assert "script-src 'self'" in embedded["Content-Security-Policy"]  # still no inline script

    page = client.get(f"/chat/{shop.slug}/")
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert page["X-Frame-Options"] == "DENY"
    assert client.get("/").get("X-Frame-Options") == "DENY"


def test_the_embedded_chat_takes_the_brands_colour_and_ignores_anything_else(client, shop):
    assert chat_config(client.get(embed_url(shop), {"color": "#0a7e8c"}))["accent"] == "#0a7e8c"
    hostile = client.get(embed_url(shop), {"color": "red;background:url(x)"})
    assert chat_config(hostile)["accent"] == ""


def test_an_embedded_visitor_talks_with_a_header_and_no_csrf_cookie(shop):
    client, headers = embedded_visitor(shop)
    url = f"/chat/{shop.slug}/embed/messages"
    client.cookies.clear()  # a third-party frame gets none

    assert post(client, url, headers, payload="start").status_code == 202
    log = client.get(url, {"after": 0}, headers=headers).json()
    assert log[0]["direction"] == "in"
    assert any(entry["direction"] == "out" for entry in log)  # the bot greeted

    assert post(client, url, {}, text="hello").status_code == 403
    forged = {VISITOR_HEADER: visitor_token("A" * 24, shop_slug="another-shop")}
    assert post(client, url, forged, text="hello").status_code == 403
    assert client.get(url, {"after": 0}, headers=forged).status_code == 403


def test_the_full_page_chat_still_requires_its_csrf_token(shop):
    client = Client(enforce_csrf_checks=True)
    client.get(f"/chat/{shop.slug}/")
    response = post(client, f"/chat/{shop.slug}/messages", {}, text="hello")
    assert response.status_code == 403


def test_a_text_over_the_limit_is_refused_whole_never_cut(shop):
    client, headers = embedded_visitor(shop)
    limit = chat_config(client.get(embed_url(shop)))["maxChars"]
    url = f"/chat/{shop.slug}/embed/messages"
    response = post(client, url, headers, text="a" * (limit + 1))
    assert response.status_code == 400
    assert response.json()["fields"] == {"text": [f"At most {limit} characters."]}
    assert post(client, url, headers, text="a" * limit).status_code == 202
