"""One language per shopper: the platform's profile decides (Telegram's language_code), else
what the shopper clearly writes, else the shop's language; never a language the shop cannot
answer in. Once known it is kept on the customer."""

import json

import pytest

from catalog.models import Category, Product
from channels_adapters.messages import receipt_text
from conversations import notifications
from conversations.language import shopper_language, written_language
from conversations.models import Customer, Message
from orders.selectors import reorder_quote
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.orders.conftest import buy, hot, pay  # noqa: F401
from tests.test_end_to_end import deliver, telegram_shop  # noqa: F401


def said(conversation, text: str) -> None:
    Message.objects.create(
        shop=conversation.shop,
        conversation=conversation,
        direction="in",
        kind="text",
        text=text,
        body={},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "profile, expected",
    [("en", "en"), ("en-GB", "en"), ("fr_CA", "fr"), ("FR", "fr"), ("de", "fr"), ("", "fr")],
)
def test_the_profile_language_when_the_shop_speaks_it_else_the_shops(
    conversation, profile, expected
):
    # `conversation` is in a French shop (tests/conftest.py).
    Customer.objects.filter(pk=conversation.customer_id).update(language=profile)
    conversation.customer.refresh_from_db()

    assert shopper_language(conversation) == expected


@pytest.mark.django_db
def test_a_shopper_without_a_profile_language_is_answered_in_the_one_they_write(conversation):
    said(conversation, "Hello")
    assert shopper_language(conversation) == "fr"  # one word says nothing: the shop's language
    assert conversation.customer.language == ""

    said(conversation, "I am looking for a red dress, do you have one?")
    assert shopper_language(conversation) == "en"

    # Kept: a later "ok" or a French product name does not switch back.
    said(conversation, "ok")
    said(conversation, "robe")
    conversation.customer.refresh_from_db()
    assert conversation.customer.language == "en"
    assert shopper_language(conversation) == "en"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("je cherche une robe rouge pas chère", "fr"),
        ("combien de temps pour la livraison ?", "fr"),
        ("where is my order please", "en"),
        ("do you have this in size 38?", "en"),
        ("OK", ""),
        ("robe 38", ""),
        ("hi", ""),
        ("", ""),
    ],
)
def test_written_language_needs_clear_words(text, expected):
    assert written_language(text) == expected


ENGLISH_SENDER = {"id": 5151, "is_bot": False, "first_name": "Amy", "language_code": "en"}


@pytest.mark.django_db(transaction=True)
def test_an_english_telegram_user_in_a_french_shop_is_greeted_in_english(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    body = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "from": ENGLISH_SENDER,
            "chat": {"id": 5151, "type": "private", "first_name": "Amy"},
            "date": 1763900000,
            "text": "Bonjour",
        },
    }

    assert deliver(client, telegram_shop, fake_telegram, body).status_code == 200

    greeting = fake_telegram.wait_for_route("sendMessage", count=1)[-1]
    assert greeting.params["text"].startswith("Hello Amy! Welcome to Maison Rouge.")
    buttons = json.loads(greeting.params["reply_markup"])["inline_keyboard"]
    assert "Browse" in [b["text"] for row in buttons for b in row]
    assert Customer.objects.get(name="Amy").language == "en"


@pytest.mark.django_db
def test_an_english_shoppers_receipt_in_a_french_shop_is_all_english(shop, hot):  # noqa: F811
    Product.objects.filter(pk=hot["tracked"].product_id).update(
        translations={"en": {"title": "Tote bag"}}
    )
    order = buy(shop, hot["tracked"], 1)
    pay(order)

    english = receipt_text(notifications.receipt(order, "en"))
    french = receipt_text(notifications.receipt(order, "fr"))

    assert "1 x Tote bag (Naturel): €24.99" in english
    assert "Shipping: free" in english
    assert "Sac cabas" not in english
    assert "1 x Sac cabas (Naturel)\u00a0: 24,99" in french


@pytest.mark.django_db
def test_same_as_last_time_names_the_items_in_the_shoppers_language(shop, hot):  # noqa: F811
    Product.objects.filter(pk=hot["tracked"].product_id).update(
        translations={"en": {"title": "Tote bag"}}
    )
    order = buy(shop, hot["tracked"], 2)
    pay(order)

    english = reorder_quote(shop=shop, customer=order.customer, language="en")
    french = reorder_quote(shop=shop, customer=order.customer, language="fr")

    assert english.items == [("Tote bag (Naturel)", 2)]
    assert french.items == [("Sac cabas (Naturel)", 2)]


@pytest.mark.django_db(transaction=True)
def test_an_english_telegram_user_browses_english_titles_in_a_french_shop(
    client,
    telegram_shop,  # noqa: F811
    fake_telegram,  # noqa: F811
):
    Product.objects.update(translations={"en": {"title": "Red wrap dress"}})
    Category.objects.update(translations={"en": {"name": "Dresses"}})
    tap = {
        "update_id": 2,
        "callback_query": {
            "id": "cb2",
            "from": ENGLISH_SENDER,
            "chat_instance": "1",
            "data": "browse",
            "message": {
                "message_id": 1,
                "date": 1763900000,
                "chat": {"id": 5151, "type": "private", "first_name": "Amy"},
                "text": "menu",
            },
        },
    }

    assert deliver(client, telegram_shop, fake_telegram, tap).status_code == 200

    sent = " ".join(
        json.dumps(request.params, ensure_ascii=False)
        for request in fake_telegram.wait_for_route("sendMessage", count=1)
        + fake_telegram.requests_for("sendPhoto")
    )
    assert "Red wrap dress" in sent
    assert "Robe portefeuille rouge" not in sent
