"""The web chat speaks the visitor's language: the page sends the browser's languages with the
visitor's messages and the bot answers in the first one Souk speaks (as Telegram's
`language_code`), else in the shop's; the page's own words follow the same choice."""

import json
import uuid

import pytest
from django.test import Client

from conversations.models import Customer, Direction, Message
from conversations.phrases import say

pytestmark = pytest.mark.django_db(transaction=True)


def visit(shop, **headers) -> Client:
    visitor = Client(**headers)
    assert visitor.get(f"/chat/{shop.slug}/").status_code == 200
    return visitor


def start(visitor: Client, shop, languages) -> None:
    """What the page posts on a first visit: its own "start" tap, with the languages."""
    body = {"client_id": str(uuid.uuid4()), "payload": "start", "languages": languages}
    response = visitor.post(
        f"/chat/{shop.slug}/messages", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 202, response.content


def greeting(shop) -> str:
    return Message.objects.filter(direction=Direction.OUTBOUND).order_by("id").first().text


@pytest.mark.parametrize(
    ("shop_language", "browser", "answered_in", "known"),
    [
        ("en", ["fr-FR", "fr"], "fr", "fr"),
        ("fr", ["en-US", "en"], "en", "en"),
        ("en", ["de-DE", "fr-CH", "en"], "fr", "fr"),  # the first one Souk speaks
        ("fr", ["de-DE", "it"], "fr", ""),  # none: the shop's
    ],
)
def test_the_bot_greets_a_web_chat_visitor_in_their_browsers_language(
    make_shop, shop_language, browser, answered_in, known
):
    shop = make_shop("Maison Bleue", currency="EUR", language=shop_language)
    visitor = visit(shop)

    start(visitor, shop, browser)

    assert greeting(shop).startswith(say("greeting", answered_in, name="", shop=shop.name)[:20])
    assert Customer.objects.get().language == known


@pytest.mark.parametrize(
    ("shop_language", "accept", "page_language", "placeholder"),
    [
        ("en", "fr-FR,fr;q=0.9,en;q=0.5", "fr", "Écrivez un message…"),
        ("fr", "en-US,en;q=0.9", "en", "Write a message…"),
        ("fr", "de-DE,de;q=0.9", "fr", "Écrivez un message…"),
    ],
)
def test_the_chat_page_is_in_the_language_the_bot_will_answer_in(
    make_shop, shop_language, accept, page_language, placeholder
):
    shop = make_shop("Maison Verte", currency="EUR", language=shop_language)

    for path in (f"/chat/{shop.slug}/", f"/chat/{shop.slug}/embed/"):
        page = Client(HTTP_ACCEPT_LANGUAGE=accept).get(path).content.decode()

        assert f'<html lang="{page_language}"' in page
        assert f'placeholder="{placeholder}"' in page


def test_a_returning_visitor_keeps_the_language_they_were_first_answered_in(make_shop):
    shop = make_shop("Maison Grise", currency="EUR", language="en")
    visitor = visit(shop)
    start(visitor, shop, ["fr-FR"])

    # Another day, from a browser set to English: the conversation stays in French.
    visitor.defaults["HTTP_ACCEPT_LANGUAGE"] = "en-US"
    page = visitor.get(f"/chat/{shop.slug}/").content.decode()

    assert '<html lang="fr"' in page
