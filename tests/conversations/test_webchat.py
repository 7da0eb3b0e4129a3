"""The web chat channel through Django's test client: the page, posting what a shopper types or
taps, reading the bot's answers back, and who may read what."""

import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from catalog.services import image_add
from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundMessage
from channels_adapters.webchat import WebChatAdapter
from channels_adapters.webchat import views as webchat_views
from channels_adapters.webchat.visitor import COOKIE_NAME
from conversations.models import Message
from tests.conftest import image_bytes

# Real commits: intake enqueues processing on commit and the bot's replies are sent on commit,
# all in process, so a POST has been answered by the time it returns.
pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_URL = "https://souk.example.com"


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.SOUK_PUBLIC_URL = PUBLIC_URL


def page_url(shop) -> str:
    return f"/chat/{shop.slug}/"


def messages_url(shop) -> str:
    return f"/chat/{shop.slug}/messages"


def visitor(shop) -> Client:
    """A shopper who opened the chat page: they hold the visitor cookie."""
    client = Client()
    assert client.get(page_url(shop)).status_code == 200
    return client


def post(client, shop, **fields):
    body = {"client_id": str(uuid.uuid4()), **fields}
    return client.post(messages_url(shop), data=json.dumps(body), content_type="application/json")


def read(client, shop, after: int = 0) -> list[dict]:
    response = client.get(messages_url(shop), {"after": after})
    assert response.status_code == 200, response.content
    return response.json()


def tap(client, shop, payload: str, title: str = "") -> list[dict]:
    """Taps a button and returns what the log gained: the tap, then the bot's answer."""
    before = read(client, shop)
    after = before[-1]["id"] if before else 0
    assert post(client, shop, payload=payload, title=title).status_code == 202
    return read(client, shop, after)


def options(entry: dict) -> dict[str, str]:
    assert entry["body"]["type"] == "quick_replies", entry
    return {o["title"]: o["payload"] for o in entry["body"]["options"]}


# --- the page -----------------------------------------------------------------------------------


def test_page_renders_the_shop_and_sets_a_signed_httponly_visitor_cookie(client, shop):
    response = client.get(page_url(shop))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Maison Rouge</h1>" in html
    assert "webchat/chat.js" in html and "webchat/chat.css" in html
    assert 'name="csrfmiddlewaretoken"' in html
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == page_url(shop)
    assert int(cookie["max-age"]) >= 300 * 24 * 3600
    assert cookie["secure"]  # DEBUG is off
    assert ":" in cookie.value  # value:timestamp:signature
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_a_returning_visitor_keeps_their_id(shop):
    client = visitor(shop)
    first = client.cookies[COOKIE_NAME].value.split(":")[0]
    client.get(page_url(shop))
    assert client.cookies[COOKIE_NAME].value.split(":")[0] == first


def test_home_page_links_each_shop_to_its_chat(client, shop):
    assert f'href="{page_url(shop)}"' in client.get("/").content.decode()
    assert "Chat with Maison Rouge" in client.get("/").content.decode()


def test_unknown_shop_is_404(client, shop):
    chat = visitor(shop)
    assert client.get("/chat/no-such-shop/").status_code == 404
    assert chat.get("/chat/no-such-shop/messages").status_code == 404
    response = chat.post(
        "/chat/no-such-shop/messages",
        data=json.dumps({"client_id": str(uuid.uuid4()), "text": "hi"}),
        content_type="application/json",
    )
    assert response.status_code == 404


# --- talking with the bot -----------------------------------------------------------------------


def test_start_tap_gets_the_greeting_and_menu(shop):
    client = visitor(shop)

    entries = tap(client, shop, "start")

    assert [e["direction"] for e in entries] == ["in", "out"]
    assert entries[0]["body"]["type"] == "button" and entries[0]["body"]["payload"] == "start"
    assert "sender" not in entries[0]["body"]  # the visitor id stays on the server
    greeting = entries[1]
    assert "Bienvenue chez Maison Rouge" in greeting["body"]["text"]
    assert list(options(greeting)) == [
        "Parcourir",
        "Rechercher",
        "Mon panier",
        "Parler à quelqu'un",
    ]
    assert entries[0]["id"] < entries[1]["id"]
    assert greeting["created_at"]


def test_typed_text_is_logged_and_answered(shop, catalog):
    client = visitor(shop)
    assert post(client, shop, text="robe").status_code == 202

    entries = read(client, shop)

    assert entries[0]["body"] == {
        "type": "text",
        "client_id": entries[0]["body"]["client_id"],
        "text": "robe",
    }
    assert entries[-1]["body"]["type"] == "carousel"


def test_browse_shows_the_categories(shop, catalog):
    client = visitor(shop)
    tap(client, shop, "start")

    entries = tap(client, shop, "browse", "Parcourir")

    assert entries[0]["body"]["title"] == "Parcourir"
    assert list(options(entries[-1])) == ["Robes", "Hauts", "Tout voir"]


def test_product_cards_have_title_price_and_an_image_served_from_media(shop, catalog):
    upload = SimpleUploadedFile("robe.jpg", image_bytes(), content_type="image/jpeg")
    image_add(product=catalog["dress"], upload=upload, alt="Robe rouge")
    client = visitor(shop)
    categories = options(tap(client, shop, "browse", "Parcourir")[-1])

    entries = tap(client, shop, categories["Robes"], "Robes")

    carousel = entries[-1]["body"]
    assert carousel["type"] == "carousel"
    card = carousel["cards"][0]
    assert card["title"] == "Robe portefeuille rouge"
    assert card["price"] == "89,90\xa0€"
    assert card["image_url"].startswith(f"{PUBLIC_URL}/media/")
    assert [b["title"] for b in card["buttons"]] == ["Acheter", "Ajouter au panier"]
    image = client.get(card["image_url"].removeprefix(PUBLIC_URL))
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"


def test_choosing_a_size_puts_one_in_the_cart(shop, catalog):
    client = visitor(shop)
    sizes = options(tap(client, shop, f"p:{catalog['dress'].pk}", "Ajouter au panier")[-1])

    added = tap(client, shop, sizes["Rouge 38"], "Rouge 38")[-1]

    assert "1 x Robe portefeuille rouge (Rouge 38) ajouté au panier" in added["body"]["text"]
    cart = tap(client, shop, options(added)["Voir le panier"], "Voir le panier")
    lines = next(e for e in cart if e["body"]["type"] == "carousel")["body"]["cards"]
    assert lines[0]["title"] == "1 x Robe portefeuille rouge (Rouge 38)"


def test_reading_after_the_last_id_returns_only_newer_entries(shop):
    client = visitor(shop)
    first = tap(client, shop, "start")

    assert read(client, shop, first[-1]["id"]) == []
    assert read(client, shop, 0) == first


def test_a_queued_reply_holds_back_what_follows_it(shop):
    client = visitor(shop)
    entries = tap(client, shop, "start")
    OutboundMessage.objects.update(status="queued")

    assert read(client, shop) == entries[:1]  # the tap; the greeting waits until it is sent


def test_the_same_client_id_is_stored_once(shop):
    client = visitor(shop)
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": "bonjour"})

    for _ in range(2):
        response = client.post(messages_url(shop), data=body, content_type="application/json")
        assert response.status_code == 202

    assert InboundEvent.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1
    assert Message.objects.filter(direction="out").count() == 1


def test_reading_the_log_is_three_queries(shop, django_assert_max_num_queries):
    client = visitor(shop)
    tap(client, shop, "start")
    with django_assert_max_num_queries(3):
        assert len(read(client, shop)) == 2


# --- who may post and read ------------------------------------------------------------------------


def test_no_visitor_cookie_is_403(client, shop):
    assert post(client, shop, text="hi").status_code == 403
    assert client.get(messages_url(shop)).status_code == 403
    assert InboundEvent.objects.count() == 0


def test_tampered_visitor_cookie_is_403(shop):
    client = visitor(shop)
    _visitor, timestamp, signature = client.cookies[COOKIE_NAME].value.split(":")
    client.cookies[COOKIE_NAME] = f"someone-else-entirely-xyz:{timestamp}:{signature}"

    assert post(client, shop, text="hi").status_code == 403
    assert client.get(messages_url(shop)).status_code == 403


def test_a_cookie_from_another_shop_is_403(shop, other_shop):
    client = visitor(other_shop)

    assert client.get(messages_url(shop)).status_code == 403


def test_a_visitor_never_reads_another_visitors_messages(shop):
    alice, bob = visitor(shop), visitor(shop)
    alice_id = alice.cookies[COOKIE_NAME].value.split(":")[0]
    tap(alice, shop, "start")

    assert read(bob, shop) == []
    # Naming Alice in the body changes nothing: the visitor comes from the signed cookie.
    assert post(bob, shop, text="bonjour", visitor=alice_id).status_code == 202
    bob_entries = read(bob, shop)
    assert [e["body"].get("text") for e in bob_entries if e["direction"] == "in"] == ["bonjour"]
    assert all(e["body"].get("payload") != "start" for e in bob_entries)
    assert len(read(alice, shop)) == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "hi"}, "client_id"),
        ({"client_id": "not-a-uuid", "text": "hi"}, "client_id"),
        ({"client_id": 12, "text": "hi"}, "client_id"),
        ({"client_id": "UUID"}, "text"),
        ({"client_id": "UUID", "text": "   "}, "text"),
        ({"client_id": "UUID", "text": "x" * 2001}, "text"),
        ({"client_id": "UUID", "text": ["hi"]}, "text"),
        ({"client_id": "UUID", "payload": "p" * 65}, "payload"),
        ({"client_id": "UUID", "payload": ""}, "payload"),
        ({"client_id": "UUID", "payload": "browse", "text": "hi"}, "payload"),
        ({"client_id": "UUID", "payload": "browse", "title": "t" * 201}, "title"),
        (["not", "an", "object"], "body"),
        ("{not json", "body"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(shop, body, field):
    client = visitor(shop)
    if isinstance(body, dict) and body.get("client_id") == "UUID":
        body["client_id"] = str(uuid.uuid4())
    data = body if isinstance(body, str) else json.dumps(body)

    response = client.post(messages_url(shop), data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert field in response.json()["fields"]
    assert response.json()["message"].startswith(f"{field}: ")
    assert InboundEvent.objects.count() == 0


def test_a_bad_after_is_400(shop):
    response = visitor(shop).get(messages_url(shop), {"after": "-1"})
    assert response.status_code == 400 and "after" in response.json()["fields"]


def test_a_body_over_16_kib_is_413(shop):
    client = visitor(shop)
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": "x" * 17_000})

    response = client.post(messages_url(shop), data=body, content_type="application/json")

    assert response.status_code == 413
    assert InboundEvent.objects.count() == 0


def test_a_flood_from_one_visitor_is_429(shop, monkeypatch):
    monkeypatch.setattr(webchat_views, "VISITOR_BURST", 2)
    monkeypatch.setattr(webchat_views, "VISITOR_RATE_PER_SECOND", 0.01)
    client = visitor(shop)

    statuses = [post(client, shop, text="hi").status_code for _ in range(3)]

    assert statuses == [202, 202, 429]


def test_csrf_is_enforced(shop):
    client = Client(enforce_csrf_checks=True)
    client.get(page_url(shop))
    body = json.dumps({"client_id": str(uuid.uuid4()), "text": "bonjour"})

    refused = client.post(messages_url(shop), data=body, content_type="application/json")
    accepted = client.post(
        messages_url(shop),
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": client.cookies["csrftoken"].value},
    )

    assert refused.status_code == 403
    assert accepted.status_code == 202


def test_a_disabled_web_chat_is_404(shop):
    client = visitor(shop)
    ChannelAccount.objects.filter(shop=shop, kind="webchat").update(status="disabled")
    assert client.get(page_url(shop)).status_code == 404
    assert post(client, shop, text="hi").status_code == 404


# --- the adapter ----------------------------------------------------------------------------------


def test_adapter_parses_text_and_taps():
    adapter = WebChatAdapter()
    [event] = adapter.split(
        {"client_id": str(uuid.uuid4()), "visitor": "v" * 24, "payload": "browse", "title": "Go"}
    )
    [tap_event] = adapter.parse(event.payload)
    assert tap_event == m.ButtonPressed(
        sender=m.Sender(external_id="v" * 24),
        message_id=event.payload["client_id"],
        payload="browse",
        title="Go",
    )
    assert event.event_id.startswith("v" * 24 + ":")
    [text_event] = adapter.parse({"client_id": "c", "visitor": "v" * 24, "text": "hi"})
    assert isinstance(text_event, m.TextReceived) and text_event.text == "hi"


def test_adapter_render_keeps_ten_cards_and_only_http_urls():
    card = m.Card(
        title="T" * 200,
        image_url="javascript:alert(1)",
        buttons=(m.Button("Site", url="javascript:alert(1)"), m.Button("Go", payload="p:1")),
    )
    [payload] = WebChatAdapter().render(m.Carousel(cards=(card,) * 12))

    assert len(payload["cards"]) == 10
    first = payload["cards"][0]
    assert first["image_url"] == "" and len(first["title"]) == 80
    assert first["buttons"] == [{"title": "Go", "payload": "p:1", "url": ""}]


def test_adapter_send_delivers_nothing():
    result = WebChatAdapter().send(None, "visitor", {"type": "text", "text": "hi"})
    assert result.platform_message_id == ""
