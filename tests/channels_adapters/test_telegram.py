"""The Telegram adapter: real-format Updates parsed, every rendering within Telegram's limits
(a property test over arbitrary catalogs), and sending with the real python-telegram-bot
against the fake Bot API server on 127.0.0.1."""

import asyncio
import html
import json
import logging
import re
import string
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_REJECTED,
    AccountContext,
    PermanentSendError,
    RateLimited,
    RawEvent,
    SendError,
    TransientSendError,
    WebhookRejected,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Card,
    Carousel,
    ContactShared,
    Image,
    LocationShared,
    OutboundMessage,
    PaymentSucceeded,
    PreCheckout,
    QuickReplies,
    Sender,
    ShippingQuery,
    Text,
    TextReceived,
    Unsupported,
)
from channels_adapters.registry import adapter_for
from channels_adapters.telegram import TelegramAdapter
from channels_adapters.telegram.adapter import (
    CAROUSEL_CARDS_MAX,
    PROMPT,
    split_text,
    telegram_delete_webhook,
    telegram_get_me,
    telegram_set_webhook,
)
from channels_adapters.telegram.limits import utf16_units
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401

adapter = TelegramAdapter()

# --- Updates as Telegram sends them (https://core.telegram.org/bots/api#update) -----------------

LEA = {
    "id": 111222333,
    "is_bot": False,
    "first_name": "Léa",
    "last_name": "Martin",
    "username": "lea_m",
    "language_code": "fr",
}
PRIVATE_CHAT = {
    "id": 111222333,
    "first_name": "Léa",
    "last_name": "Martin",
    "username": "lea_m",
    "type": "private",
}
SHOP_BOT = {"id": 7000000001, "is_bot": True, "first_name": "Maison Rouge", "username": "mr_bot"}


def message_update(update_id=900001, **content) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1365,
            "from": LEA,
            "chat": PRIVATE_CHAT,
            "date": 1763900000,
            **content,
        },
    }


START = message_update(text="/start", entities=[{"offset": 0, "length": 6, "type": "bot_command"}])
CALLBACK = {
    "update_id": 900002,
    "callback_query": {
        "id": "4382bfdwdsb323b2d9",
        "from": LEA,
        "message": {
            "message_id": 1366,
            "from": SHOP_BOT,
            "chat": PRIVATE_CHAT,
            "date": 1763900010,
            "photo": [
                {"file_id": "AgACAgQAAxk", "file_unique_id": "AQADs", "width": 90, "height": 90}
            ],
            "caption": "Robe portefeuille\n49,90 €",
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {"text": "Ajouter au panier", "callback_data": "add:12"},
                        {"text": "Détails", "callback_data": "p:12"},
                    ]
                ]
            },
        },
        "chat_instance": "-4958436489574102334",
        "data": "add:12",
    },
}


def test_split_keys_an_update_by_its_update_id():
    assert adapter.split(START) == [RawEvent(event_id="900001", payload=START)]


@pytest.mark.parametrize(
    "body", [{"message": {}}, {"update_id": "12"}, {"update_id": True}, [], {"update_id": None}]
)
def test_split_rejects_a_body_without_an_integer_update_id(body):
    with pytest.raises(WebhookRejected):
        adapter.split(body)


def test_text_message_is_text_received_from_the_chat():
    update = message_update(text="Vous avez la robe en 38 ?")
    assert adapter.parse(update) == [
        TextReceived(
            sender=Sender(external_id="111222333", name="Léa Martin", language="fr"),
            message_id="1365",
            text="Vous avez la robe en 38 ?",
        )
    ]


def test_commands_come_as_text_kept_as_is():
    deep_link = message_update(text="/start promo_black_friday")
    assert [e.text for e in adapter.parse(START)] == ["/start"]
    assert [e.text for e in adapter.parse(deep_link)] == ["/start promo_black_friday"]


def test_callback_query_is_a_button_press():
    (event,) = adapter.parse(CALLBACK)
    assert event == ButtonPressed(
        sender=Sender(external_id="111222333", name="Léa Martin", language="fr"),
        message_id="4382bfdwdsb323b2d9",
        payload="add:12",
        title="Ajouter au panier",
    )


def test_callback_query_from_an_inline_message_replies_to_the_user():
    query = {k: v for k, v in CALLBACK["callback_query"].items() if k != "message"}
    (event,) = adapter.parse({"update_id": 3, "callback_query": {**query, "data": "p:9"}})
    assert (event.sender.external_id, event.payload, event.title) == ("111222333", "p:9", "")


def test_location_and_venue_are_location_shared():
    location = {"latitude": 48.858093, "longitude": 2.294694}
    venue = {
        "location": location,
        "title": "Tour Eiffel",
        "address": "Champ de Mars, 5 Av. Anatole France",
    }
    assert adapter.parse(message_update(location=location)) == [
        LocationShared(
            sender=Sender(external_id="111222333", name="Léa Martin", language="fr"),
            message_id="1365",
            latitude=48.858093,
            longitude=2.294694,
        )
    ]
    (shared,) = adapter.parse(message_update(location=location, venue=venue))
    assert shared.address == "Tour Eiffel, Champ de Mars, 5 Av. Anatole France"


def test_the_shoppers_own_contact_gives_the_sender_a_phone():
    contact = {
        "phone_number": "33612345678",
        "first_name": "Léa",
        "last_name": "Martin",
        "user_id": 111222333,
    }
    (event,) = adapter.parse(message_update(contact=contact))
    assert event == ContactShared(
        sender=Sender(
            external_id="111222333", name="Léa Martin", phone="+33612345678", language="fr"
        ),
        message_id="1365",
        phone="+33612345678",
        name="Léa Martin",
    )


def test_someone_elses_contact_leaves_the_sender_alone():
    contact = {"phone_number": "+44 7700 900123", "first_name": "Sam"}
    (event,) = adapter.parse(message_update(contact=contact))
    assert (event.phone, event.name, event.sender.phone) == ("+44 7700 900123", "Sam", "")


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (
            {
                "photo": [
                    {"file_id": "AgAD1", "file_unique_id": "u1", "width": 90, "height": 67},
                    {"file_id": "AgAD2", "file_unique_id": "u2", "width": 320, "height": 240},
                ],
                "caption": "celle-ci ?",
            },
            "photo",
        ),
        (
            {
                "sticker": {
                    "file_id": "CAAC",
                    "file_unique_id": "s1",
                    "type": "regular",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "emoji": "😍",
                }
            },
            "sticker",
        ),
        (
            {
                "voice": {
                    "file_id": "AwAC",
                    "file_unique_id": "v1",
                    "duration": 3,
                    "mime_type": "audio/ogg",
                }
            },
            "voice",
        ),
        (
            {"document": {"file_id": "BQAC", "file_unique_id": "d1", "file_name": "list.pdf"}},
            "document",
        ),
        (  # a GIF carries both keys: it is an animation
            {
                "animation": {"file_id": "CgAC", "file_unique_id": "a1", "duration": 2},
                "document": {"file_id": "CgAC", "file_unique_id": "a1"},
            },
            "animation",
        ),
    ],
)
def test_media_the_bot_cannot_read_is_unsupported(content, what):
    assert adapter.parse(message_update(**content)) == [
        Unsupported(
            sender=Sender(external_id="111222333", name="Léa Martin", language="fr"),
            message_id="1365",
            what=what,
        )
    ]


def test_edited_message_is_ignored():
    edited = message_update(text="Vous avez la robe en 40 ?")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1763900100}
    assert adapter.parse(edited) == []


def test_blocking_the_bot_is_ignored_for_now():
    update = {
        "update_id": 900010,
        "my_chat_member": {
            "chat": PRIVATE_CHAT,
            "from": LEA,
            "date": 1763900200,
            "old_chat_member": {"user": SHOP_BOT, "status": "member"},
            "new_chat_member": {"user": SHOP_BOT, "status": "kicked", "until_date": 0},
        },
    }
    assert adapter.parse(update) == []


def test_payment_updates_are_parsed():
    pre_checkout = {
        "update_id": 900011,
        "pre_checkout_query": {
            "id": "pcq-1",
            "from": LEA,
            "currency": "EUR",
            "total_amount": 4990,
            "invoice_payload": "order:12",
        },
    }
    shipping = {
        "update_id": 900012,
        "shipping_query": {
            "id": "sq-1",
            "from": LEA,
            "invoice_payload": "order:12",
            "shipping_address": {
                "country_code": "FR",
                "state": "",
                "city": "Paris",
                "street_line1": "1 rue de Rivoli",
                "street_line2": "",
                "post_code": "75001",
            },
        },
    }
    paid = message_update(
        successful_payment={
            "currency": "EUR",
            "total_amount": 4990,
            "invoice_payload": "order:12",
            "telegram_payment_charge_id": "tg-charge-1",
            "provider_payment_charge_id": "ch_1",
        }
    )
    (query,) = adapter.parse(pre_checkout)
    assert isinstance(query, PreCheckout)
    assert (query.query_id, query.total_amount, query.payload) == ("pcq-1", 4990, "order:12")
    (asked,) = adapter.parse(shipping)
    assert isinstance(asked, ShippingQuery)
    assert (asked.query_id, asked.address["city"]) == ("sq-1", "Paris")
    (payment,) = adapter.parse(paid)
    assert isinstance(payment, PaymentSucceeded)
    assert (payment.telegram_charge_id, payment.provider_charge_id) == ("tg-charge-1", "ch_1")
    assert payment.sender.external_id == str(LEA["id"])


def test_what_the_payment_sheet_collected_is_read_as_payments_keep_it():
    address = {
        "country_code": "FR",
        "state": "",
        "city": "Paris",
        "street_line1": "12 rue de la Paix",
        "street_line2": "",
        "post_code": "75002",
    }
    info = {"name": "Léa Martin", "phone_number": "33612345678", "shipping_address": address}
    query = {"id": "pcq-2", "from": LEA, "currency": "EUR", "total_amount": 4990}
    (asked,) = adapter.parse(
        {"update_id": 900013, "pre_checkout_query": {**query, "order_info": info}}
    )
    assert asked.order_info == {
        "name": "Léa Martin",
        "phone": "33612345678",
        "address": {"text": "12 rue de la Paix, 75002 Paris, FR", **address},
    }

    # A paid payment is never lost over the shape of its details: odd ones read as none.
    odd = {"name": 7, "shipping_address": ["12 rue de la Paix"]}
    paid = message_update(
        successful_payment={
            "currency": "EUR",
            "total_amount": 4990,
            "invoice_payload": "souk:12",
            "order_info": odd,
            "telegram_payment_charge_id": "tg-charge-2",
            "provider_payment_charge_id": "ch_2",
        }
    )
    (payment,) = adapter.parse(paid)
    assert isinstance(payment, PaymentSucceeded)
    assert payment.order_info == {"name": "", "phone": "", "address": {}}


def test_group_messages_are_not_a_shop_conversation():
    update = message_update(text="/start")
    update["message"]["chat"] = {"id": -1001234567890, "title": "Friends", "type": "supergroup"}
    assert adapter.parse(update) == []


def test_the_registry_finds_the_adapter():
    assert isinstance(adapter_for("telegram"), TelegramAdapter)
    assert (
        adapter.kind,
        adapter.rate_per_second,
        adapter.per_recipient_interval,
        adapter.per_recipient_burst,
    ) == ("telegram", 30, 1.0, 3)


# --- Rendering ----------------------------------------------------------------------------------


def params(payload: dict) -> dict:
    return payload["params"]


def test_short_text_is_one_plain_message():
    assert adapter.render(Text("Bonjour Léa !")) == [
        {"method": "sendMessage", "params": {"text": "Bonjour Léa !"}}
    ]


def test_blank_text_renders_nothing():
    assert adapter.render(Text("  \n ")) == []


def test_long_text_is_cut_at_paragraph_breaks():
    paragraphs = [f"Paragraphe {i} " + "mot " * 300 for i in range(6)]  # 1213 chars each
    parts = [params(p)["text"] for p in adapter.render(Text("\n\n".join(paragraphs)))]
    # Three paragraphs fit in 4096, four do not.
    assert parts == [
        "\n\n".join(paragraphs[:3]).strip(),
        "\n\n".join(paragraphs[3:]).strip(),
    ]


def test_text_without_breaks_is_cut_between_words_then_anywhere():
    words = split_text("abc " * 2000, limit=100)
    assert all(part.endswith("abc") and utf16_units(part) <= 100 for part in words)
    blob = split_text("x" * 250, limit=100)
    assert [len(part) for part in blob] == [100, 100, 50]


def test_hard_cuts_keep_emoji_sequences_whole():
    family = "👩\u200d👩\u200d👧"  # 8 UTF-16 units
    parts = split_text(family * 30, limit=100)
    assert all(part.count("\u200d") == 2 * part.count("👧") for part in parts)
    assert "".join(parts) == family * 30


def test_quick_replies_are_an_inline_keyboard_packed_by_title_length():
    message = QuickReplies(
        "Quelle taille ?",
        options=(
            Button("36", payload="v:1"),
            Button("38", payload="v:2"),
            Button("40", payload="v:3"),
            Button("42", payload="v:4"),
            Button("Guide des tailles", url="https://shop.example.com/tailles"),
            Button("Parler à quelqu'un de l'équipe", payload="human"),
        ),
    )
    (payload,) = adapter.render(message)
    assert payload == {
        "method": "sendMessage",
        "params": {
            "text": "Quelle taille ?",
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {"text": "36", "callback_data": "v:1"},
                        {"text": "38", "callback_data": "v:2"},
                        {"text": "40", "callback_data": "v:3"},
                    ],
                    [
                        {"text": "42", "callback_data": "v:4"},
                        {"text": "Guide des tailles", "url": "https://shop.example.com/tailles"},
                    ],
                    [{"text": "Parler à quelqu'un de l'équipe", "callback_data": "human"}],
                ]
            },
        },
    }


def test_quick_replies_without_text_still_send_a_text():
    (payload,) = adapter.render(QuickReplies("", options=(Button("Oui", payload="yes"),)))
    assert params(payload)["text"] == PROMPT


def test_a_payload_over_64_bytes_drops_its_button_and_logs_it(caplog):
    too_long = "add:" + "é" * 31  # 4 + 62 = 66 bytes, though only 35 characters
    message = QuickReplies(
        "Ajouter ?", options=(Button("Oui", payload=too_long), Button("Non", payload="no"))
    )
    with caplog.at_level(logging.ERROR, logger="channels_adapters.telegram.adapter"):
        (payload,) = adapter.render(message)
    assert params(payload)["reply_markup"] == {
        "inline_keyboard": [[{"text": "Non", "callback_data": "no"}]]
    }
    assert "66 bytes" in caplog.text


def test_a_url_button_telegram_would_refuse_is_dropped(caplog):
    options = (Button("Voir", url="javascript:alert(1)"), Button("Oui", payload="yes"))
    with caplog.at_level(logging.ERROR, logger="channels_adapters.telegram.adapter"):
        (payload,) = adapter.render(QuickReplies("?", options))
    assert params(payload)["reply_markup"]["inline_keyboard"] == [
        [{"text": "Oui", "callback_data": "yes"}]
    ]
    assert "unusable URL" in caplog.text


def test_button_titles_stay_short_and_never_blank():
    (payload,) = adapter.render(
        QuickReplies(
            "?",
            options=(Button("  \n ", payload="a"), Button("Très " * 40, payload="b")),
        )
    )
    first, second = (row[0]["text"] for row in params(payload)["reply_markup"]["inline_keyboard"])
    assert first == "•"
    assert second.endswith("…") and utf16_units(second) == 64


def test_carousel_is_one_photo_per_card_headed_by_the_intro_then_more():
    carousel = Carousel(
        text="Nos robes :",
        cards=(
            Card(
                title="Robe <portefeuille> & ceinture",
                subtitle="Lin rouge, coupe ample",
                image_url="https://cdn.example.com/robe.jpg",
                price="49,90 €",
                buttons=(Button("Ajouter", payload="add:12"), Button("Détails", payload="p:12")),
            ),
            Card(title="Carte cadeau", price="25,00 €", buttons=(Button("Offrir", "gift:1"),)),
        ),
        more=Button("Voir plus", payload="list:robes:2"),
    )
    assert adapter.render(carousel) == [
        {
            "method": "sendPhoto",
            "params": {
                "photo": "https://cdn.example.com/robe.jpg",
                "caption": "Nos robes :\n\n<b>Robe &lt;portefeuille&gt; &amp; ceinture</b>\n"
                "49,90 €\nLin rouge, coupe ample",
                "parse_mode": "HTML",
                "reply_markup": {
                    "inline_keyboard": [
                        [
                            {"text": "Ajouter", "callback_data": "add:12"},
                            {"text": "Détails", "callback_data": "p:12"},
                        ]
                    ]
                },
            },
        },
        {
            "method": "sendMessage",
            "params": {
                "text": "<b>Carte cadeau</b>\n25,00 €",
                "parse_mode": "HTML",
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Offrir", "callback_data": "gift:1"}]]
                },
            },
        },
        {
            "method": "sendMessage",
            "params": {
                "text": PROMPT,
                "reply_markup": {
                    "inline_keyboard": [[{"text": "Voir plus", "callback_data": "list:robes:2"}]]
                },
            },
        },
    ]


def test_an_intro_that_does_not_fit_the_first_caption_is_a_message_of_its_own():
    card = Card(title="Mug", image_url="https://cdn.example.com/mug.jpg")
    intro = "Nos mugs <en grès> & faïence. " + "Tous faits main. " * 60  # > 1024 with the card
    intro_payload, photo = adapter.render(Carousel(cards=(card,), text=intro))
    assert intro_payload == {"method": "sendMessage", "params": {"text": intro.strip()}}
    assert params(photo)["caption"] == "<b>Mug</b>"
    # Just under the limit, counted as Telegram counts it (tags parsed, entities as one
    # character): it heads the caption, escaped.
    fitting = "&" * (1024 - len("\n\nMug"))
    (photo,) = adapter.render(Carousel(cards=(card,), text=fitting))
    assert params(photo)["caption"] == "&amp;" * len(fitting) + "\n\n<b>Mug</b>"
    (intro_payload, _) = adapter.render(Carousel(cards=(card,), text=fitting + "&"))
    assert params(intro_payload)["text"] == fitting + "&"


def test_carousel_renders_ten_cards_at_most():
    cards = tuple(
        Card(title=f"Mug {i}", image_url=f"https://cdn.example.com/{i}.jpg") for i in range(25)
    )
    payloads = adapter.render(Carousel(cards=cards))
    assert [params(p)["caption"] for p in payloads] == [f"<b>Mug {i}</b>" for i in range(10)]


def test_image_with_a_long_caption_puts_the_caption_after_the_photo():
    url = "https://cdn.example.com/lookbook.jpg"
    assert adapter.render(Image(url, caption="Printemps")) == [
        {"method": "sendPhoto", "params": {"photo": url, "caption": "Printemps"}}
    ]
    long_caption = "Le lookbook. " * 100
    photo, *rest = adapter.render(Image(url, caption=long_caption))
    assert photo == {"method": "sendPhoto", "params": {"photo": url}}
    assert [params(p)["text"] for p in rest] == [long_caption.strip()]


def test_other_messages_are_not_raised_inside_the_bots_turn():
    """The rule of every channel (test_what_a_channel_cannot_say_or_read.py): no text, nothing."""

    @dataclass(frozen=True)
    class Receipt(OutboundMessage):
        order_id: int

    assert adapter.render(Receipt(12)) == []


# --- Every rendering within Telegram's limits -------------------------------------------------

SEND_METHODS = {"sendMessage", "sendPhoto"}


def visible(text: str, payload_params: dict) -> str:
    """What Telegram counts: the text once HTML entities are parsed."""
    if payload_params.get("parse_mode") == "HTML":
        assert "<" not in re.sub(r"</?b>", "", text), "only the bold tag is ours"
        return html.unescape(re.sub(r"</?b>", "", text))
    return text


def assert_within_limits(payload: dict) -> None:
    assert payload["method"] in SEND_METHODS
    p = payload["params"]
    assert "chat_id" not in p
    json.dumps(payload)  # stored as JSON
    if payload["method"] == "sendMessage":
        text = visible(p["text"], p)
        assert text.strip()
        assert 1 <= utf16_units(text) <= 4096
    else:
        assert p["photo"]
        assert utf16_units(visible(p.get("caption", ""), p)) <= 1024
    keyboard = (p.get("reply_markup") or {}).get("inline_keyboard")
    if keyboard is None:
        return
    assert keyboard and all(1 <= len(row) <= 8 for row in keyboard)
    assert sum(len(row) for row in keyboard) < 100
    for button in (b for row in keyboard for b in row):
        assert button["text"].strip()
        assert len(button.keys() & {"callback_data", "url"}) == 1
        if "callback_data" in button:
            assert 1 <= len(button["callback_data"].encode("utf-8")) <= 64


def callback_data(payloads: list[dict]) -> set[str]:
    return {
        button["callback_data"]
        for p in payloads
        for row in (p["params"].get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
        if "callback_data" in button
    }


EMOJI = [
    "🛍️",
    "👩\u200d👩\u200d👧",
    "🇫🇷",
    "👍🏽",
    "é",
    "e\u0301",
    "€",
    "<b>",
    "&amp;",
    "\n",
    " ",
    "\n\n",
]
human_text = st.lists(st.one_of(st.characters(), st.sampled_from(EMOJI)), max_size=300).map("".join)
ascii_payload = st.text(
    alphabet=string.ascii_letters + string.digits + ":_-", min_size=1, max_size=64
)
buttons = st.one_of(
    st.builds(Button, title=human_text, payload=ascii_payload),
    st.builds(Button, title=human_text, url=st.just("https://shop.example.com/p/1")),
)
cards = st.builds(
    Card,
    title=human_text,
    subtitle=human_text,
    image_url=st.sampled_from(["", "https://cdn.example.com/p.jpg"]),
    price=st.sampled_from(["", "49,90 €", "US$1,299.00", "¥ 12 800"]),
    buttons=st.lists(buttons, max_size=50).map(tuple),
)
carousels = st.builds(
    Carousel,
    cards=st.lists(cards, min_size=1, max_size=200).map(tuple),
    text=human_text,
    more=st.one_of(st.none(), buttons),
)
long_texts = st.one_of(
    st.text(max_size=20_000),
    st.builds(lambda chunk, n: (chunk * n)[:20_000], human_text.filter(bool), st.integers(1, 5000)),
)
PROPERTY = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)


@PROPERTY
@given(carousel=carousels)
def test_any_carousel_renders_within_limits(carousel):
    payloads = adapter.render(carousel)
    for payload in payloads:
        assert_within_limits(payload)
    photos = [p for p in payloads if p["method"] == "sendPhoto"]
    assert len(photos) <= CAROUSEL_CARDS_MAX
    # Payloads are sent as they are or not at all: never cut into another payload.
    sent = [
        *(b.payload for c in carousel.cards for b in c.buttons),
        getattr(carousel.more, "payload", ""),
    ]
    assert callback_data(payloads) <= set(sent)


@PROPERTY
@given(text=human_text, options=st.lists(buttons, max_size=60).map(tuple))
def test_any_quick_replies_render_within_limits(text, options):
    payloads = adapter.render(QuickReplies(text, options))
    for payload in payloads:
        assert_within_limits(payload)
    if options:  # every generated option is valid: the keyboard must be there
        assert "reply_markup" in payloads[-1]["params"]


@PROPERTY
@given(text=long_texts)
def test_any_text_renders_within_limits_and_loses_nothing(text):
    payloads = adapter.render(Text(text))
    for payload in payloads:
        assert_within_limits(payload)
    sent = "".join(p["params"]["text"] for p in payloads)
    assert "".join(sent.split()) == "".join(text.split())


# --- Sending through python-telegram-bot to the fake Bot API -----------------------------------

CHAT = "111222333"


@pytest.fixture
def telegram(fake_telegram, settings):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.PLATFORM_TIMEOUT_SECONDS = 5.0
    return fake_telegram


@pytest.fixture
def account(telegram):
    return AccountContext(
        id=1, kind="telegram", external_id="123456789", credentials={"token": telegram.token}
    )


def form_json(request, name):
    return json.loads(request.form[name])


def test_a_rendered_carousel_is_delivered(telegram, account):
    carousel = Carousel(
        text="Nos mugs :",
        cards=(
            Card(
                title="Mug bleu",
                price="12,00 €",
                image_url="https://cdn.example.com/mug-bleu.jpg",
                buttons=(Button("Ajouter", payload="add:7"),),
            ),
            Card(
                title="Mug rouge",
                price="12,00 €",
                image_url="https://cdn.example.com/mug-rouge.jpg",
                buttons=(Button("Ajouter", payload="add:8"),),
            ),
        ),
        more=Button("Voir plus", payload="list:mugs:2"),
    )
    results = [adapter.send(account, CHAT, payload) for payload in adapter.render(carousel)]

    # One request per payload: no getMe before each send.
    assert [r.route for r in telegram.requests] == ["sendPhoto", "sendPhoto", "sendMessage"]
    photos = telegram.requests_for("sendPhoto")
    assert [r.form["chat_id"] for r in photos] == [CHAT, CHAT]
    assert [r.form["caption"] for r in photos] == [
        "Nos mugs :\n\n<b>Mug bleu</b>\n12,00 €",
        "<b>Mug rouge</b>\n12,00 €",
    ]
    assert photos[0].form["parse_mode"] == "HTML"
    assert form_json(photos[1], "reply_markup") == {
        "inline_keyboard": [[{"text": "Ajouter", "callback_data": "add:8"}]]
    }
    assert [r.platform_message_id for r in results] == ["1", "2", "3"]
    assert [m.get("caption") for m in telegram.chat_messages(int(CHAT))][0:2] == [
        "Nos mugs :\n\nMug bleu\n12,00 €",
        "Mug rouge\n12,00 €",
    ]


def test_a_media_group_returns_its_first_message_id(telegram, account):
    payload = {
        "method": "sendMediaGroup",
        "params": {
            "media": [
                {"type": "photo", "media": "https://cdn.example.com/a.jpg", "caption": "A"},
                {"type": "photo", "media": "https://cdn.example.com/b.jpg"},
            ]
        },
    }
    assert adapter.send(account, CHAT, payload).platform_message_id == "1"
    assert len(telegram.chat_messages(int(CHAT))) == 2


def test_a_photo_telegram_cannot_fetch_is_sent_as_text(telegram, account):
    telegram.error_next("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
    card = Card(
        title="Mug",
        image_url="https://cdn.example.com/gone.jpg",
        buttons=(Button("Ajouter", "add:7"),),
    )
    (payload,) = adapter.render(Carousel(cards=(card,)))

    assert adapter.send(account, CHAT, payload).platform_message_id == "1"
    fallback = telegram.last("sendMessage")
    assert (fallback.form["text"], fallback.form["parse_mode"]) == ("<b>Mug</b>", "HTML")
    assert form_json(fallback, "reply_markup")["inline_keyboard"][0][0]["callback_data"] == "add:7"


def test_send_also_works_when_called_from_async_code(telegram, account):
    async def handler():
        return adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])

    assert asyncio.run(handler()).platform_message_id == "1"


# PTB's RetryAfter reads its own deprecated int `retry_after` while being built.
@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_flood_control_is_rate_limited_with_retry_after(telegram, account):
    telegram.rate_limit_next("sendMessage", retry_after=7)
    with pytest.raises(RateLimited) as caught:
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])
    assert caught.value.retry_after == 7.0


def test_a_blocked_bot_is_a_permanent_blocked_error(telegram, account):
    telegram.block_next("sendMessage")
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BLOCKED
    assert "blocked by the user" in str(caught.value)


@pytest.mark.parametrize(
    ("description", "code"),
    [
        ("Bad Request: chat not found", PERMANENT_INVALID_RECIPIENT),
        ("Bad Request: message is too long", PERMANENT_REJECTED),
    ],
)
def test_bad_requests_are_permanent(telegram, account, description, code):
    telegram.error_next("sendMessage", 400, description)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == code


def test_a_revoked_token_is_bad_credentials(telegram):
    revoked = AccountContext(
        id=2, kind="telegram", external_id="999", credentials={"token": "999999:revoked-token"}
    )
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(revoked, CHAT, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert telegram.last().status == 401


def test_a_missing_token_fails_before_any_request(telegram):
    no_token = AccountContext(id=3, kind="telegram", external_id="1", credentials={})
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(no_token, CHAT, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert telegram.requests == []


def test_a_slow_telegram_times_out_as_transient(telegram, account, settings):
    settings.PLATFORM_TIMEOUT_SECONDS = 0.2
    telegram.delay_next("sendMessage", seconds=2.0)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])
    assert not isinstance(caught.value, RateLimited)


def test_an_unreachable_telegram_is_transient(account, settings):
    settings.TELEGRAM_API_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    with pytest.raises(TransientSendError):
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])


def test_a_server_error_is_transient(telegram, account):
    telegram.error_next("sendMessage", 500, "Internal Server Error")
    with pytest.raises(TransientSendError):
        adapter.send(account, CHAT, adapter.render(Text("Bonjour"))[0])


def test_a_callback_query_is_answered_in_the_webhooks_response():
    assert adapter.webhook_answer(CALLBACK) == {
        "method": "answerCallbackQuery",
        "callback_query_id": "4382bfdwdsb323b2d9",
    }
    assert adapter.webhook_answer(START) is None  # a message: nothing to answer
    assert adapter.webhook_answer({"update_id": 1, "callback_query": "not an object"}) is None
    assert adapter.webhook_answer({"update_id": 1, "callback_query": {"id": True}}) is None


def test_channel_setup_helpers(telegram):
    me = telegram_get_me(telegram.token)
    assert (me["id"], me["username"]) == (123456789, "souk_test_123456789_bot")

    url = "https://souk.example.com/webhooks/telegram/5/"
    telegram_set_webhook(telegram.token, url, "s3cret-Token_1")
    webhook = telegram.webhook_for()
    assert (webhook["url"], webhook["secret_token"]) == (url, "s3cret-Token_1")
    assert "callback_query" in webhook["allowed_updates"]

    telegram_delete_webhook(telegram.token)
    assert telegram.webhook_for() is None


def test_get_me_with_a_refused_token_says_what_telegram_said(telegram):
    with pytest.raises(SendError, match="Unauthorized"):
        telegram_get_me("999999:not-a-known-token")
