"""Location sharing in each adapter: the shared location parsed from the platform's own payload
(Telegram's Update.message.location, WhatsApp's messages[].type=location, the web chat's posted
coordinates), impossible coordinates refused, and the bot's "Share my location" option drawn as
each platform's own control."""

import json

import pytest

from channels_adapters import payload as read
from channels_adapters.base import AccountContext
from channels_adapters.messages import (
    SHARE_LOCATION,
    Button,
    LocationShared,
    QuickReplies,
    Sender,
    Unsupported,
)
from channels_adapters.registry import adapter_for
from channels_adapters.webchat.adapter import spoken_language
from channels_adapters.webchat.wire import InvalidField, visitor_message
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

telegram = adapter_for("telegram")
whatsapp = adapter_for("whatsapp")
webchat = adapter_for("webchat")

QUESTION = QuickReplies(
    "Où livrer ? Écrivez l'adresse complète (ou partagez votre position).",
    (Button("📍 Partager ma position", SHARE_LOCATION), Button("Annuler", "cancel")),
)
VISITOR = "v" * 24
CLIENT_ID = "6f1c1c2e-9a43-4b8e-8f0e-0c7b1f3f5e11"


# --- Telegram -----------------------------------------------------------------------------------


def telegram_update(**content) -> dict:
    return {
        "update_id": 700001,
        "message": {
            "message_id": 88,
            "from": {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"},
            "chat": {"id": 4242, "type": "private", "first_name": "Léa"},
            "date": 1763900000,
            **content,
        },
    }


def test_telegram_location_message_is_a_shared_location():
    update = telegram_update(
        location={"latitude": 48.868612, "longitude": 2.331428, "horizontal_accuracy": 12.5}
    )

    assert telegram.parse(update) == [
        LocationShared(
            sender=Sender(external_id="4242", name="Léa", language="fr"),
            message_id="88",
            latitude=48.868612,
            longitude=2.331428,
        )
    ]


@pytest.mark.parametrize(
    "location",
    [
        {"latitude": 91.0, "longitude": 2.3},
        {"latitude": 48.8, "longitude": -180.5},
        {"latitude": "48.8", "longitude": 2.3},
        {"longitude": 2.3},
    ],
)
def test_telegram_impossible_coordinates_are_unreadable_and_answered(location):
    with pytest.raises(read.Unreadable) as refused:
        telegram.parse(telegram_update(location=location))

    # The shopper still gets an answer (the bot's help), not silence.
    assert [type(event) for event in refused.value.fallback] == [Unsupported]


def test_telegram_asks_for_the_location_with_a_one_time_request_location_button():
    question, rest = telegram.render(QUESTION)

    markup = question["params"]["reply_markup"]
    assert question["params"]["text"] == QUESTION.text
    assert markup["keyboard"] == [[{"text": "📍 Partager ma position", "request_location": True}]]
    assert (markup["one_time_keyboard"], markup["resize_keyboard"]) == (True, True)
    # Cancel keeps its payload: an inline button on the next message.
    assert rest["params"]["reply_markup"] == {
        "inline_keyboard": [[{"text": "Annuler", "callback_data": "cancel"}]]
    }


def test_telegram_question_without_a_location_option_keeps_its_inline_keyboard():
    (payload,) = telegram.render(QuickReplies("Où livrer ?", (Button("Annuler", "cancel"),)))
    assert "inline_keyboard" in payload["params"]["reply_markup"]


def test_the_fake_bot_api_accepts_the_location_keyboard(fake_telegram, settings):  # noqa: F811
    """Sent for real (python-telegram-bot to the fake Bot API): the reply keyboard arrives as
    Telegram reads it."""
    settings.TELEGRAM_API_URL = fake_telegram.url
    account = AccountContext(
        id=1, kind="telegram", external_id="1", credentials={"token": fake_telegram.token}
    )
    for payload in telegram.render(QUESTION):
        telegram.send(account, "4242", payload)

    first, second = fake_telegram.requests_for("sendMessage")
    keyboard = json.loads(first.params["reply_markup"])["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    assert "inline_keyboard" in json.loads(second.params["reply_markup"])


# --- WhatsApp -----------------------------------------------------------------------------------


def whatsapp_webhook(location: dict) -> dict:
    message = {
        "from": "33612345678",
        "id": "wamid.loc42",
        "timestamp": "1763900000",
        "type": "location",
        "location": location,
    }
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Léa Martin"}, "wa_id": "33612345678"}],
        "messages": [message],
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }


def test_whatsapp_location_message_is_a_shared_location():
    (raw,) = whatsapp.split(whatsapp_webhook({"latitude": 45.764043, "longitude": 4.835659}))

    assert whatsapp.parse(raw.payload) == [
        LocationShared(
            sender=Sender(external_id="33612345678", name="Léa Martin", phone="+33612345678"),
            message_id="wamid.loc42",
            latitude=45.764043,
            longitude=4.835659,
        )
    ]


def test_whatsapp_impossible_coordinates_are_unreadable_and_answered():
    (raw,) = whatsapp.split(whatsapp_webhook({"latitude": -95, "longitude": 4.8}))

    with pytest.raises(read.Unreadable) as refused:
        whatsapp.parse(raw.payload)
    assert [type(event) for event in refused.value.fallback] == [Unsupported]


def test_whatsapp_asks_with_a_location_request_message():
    request, rest = whatsapp.render(QUESTION)

    assert request == {
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": QUESTION.text},
            "action": {"name": "send_location"},
        },
    }
    assert rest["interactive"]["type"] == "button"
    assert rest["interactive"]["action"]["buttons"] == [
        {"type": "reply", "reply": {"id": "cancel", "title": "Annuler"}}
    ]


def test_whatsapp_location_request_body_stays_within_1024_characters():
    long = QuickReplies("Où livrer ? " * 200, (Button("📍", SHARE_LOCATION),))

    payloads = whatsapp.render(long)

    request = next(p for p in payloads if p["type"] == "interactive")
    assert len(request["interactive"]["body"]["text"]) <= 1024
    texts = [p["text"]["body"] for p in payloads if p["type"] == "text"]
    said = " ".join([*texts, request["interactive"]["body"]["text"]])
    assert said.split() == long.text.split()  # nothing of the question is lost


# --- Channels that cannot receive one -----------------------------------------------------------


def test_who_can_receive_a_location():
    assert telegram.capabilities.location_sharing
    assert whatsapp.capabilities.location_sharing
    assert webchat.capabilities.location_sharing
    # Messenger removed the location quick reply; SMS has no such thing.
    assert not adapter_for("messenger").capabilities.location_sharing
    assert not adapter_for("sms").capabilities.location_sharing


# --- Web chat -----------------------------------------------------------------------------------


def posted(**fields) -> dict:
    return {"visitor": VISITOR, "client_id": CLIENT_ID, **fields}


def test_web_chat_coordinates_become_a_shared_location():
    (raw,) = webchat.split(posted(latitude=48.8566, longitude=2.3522, languages=["fr-FR", "en"]))

    assert raw.payload == {
        "client_id": CLIENT_ID,
        "visitor": VISITOR,
        "languages": ["fr-FR", "en"],
        "latitude": 48.8566,
        "longitude": 2.3522,
        "title": "",
    }
    assert webchat.parse(raw.payload) == [
        LocationShared(
            sender=Sender(external_id=VISITOR, language="fr"),
            message_id=CLIENT_ID,
            latitude=48.8566,
            longitude=2.3522,
        )
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"latitude": 90.01, "longitude": 0}, "latitude", "Must be between -90 and 90."),
        ({"latitude": -90.5, "longitude": 0}, "latitude", "Must be between -90 and 90."),
        ({"latitude": 10, "longitude": 180.2}, "longitude", "Must be between -180 and 180."),
        ({"latitude": "48.8", "longitude": 2}, "latitude", "A number from -90 to 90 is required."),
        ({"latitude": True, "longitude": 2}, "latitude", "A number from -90 to 90 is required."),
        ({"latitude": 48.8}, "longitude", "A number from -180 to 180 is required."),
        ({"longitude": 2.3}, "latitude", "A number from -90 to 90 is required."),
        (
            {"latitude": 48.8, "longitude": 2.3, "text": "ici"},
            "latitude",
            "Send one of text, payload or a location, not several.",
        ),
    ],
)
def test_web_chat_refuses_coordinates_that_are_not_a_place(fields, field, message):
    with pytest.raises(InvalidField) as refused:
        visitor_message(posted(**fields))

    assert (refused.value.field, refused.value.reason) == (field, message)


def test_web_chat_keeps_the_well_formed_language_tags_in_order():
    event = visitor_message(posted(text="bonjour", languages=["de-DE", "<script>", "fr", ""]))
    assert event["languages"] == ["de-DE", "fr"]
    with pytest.raises(InvalidField) as refused:
        visitor_message(posted(text="bonjour", languages="fr-FR"))
    assert refused.value.field == "languages"


@pytest.mark.parametrize(
    ("tags", "language"),
    [
        (["fr-FR", "en-US"], "fr"),
        (["de-DE", "en-GB", "fr"], "en"),  # the first one Souk speaks
        (["de-DE", "it"], ""),  # none: the shop's language decides
        ([], ""),
        (None, ""),
    ],
)
def test_web_chat_sender_speaks_the_first_browser_language_souk_has(tags, language):
    assert spoken_language(tags) == language
