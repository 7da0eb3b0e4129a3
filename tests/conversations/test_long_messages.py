"""Nothing a shopper writes is cut: a Telegram message of 4,000 characters and a web chat
message at the composer's limit are stored whole and shown whole to the brand, in the inbox and
through the API. Run on PostgreSQL too (DATABASE_URL), where a bounded column would refuse or
the old code cut the text at 500."""

import json
import uuid

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from channels_adapters.webchat.wire import MAX_TEXT_CHARS
from conversations.models import Conversation, Direction, Message
from shops.models import Membership, Role, User
from tests.conftest import client_for
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


def long_text(length: int, marker: str) -> str:
    """Words and line breaks up to exactly `length` characters, ending with `marker`, so a cut
    anywhere loses the marker."""
    body = ("Bonjour, je voudrais savoir si la robe existe en bleu.\n" * 100)[
        : length - len(marker)
    ]
    return body + marker


def brand(shop) -> Client:
    user = User.objects.create_user(f"agent-{shop.pk}@example.com", "a-long-test-password")
    Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": Role.AGENT})
    client = Client()
    client.force_login(user)
    return client


def shown_in_the_inbox(shop, conversation: Conversation, text: str) -> bool:
    page = brand(shop).get(
        reverse("dashboard:inbox_conversation", kwargs={"conversation_id": conversation.pk})
    )
    assert page.status_code == 200
    # The inbox writes line breaks as <br>: the text is there whole, line by line.
    html = page.content.decode().replace("<br>", "\n")
    return text in html


def test_a_4000_character_telegram_message_is_stored_and_shown_whole(
    shop,
    settings,
    fake_telegram,  # noqa: F811
    client,
):
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"  # Telegram's webhooks are https
    response = client_for(shop).post(
        "/api/v1/channels/",
        {"kind": "telegram", "credentials": {"token": fake_telegram.token}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    channel = response.json()
    text = long_text(4000, "FIN-DU-MESSAGE")
    update = {
        "update_id": 1,
        "message": {
            "message_id": 7,
            "from": {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"},
            "chat": {"id": 4242, "type": "private"},
            "date": 1763900000,
            "text": text,
        },
    }

    response = client.post(
        f"/webhooks/telegram/{channel['id']}/",
        json.dumps(update),
        content_type="application/json",
        headers=fake_telegram.secret_header(),
    )

    assert response.status_code == 200
    received = Message.objects.get(direction=Direction.INBOUND)
    assert len(received.text) == 4000
    assert received.text == text
    assert received.body["text"] == text
    assert shown_in_the_inbox(shop, received.conversation, text)
    api = client_for(shop).get(f"/api/v1/conversations/{received.conversation_id}/messages/")
    assert text in [message["text"] for message in api.json()["results"]]


def test_a_web_chat_message_at_the_composers_limit_is_stored_and_shown_whole(shop):
    visitor = Client()
    assert visitor.get(f"/chat/{shop.slug}/").status_code == 200
    text = long_text(MAX_TEXT_CHARS, "FIN-DU-MESSAGE")

    def post(message: str):
        return visitor.post(
            f"/chat/{shop.slug}/messages",
            data=json.dumps({"client_id": str(uuid.uuid4()), "text": message}),
            content_type="application/json",
        )

    assert post(text).status_code == 202
    received = Message.objects.get(direction=Direction.INBOUND)
    assert received.text == text
    assert shown_in_the_inbox(shop, received.conversation, text)
    # One more character is refused whole, saying why, never stored cut.
    refused = post(text + "!")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"text": [f"At most {MAX_TEXT_CHARS} characters."]}
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


def test_the_message_log_needs_no_migration_to_hold_long_texts():
    """Message.text is an unbounded text column in the migrations as in the model: nothing
    is left for makemigrations to write (it exits non-zero if it would)."""
    assert Message._meta.get_field("text").max_length is None
    call_command("makemigrations", "conversations", "--check", "--dry-run", verbosity=0)
