"""The WhatsApp Cloud API adapter: webhook bodies as Meta sends them, rendering within the
interactive-message limits for any catalog, and sends over HTTP to the fake Graph server."""

import copy
import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_WINDOW_CLOSED,
    AccountContext,
    PermanentSendError,
    RateLimited,
    TransientSendError,
    WebhookRejected,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Card,
    Carousel,
    CartItem,
    CartSubmitted,
    ContactShared,
    Image,
    LocationShared,
    QuickReplies,
    Sender,
    StatusUpdate,
    Text,
    TextReceived,
    Unsupported,
)
from channels_adapters.whatsapp import WhatsAppAdapter
from tests.channels_adapters.catalog_strategies import (
    buttons,
    cards,
    property_test,
    repeated,
    titles,
)
from tests.fakes.conftest_plugin import fake_graph  # noqa: F401

PHONE_NUMBER_ID = "106540352242922"
WA_ID = "16505551234"
WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="

adapter = WhatsAppAdapter()


# --- Webhook bodies, in the shapes Meta documents ------------------------------------------------


def message(mid: str, kind: str, **content) -> dict:
    return {"from": WA_ID, "id": mid, "timestamp": "1763900000", "type": kind, **content}


TEXT = message(WAMID, "text", text={"body": "Vous l'avez en bleu ?"})
BUTTON_REPLY = message(
    "wamid.br1",
    "interactive",
    context={"from": "15550783881", "id": "wamid.out1"},
    interactive={"type": "button_reply", "button_reply": {"id": "p:12", "title": "Ajouter"}},
)
LIST_REPLY = message(
    "wamid.lr1",
    "interactive",
    interactive={
        "type": "list_reply",
        "list_reply": {"id": "s:38", "title": "Taille 38", "description": "En stock"},
    },
)
TEMPLATE_BUTTON = message(
    "wamid.tb1", "button", button={"payload": "stop-promos", "text": "Stop promotions"}
)

LOCATION = message(
    "wamid.loc1",
    "location",
    location={
        "address": "1 Hacker Way, Menlo Park, CA 94025",
        "latitude": 37.483307,
        "longitude": -122.148981,
        "name": "Meta HQ",
        "url": "https://www.facebook.com",
    },
)
CONTACTS = message(
    "wamid.ct1",
    "contacts",
    contacts=[
        {
            "name": {
                "formatted_name": "Barbara J. Johnson",
                "first_name": "Barbara",
                "last_name": "Johnson",
            },
            "phones": [
                {"phone": "+1 (415) 555-0123", "wa_id": "14155550123", "type": "MAIN"},
                {"phone": "+1 (415) 555-0124", "type": "HOME"},
            ],
            "emails": [{"email": "barbara@example.com", "type": "WORK"}],
        }
    ],
)
ORDER = message(
    "wamid.or1",
    "order",
    order={
        "catalog_id": "194836987003835",
        "text": "Merci !",
        "product_items": [
            {
                "product_retailer_id": "di9ozbzfi4",
                "quantity": 2,
                "item_price": 30.5,
                "currency": "USD",
            },
            {
                "product_retailer_id": "nqryix03ez",
                "quantity": "1",
                "item_price": "25",
                "currency": "USD",
            },
            {"product_retailer_id": "jp-tea", "quantity": 3, "item_price": 1200, "currency": "JPY"},
            {
                "product_retailer_id": "kw-oud",
                "quantity": 1,
                "item_price": 12.345,
                "currency": "KWD",
            },
        ],
    },
)
PHOTO = message(
    "wamid.img1",
    "image",
    image={"caption": "Celle-ci ?", "mime_type": "image/jpeg", "sha256": "abc", "id": "1003383421"},
)
VOICE = message("wamid.aud1", "audio", audio={"mime_type": "audio/ogg", "id": "2", "voice": True})
REACTION = message("wamid.re1", "reaction", reaction={"message_id": "wamid.out1", "emoji": "👍"})


def status(mid: str, state: str, **extra) -> dict:
    return {"id": mid, "status": state, "timestamp": "1763900100", "recipient_id": WA_ID, **extra}


SENT = status("wamid.out1", "sent", pricing={"billable": True, "category": "service"})
DELIVERED = status("wamid.out1", "delivered")
READ = status("wamid.out1", "read")
FAILED = status(
    "wamid.out2",
    "failed",
    errors=[
        {
            "code": 131026,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
        }
    ],
)


def change(messages=(), statuses=(), phone_number_id=PHONE_NUMBER_ID) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if messages:
        value["contacts"] = [{"profile": {"name": "Sheena Nelson"}, "wa_id": WA_ID}]
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {"field": "messages", "value": value}


def body(*changes, entry_id="102290129340398") -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": entry_id, "changes": list(changes)}],
    }


def test_split_one_event_per_message_and_per_status():
    raw = adapter.split(
        body(
            change(messages=[TEXT, BUTTON_REPLY]),
            change(statuses=[SENT, DELIVERED, READ, FAILED], phone_number_id="106540352242923"),
            {"field": "message_template_status_update", "value": {"event": "APPROVED"}},
        )
    )

    assert [(r.account_id, r.event_id) for r in raw] == [
        (PHONE_NUMBER_ID, WAMID),
        (PHONE_NUMBER_ID, "wamid.br1"),
        ("106540352242923", "wamid.out1:sent"),
        ("106540352242923", "wamid.out1:delivered"),
        ("106540352242923", "wamid.out1:read"),
        ("106540352242923", "wamid.out2:failed"),
    ]
    assert raw[0].payload == {
        "message": TEXT,
        "contact": {"profile": {"name": "Sheena Nelson"}, "wa_id": WA_ID},
    }
    assert raw[2].payload == {"status": SENT}


def test_split_matches_each_message_with_its_own_contact():
    other = {**TEXT, "id": "wamid.2", "from": "33612345678"}
    value = change(messages=[TEXT, other])
    value["value"]["contacts"].append({"profile": {"name": "Léa"}, "wa_id": "33612345678"})
    raw = adapter.split(body(value))
    assert [r.payload["contact"]["profile"]["name"] for r in raw] == ["Sheena Nelson", "Léa"]


@pytest.mark.parametrize(
    "bad",
    [
        {"object": "page", "entry": []},
        {"object": "whatsapp_business_account", "entry": {}},
    ],
)
def test_split_rejects_bodies_meta_does_not_send(bad):
    with pytest.raises(WebhookRejected):
        adapter.split(bad)


@pytest.mark.parametrize(
    "bad_entry",
    [
        {"changes": {}},
        body("not a change")["entry"][0],
        body({"field": "messages", "value": []})["entry"][0],
        body(change(messages=[TEXT], phone_number_id=""))["entry"][0],
        body(change(messages=[{"from": WA_ID, "type": "text"}]))["entry"][0],
        body(change(messages=[{**TEXT, "from": [WA_ID]}]))["entry"][0],
        body(change(statuses=[{"id": "wamid.x"}]))["entry"][0],
        body(change(statuses=[{"id": "wamid.x", "status": {"read": True}}]))["entry"][0],
    ],
)
def test_an_unreadable_entry_or_event_is_left_out_and_its_siblings_kept(bad_entry, caplog):
    good = body(change(messages=[TEXT]))["entry"][0]
    # A Celery worker started earlier in the run sets the root level to ERROR: ask for warnings.
    with caplog.at_level(logging.WARNING, logger="channels_adapters.payload"):
        raw = adapter.split({"object": "whatsapp_business_account", "entry": [bad_entry, good]})

    assert [r.event_id for r in raw] == [TEXT["id"]]
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == 1 and ignored[0].levelname == "WARNING"
    assert "whatsapp" in ignored[0].getMessage()


SHEENA = Sender(external_id=WA_ID, name="Sheena Nelson", phone=f"+{WA_ID}")


def parsed(item: dict) -> list:
    """What a worker gets: the payload split stored, after a JSON round trip."""
    key = "messages" if "from" in item else "statuses"
    [raw] = adapter.split(body(change(**{key: [item]})))
    return adapter.parse(json.loads(json.dumps(raw.payload)))


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (TEXT, [TextReceived(sender=SHEENA, message_id=WAMID, text="Vous l'avez en bleu ?")]),
        (
            BUTTON_REPLY,
            [ButtonPressed(sender=SHEENA, message_id="wamid.br1", payload="p:12", title="Ajouter")],
        ),
        (
            LIST_REPLY,
            [
                ButtonPressed(
                    sender=SHEENA, message_id="wamid.lr1", payload="s:38", title="Taille 38"
                )
            ],
        ),
        (
            TEMPLATE_BUTTON,
            [
                ButtonPressed(
                    sender=SHEENA,
                    message_id="wamid.tb1",
                    payload="stop-promos",
                    title="Stop promotions",
                )
            ],
        ),
        (
            LOCATION,
            [
                LocationShared(
                    sender=SHEENA,
                    message_id="wamid.loc1",
                    latitude=37.483307,
                    longitude=-122.148981,
                    address="Meta HQ, 1 Hacker Way, Menlo Park, CA 94025",
                )
            ],
        ),
        (
            CONTACTS,
            [
                ContactShared(
                    sender=SHEENA,
                    message_id="wamid.ct1",
                    phone="+14155550123",
                    name="Barbara J. Johnson",
                )
            ],
        ),
        (
            ORDER,
            [
                CartSubmitted(
                    sender=SHEENA,
                    message_id="wamid.or1",
                    text="Merci !",
                    items=(
                        CartItem("di9ozbzfi4", quantity=2, price_minor=3050, currency="USD"),
                        CartItem("nqryix03ez", quantity=1, price_minor=2500, currency="USD"),
                        CartItem("jp-tea", quantity=3, price_minor=1200, currency="JPY"),
                        CartItem("kw-oud", quantity=1, price_minor=12345, currency="KWD"),
                    ),
                )
            ],
        ),
        (PHOTO, [Unsupported(sender=SHEENA, message_id="wamid.img1", what="image")]),
        (VOICE, [Unsupported(sender=SHEENA, message_id="wamid.aud1", what="audio")]),
        (REACTION, []),
        (
            SENT,
            [
                StatusUpdate(
                    sender=Sender(WA_ID, phone=f"+{WA_ID}"), message_id="wamid.out1", status="sent"
                )
            ],
        ),
        (
            READ,
            [
                StatusUpdate(
                    sender=Sender(WA_ID, phone=f"+{WA_ID}"), message_id="wamid.out1", status="read"
                )
            ],
        ),
        (
            FAILED,
            [
                StatusUpdate(
                    sender=Sender(WA_ID, phone=f"+{WA_ID}"),
                    message_id="wamid.out2",
                    status="failed",
                    error="Message undeliverable (131026)",
                )
            ],
        ),
    ],
    ids=[
        "text",
        "button_reply",
        "list_reply",
        "template_button",
        "location",
        "contacts",
        "order",
        "image",
        "audio",
        "reaction",
        "sent",
        "read",
        "failed",
    ],
)
def test_parse(item, expected):
    assert parsed(item) == expected


# --- Limits, checked independently of the adapter -------------------------------------------------


def assert_within_limits(payload: dict) -> None:
    assert "to" not in payload and "messaging_product" not in payload
    kind = payload["type"]
    if kind == "text":
        assert 1 <= len(payload["text"]["body"]) <= 4096
        assert payload["text"]["preview_url"] is False
    elif kind == "image":
        assert payload["image"]["link"]
        assert len(payload["image"].get("caption", "")) <= 1024
    else:
        assert kind == "interactive"
        assert_interactive_within_limits(payload["interactive"])


def assert_interactive_within_limits(interactive: dict) -> None:
    body, action = interactive["body"]["text"], interactive["action"]
    if interactive["type"] == "button":
        assert 1 <= len(body) <= 1024
        replies = [button["reply"] for button in action["buttons"]]
        assert 1 <= len(replies) <= 3
        assert all(1 <= len(r["id"]) <= 256 and 1 <= len(r["title"]) <= 20 for r in replies)
        assert len({r["id"] for r in replies}) == len({r["title"] for r in replies}) == len(replies)
        return
    assert interactive["type"] == "list"
    assert 1 <= len(body) <= 4096
    assert 1 <= len(action["button"]) <= 20
    rows = [row for section in action["sections"] for row in section["rows"]]
    assert 1 <= len(action["sections"]) <= 10 and 1 <= len(rows) <= 10
    for row in rows:
        assert 1 <= len(row["id"]) <= 200
        assert 1 <= len(row["title"]) <= 24
        assert len(row.get("description", "")) <= 72
    assert len({row["id"] for row in rows}) == len(rows)


def interactive(payloads, kind: str) -> list[dict]:
    return [
        p["interactive"]
        for p in payloads
        if p["type"] == "interactive" and p["interactive"]["type"] == kind
    ]


def texts(payloads) -> list[str]:
    return [p["text"]["body"] for p in payloads if p["type"] == "text"]


# --- Rendering ------------------------------------------------------------------------------------


def test_text_is_split_within_4096():
    payloads = adapter.render(Text("Bonjour. " * 1000))
    assert len(payloads) == 3
    for payload in payloads:
        assert_within_limits(payload)


def test_up_to_3_options_are_reply_buttons():
    [payload] = adapter.render(
        QuickReplies("Ajouter au panier ?", (Button("Oui", "yes"), Button("Non merci", "no")))
    )
    assert payload == {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Ajouter au panier ?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "yes", "title": "Oui"}},
                    {"type": "reply", "reply": {"id": "no", "title": "Non merci"}},
                ]
            },
        },
    }


def test_reply_button_titles_stay_unique_after_being_cut():
    same_start = "Robe portefeuille en lin"
    [payload] = adapter.render(
        QuickReplies("?", (Button(same_start + " rouge", "r"), Button(same_start + " bleue", "b")))
    )
    titles = [b["reply"]["title"] for b in payload["interactive"]["action"]["buttons"]]
    assert titles == ["Robe portefeuille e…", "Robe portefeuille… 2"]


def test_4_to_10_options_are_a_list_with_long_titles_in_full_in_the_description():
    options = tuple(Button(f"Taille {n}", f"s:{n}") for n in range(36, 44))
    options += (Button("Taille unique, coupe ample et longue", "s:u"),)
    [payload] = adapter.render(QuickReplies("Quelle taille ?", options))

    action = payload["interactive"]["action"]
    assert action["button"] == "Quelle taille ?"
    rows = action["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [f"s:{n}" for n in range(36, 44)] + ["s:u"]
    assert rows[-1] == {
        "id": "s:u",
        "title": "Taille unique, coupe am…",
        "description": "Taille unique, coupe ample et longue",
    }


def test_more_than_10_options_are_several_lists():
    payloads = adapter.render(
        QuickReplies("Couleur ?", tuple(Button(f"C{n}", f"c:{n}") for n in range(23)))
    )
    lists = interactive(payloads, "list")
    assert [len(item["action"]["sections"][0]["rows"]) for item in lists] == [10, 10, 3]
    assert [item["body"]["text"] for item in lists] == ["Couleur ?", "…", "…"]


def test_options_that_open_a_page_follow_as_links():
    payloads = adapter.render(
        QuickReplies(
            "Paiement", (Button("Payer", url="https://pay.example/1"), Button("Plus tard", "l"))
        )
    )
    assert [p["type"] for p in payloads] == ["interactive", "text"]
    assert texts(payloads) == ["• Payer: https://pay.example/1"]


def card(n: int, **fields) -> Card:
    defaults = {
        "title": f"Robe {n}",
        "subtitle": "Lin lavé",
        "price": "49,90 €",
        "image_url": f"https://cdn.example/{n}.jpg",
        "buttons": (Button("Voir", payload=f"p:{n}"),),
    }
    return Card(**{**defaults, **fields})


def test_carousel_is_the_first_image_then_a_list_with_more_as_last_row():
    carousel = Carousel(
        cards=tuple(card(n) for n in range(5)), text="Nos robes", more=Button("Voir plus", "page:2")
    )
    payloads = adapter.render(carousel)

    assert payloads[0] == {
        "type": "image",
        "image": {"link": "https://cdn.example/0.jpg", "caption": "Robe 0\n49,90 € · Lin lavé"},
    }
    [listed] = interactive(payloads, "list")
    assert listed["body"]["text"] == "Nos robes"
    rows = listed["action"]["sections"][0]["rows"]
    assert rows[0] == {"id": "p:0", "title": "Robe 0", "description": "49,90 € · Lin lavé"}
    assert rows[-1] == {"id": "page:2", "title": "Voir plus"}
    assert len(payloads) == 2


def test_cards_with_links_are_listed_as_text():
    carousel = Carousel(
        cards=(
            card(1, buttons=(Button("Voir", "p:1"), Button("Sur le site", url="https://shop/1"))),
            card(2, buttons=(Button("Sur le site", url="https://shop/2"),)),
        )
    )
    payloads = adapter.render(carousel)
    [listed] = interactive(payloads, "list")
    assert [row["id"] for row in listed["action"]["sections"][0]["rows"]] == ["p:1"]
    assert texts(payloads) == [
        "• Robe 1 — 49,90 € · Lin lavé\n  Sur le site: https://shop/1\n"
        "• Robe 2 — 49,90 € · Lin lavé\n  Sur le site: https://shop/2"
    ]


def test_a_single_card_is_its_image_then_its_buttons():
    single = card(7, buttons=(Button("Ajouter", "add:7"), Button("Tailles", "sizes:7")))
    payloads = adapter.render(Carousel(cards=(single,), more=Button("Retour", "back")))

    assert payloads[0]["type"] == "image"
    [buttons] = interactive(payloads, "button")
    assert buttons["body"]["text"] == "Robe 7"
    assert [b["reply"]["id"] for b in buttons["action"]["buttons"]] == ["add:7", "sizes:7", "back"]


def test_a_single_card_with_only_links_adds_just_the_links():
    single = card(8, buttons=(Button("Sur le site", url="https://shop/8"),))
    payloads = adapter.render(Carousel(cards=(single,)))
    assert [p["type"] for p in payloads] == ["image", "text"]
    assert texts(payloads) == ["• Sur le site: https://shop/8"]


def test_image_with_its_caption():
    assert adapter.render(Image("https://cdn.example/1.jpg", "La robe")) == [
        {"type": "image", "image": {"link": "https://cdn.example/1.jpg", "caption": "La robe"}}
    ]
    long = adapter.render(Image("https://cdn.example/1.jpg", "x" * 1500))
    assert [p["type"] for p in long] == ["image", "text"]


# --- Any catalog fits ----------------------------------------------------------------------------


@property_test
@given(
    cards=st.one_of(st.lists(cards, min_size=1, max_size=12).map(tuple), repeated(cards, 200)),
    intro=titles,
    more=st.one_of(st.none(), buttons),
)
def test_any_carousel_fits_and_every_selectable_card_has_a_row(cards, intro, more):
    payloads = adapter.render(Carousel(cards=cards, text=intro, more=more))
    for payload in payloads:
        assert_within_limits(payload)
    if len(cards) > 1:
        ids = {
            row["id"]
            for item in interactive(payloads, "list")
            for s in item["action"]["sections"]
            for row in s["rows"]
        }
        first_payloads = {
            next(b.payload for b in c.buttons if not b.url)
            for c in cards
            if any(not b.url for b in c.buttons)
        }
        assert first_payloads <= ids


@property_test
@given(
    text=titles,
    options=st.one_of(st.lists(buttons, min_size=1, max_size=40).map(tuple), repeated(buttons, 40)),
)
def test_any_quick_replies_fit_and_every_option_stays_reachable(text, options):
    payloads = adapter.render(QuickReplies(text, options))
    for payload in payloads:
        assert_within_limits(payload)
    ids = set()
    for item in interactive(payloads, "button"):
        ids |= {button["reply"]["id"] for button in item["action"]["buttons"]}
    for item in interactive(payloads, "list"):
        ids |= {row["id"] for section in item["action"]["sections"] for row in section["rows"]}
    links = "\n".join(texts(payloads))
    assert {o.payload for o in options if not o.url} <= ids
    assert all(o.url in links for o in options if o.url)


@property_test
@given(
    text=st.one_of(
        st.text(max_size=20_000),
        st.builds(lambda piece, n: (piece * n)[:20_000], titles, st.integers(0, 20_000)),
    )
)
def test_any_text_fits_and_keeps_every_visible_character(text):
    payloads = adapter.render(Text(text))
    for payload in payloads:
        assert_within_limits(payload)
    assert "".join("".join(texts(payloads)).split()) == "".join(text.split())


# --- Sending over HTTP to the fake Graph API ------------------------------------------------------


@pytest.fixture
def number(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    settings.PLATFORM_TIMEOUT_SECONDS = 2.0
    return AccountContext(
        id=2,
        kind="whatsapp",
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )


def test_a_carousel_is_delivered_to_the_recipient_with_the_token(number, fake_graph):  # noqa: F811
    carousel = Carousel(
        cards=tuple(card(n) for n in range(15)),
        text="Nos robes",
        more=Button("Voir plus", "page:2"),
    )
    results = [adapter.send(number, WA_ID, payload) for payload in adapter.render(carousel)]

    sent = fake_graph.requests_for("whatsapp")
    assert [r.status for r in sent] == [200] * 3
    assert [r.json["type"] for r in sent] == ["image", "interactive", "interactive"]
    for request in sent:
        assert request.path.endswith(f"/{fake_graph.phone_number_id}/messages")
        assert request.headers["authorization"] == f"Bearer {fake_graph.access_token}"
        assert request.json["to"] == WA_ID
        assert request.json["messaging_product"] == "whatsapp"
        assert request.json["recipient_type"] == "individual"
    assert all(result.platform_message_id.startswith("wamid.") for result in results)


@pytest.mark.parametrize(
    ("error", "raised", "code"),
    [
        ("wa_rate_limit", RateLimited, "130429"),
        ("wa_pair_rate_limit", RateLimited, "131056"),
        ("app_rate_limit", RateLimited, "4"),
        ("wa_reengagement", PermanentSendError, PERMANENT_WINDOW_CLOSED),
        ("invalid_token", PermanentSendError, PERMANENT_BAD_CREDENTIALS),
    ],
)
def test_graph_errors_are_mapped(number, fake_graph, error, raised, code):  # noqa: F811
    fake_graph.fail_with("whatsapp", error)
    with pytest.raises(raised) as caught:
        adapter.send(number, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert caught.type is raised
    assert caught.value.code == code


def test_a_missing_token_is_bad_credentials(number, fake_graph):  # noqa: F811
    no_token = AccountContext(id=2, kind="whatsapp", external_id=fake_graph.phone_number_id)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(no_token, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS


def test_a_pair_rate_limit_waits_the_per_recipient_interval(number, fake_graph):  # noqa: F811
    fake_graph.fail_with("whatsapp", "wa_pair_rate_limit")
    with pytest.raises(RateLimited) as caught:
        adapter.send(number, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.retry_after == 6.0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (131026, "(#131026) Message undeliverable"),
        (131030, "(#131030) Recipient not in allowed list"),
    ],
)
def test_undeliverable_recipients_are_invalid(number, fake_graph, code, message):  # noqa: F811
    fake_graph.error_next("whatsapp", code, message)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(number, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_INVALID_RECIPIENT


def test_a_refused_payload_is_permanent(number):
    too_many = copy.deepcopy(adapter.render(QuickReplies("?", (Button("a", "a"),)))[0])
    too_many["interactive"]["action"]["buttons"] *= 4
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(number, WA_ID, too_many)
    assert caught.value.code == "rejected"


@pytest.mark.parametrize(
    "response",
    [
        {"status": 500, "json": {"error": {"message": "Unknown", "code": 1}}},
        {"status": 503, "body": b"<html>Service Unavailable</html>"},
        {
            "status": 400,
            "json": {"error": {"message": "(#131000) Something went wrong", "code": 131000}},
        },
    ],
)
def test_server_trouble_is_transient(number, fake_graph, response):  # noqa: F811
    fake_graph.fail_next("whatsapp", **response)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(number, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert not isinstance(caught.value, RateLimited)


def test_a_hanging_graph_times_out(number, fake_graph, settings):  # noqa: F811
    settings.PLATFORM_TIMEOUT_SECONDS = 0.2
    fake_graph.delay_next("whatsapp", seconds=3)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(number, WA_ID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == "timeout"
