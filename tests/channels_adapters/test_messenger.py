"""The Messenger adapter: webhook bodies as Meta sends them, rendering within the Send API's
limits for any catalog, and sends through pymessenger against the fake Graph server."""

import json
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_WINDOW_CLOSED,
    AccountContext,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
    WebhookRejected,
)
from channels_adapters.messages import (
    Button,
    ButtonPressed,
    Card,
    Carousel,
    Image,
    LocationShared,
    QuickReplies,
    Sender,
    StatusUpdate,
    Text,
    TextReceived,
    Unsupported,
)
from channels_adapters.messenger import MessengerAdapter, messenger_setup_profile
from channels_adapters.text import truncate
from tests.channels_adapters.catalog_strategies import (
    buttons,
    cards,
    long_texts,
    property_test,
    repeated,
    titles,
)
from tests.fakes.conftest_plugin import fake_graph  # noqa: F401

PAGE_ID = "104000000000001"
PSID = "6543210987654321"
MID = "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P"

adapter = MessengerAdapter()


# --- Webhook bodies, in the shapes Meta documents ------------------------------------------------


def event(**fields) -> dict:
    return {
        "sender": {"id": PSID},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1763900000000,
        **fields,
    }


TEXT = event(message={"mid": MID, "text": "Bonjour, vous avez des robes ?"})
QUICK_REPLY = event(
    message={"mid": "m_qr1", "text": "Taille 38", "quick_reply": {"payload": "size:38"}}
)

POSTBACK = event(postback={"title": "Voir", "payload": "p:12", "mid": "m_pb1"})
GET_STARTED = event(timestamp=1763900000123, postback={"title": "Get Started", "payload": "start"})
ECHO = {
    "sender": {"id": PAGE_ID},
    "recipient": {"id": PSID},
    "timestamp": 1763900000500,
    "message": {"is_echo": True, "app_id": 1517776481860111, "mid": "m_echo1", "text": "Bienvenue"},
}
DELIVERY = {
    "sender": {"id": PSID},
    "recipient": {"id": PAGE_ID},
    "delivery": {"mids": ["m_out1", "m_out2"], "watermark": 1763900001000},
}
READ = event(timestamp=1763900002000, read={"watermark": 1763900001500})
LOCATION = event(
    message={
        "mid": "m_loc1",
        "attachments": [
            {
                "title": "Tour Eiffel",
                "url": "https://l.facebook.com/l.php?u=https%3A%2F%2Fwww.bing.com%2Fmaps",
                "type": "location",
                "payload": {"coordinates": {"lat": 48.8584, "long": 2.2945}},
            }
        ],
    }
)
PHOTO = event(
    message={
        "mid": "m_img1",
        "attachments": [
            {"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/1.jpg"}}
        ],
    }
)
STICKER = event(
    message={
        "mid": "m_stk1",
        "sticker_id": 369239263222822,
        "attachments": [
            {
                "type": "image",
                "payload": {
                    "url": "https://scontent.xx.fbcdn.net/s.png",
                    "sticker_id": 369239263222822,
                },
            }
        ],
    }
)
REACTION = event(reaction={"reaction": "love", "emoji": "❤️", "action": "react", "mid": "m_out1"})


def body(*entries) -> dict:
    return {
        "object": "page",
        "entry": [
            {"id": page_id, "time": 1763900003000, "messaging": list(events)}
            for page_id, events in entries
        ],
    }


def test_split_batched_entries_into_one_event_per_messaging_item():
    raw = adapter.split(
        body(
            (PAGE_ID, [TEXT, QUICK_REPLY, POSTBACK, GET_STARTED, ECHO]),
            ("104000000000002", [DELIVERY, READ, REACTION]),
        )
    )

    assert [(r.account_id, r.event_id) for r in raw] == [
        (PAGE_ID, MID),
        (PAGE_ID, "m_qr1"),
        (PAGE_ID, "m_pb1"),
        (PAGE_ID, f"postback:{PSID}:1763900000123"),
        (PAGE_ID, "m_echo1"),
        ("104000000000002", f"delivery:{PSID}:1763900001000"),
        ("104000000000002", f"read:{PSID}:1763900001500"),
        # a reaction's mid names the message reacted to: not an id for the reaction itself
        ("104000000000002", f"reaction:{PSID}:1763900000000"),
    ]
    assert raw[0].payload == TEXT


def test_split_ids_are_stable_across_redeliveries():
    first = adapter.split(body((PAGE_ID, [GET_STARTED, DELIVERY, READ])))
    again = adapter.split(json.loads(json.dumps(body((PAGE_ID, [GET_STARTED, DELIVERY, READ])))))
    assert [r.event_id for r in first] == [r.event_id for r in again]


@pytest.mark.parametrize(
    "bad",
    [
        {"object": "instagram", "entry": []},
        {"object": "page"},
        {"object": "page", "entry": {"id": PAGE_ID}},
    ],
)
def test_split_rejects_bodies_meta_does_not_send(bad):
    with pytest.raises(WebhookRejected):
        adapter.split(bad)


@pytest.mark.parametrize(
    "bad_entry",
    [
        "oops",
        {"messaging": [TEXT]},
        {"id": PAGE_ID, "messaging": TEXT},
        {"id": ["a list"], "messaging": [TEXT]},
        {"id": PAGE_ID, "messaging": [{"message": {"mid": "x"}}]},
        {"id": PAGE_ID, "messaging": [{**TEXT, "sender": {"id": {"a": 1}}}]},
        {"id": PAGE_ID, "messaging": [{**TEXT, "message": {"mid": ["m"], "text": "hi"}}]},
    ],
)
def test_an_unreadable_entry_or_event_is_left_out_and_its_siblings_kept(bad_entry, caplog):
    good = {"id": "104000000000002", "messaging": [TEXT]}
    # A Celery worker started earlier in the run sets the root level to ERROR: ask for warnings.
    with caplog.at_level(logging.WARNING, logger="channels_adapters.payload"):
        raw = adapter.split({"object": "page", "entry": [bad_entry, good]})

    assert [(r.account_id, r.event_id) for r in raw] == [("104000000000002", MID)]
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == 1 and ignored[0].levelname == "WARNING"
    assert "messenger" in ignored[0].getMessage()


def test_entries_without_messaging_carry_no_event():
    assert adapter.split({"object": "page", "entry": [{"id": PAGE_ID, "changes": []}]}) == []


SHOPPER = Sender(external_id=PSID)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (
            TEXT,
            [TextReceived(sender=SHOPPER, message_id=MID, text="Bonjour, vous avez des robes ?")],
        ),
        (
            QUICK_REPLY,
            [
                ButtonPressed(
                    sender=SHOPPER, message_id="m_qr1", payload="size:38", title="Taille 38"
                )
            ],
        ),
        (
            POSTBACK,
            [ButtonPressed(sender=SHOPPER, message_id="m_pb1", payload="p:12", title="Voir")],
        ),
        (GET_STARTED, [ButtonPressed(sender=SHOPPER, payload="start", title="Get Started")]),
        (ECHO, []),
        (
            DELIVERY,
            [
                StatusUpdate(sender=SHOPPER, message_id="m_out1", status="delivered"),
                StatusUpdate(sender=SHOPPER, message_id="m_out2", status="delivered"),
            ],
        ),
        (READ, [StatusUpdate(sender=SHOPPER, status="read")]),
        (
            LOCATION,
            [
                LocationShared(
                    sender=SHOPPER,
                    message_id="m_loc1",
                    latitude=48.8584,
                    longitude=2.2945,
                    address="Tour Eiffel",
                )
            ],
        ),
        (PHOTO, [Unsupported(sender=SHOPPER, message_id="m_img1", what="image")]),
        (STICKER, [Unsupported(sender=SHOPPER, message_id="m_stk1", what="sticker")]),
        (REACTION, []),
    ],
    ids=[
        "text",
        "quick_reply",
        "postback",
        "get_started",
        "echo",
        "delivery",
        "read",
        "location",
        "image",
        "sticker",
        "reaction",
    ],
)
def test_parse(payload, expected):
    assert adapter.parse(payload) == expected


def test_parse_reads_what_split_stored():
    stored = [json.loads(json.dumps(r.payload)) for r in adapter.split(body((PAGE_ID, [TEXT])))]
    assert [e.text for p in stored for e in adapter.parse(p)] == ["Bonjour, vous avez des robes ?"]


# --- Limits, checked independently of the adapter -------------------------------------------------


def check_button(button: dict) -> None:
    assert 1 <= len(button["title"]) <= 20
    if button["type"] == "postback":
        assert 1 <= len(button["payload"]) <= 1000
    else:
        assert button["type"] == "web_url" and button["url"]


def assert_within_limits(payload: dict) -> None:
    assert payload["messaging_type"] == "RESPONSE"
    message = payload["message"]
    assert ("text" in message) != ("attachment" in message)
    if "text" in message:
        assert 1 <= len(message["text"]) <= 2000
    for reply in message.get("quick_replies", []):
        assert reply["content_type"] == "text"
        assert 1 <= len(reply["title"]) <= 20
        assert 1 <= len(reply["payload"]) <= 1000
    assert len(message.get("quick_replies", [])) <= 13
    attachment = message.get("attachment")
    if attachment is None:
        return
    if attachment["type"] == "image":
        assert attachment["payload"]["url"]
        return
    template = attachment["payload"]
    if template["template_type"] == "generic":
        assert 1 <= len(template["elements"]) <= 10
        for element in template["elements"]:
            assert 1 <= len(element["title"]) <= 80
            assert len(element.get("subtitle", "")) <= 80
            assert set(element) - {"title"}, "a generic element needs more than a title"
            assert len(element.get("buttons", [])) <= 3
            for button in element.get("buttons", []):
                check_button(button)
    else:
        assert template["template_type"] == "button"
        assert 1 <= len(template["text"]) <= 640
        assert 1 <= len(template["buttons"]) <= 3
        for button in template["buttons"]:
            check_button(button)


def texts(payloads) -> list[str]:
    return [p["message"]["text"] for p in payloads if "text" in p["message"]]


def templates(payloads, kind: str) -> list[dict]:
    return [
        p["message"]["attachment"]["payload"]
        for p in payloads
        if p["message"].get("attachment", {}).get("payload", {}).get("template_type") == kind
    ]


# --- Rendering ------------------------------------------------------------------------------------


def test_long_text_is_split_between_paragraphs_within_2000():
    paragraphs = [f"Paragraph {n}: " + "lorem ipsum " * 60 for n in range(6)]
    payloads = adapter.render(Text("\n\n".join(paragraphs)))

    assert len(payloads) > 1
    for payload in payloads:
        assert_within_limits(payload)
    assert all(chunk.startswith("Paragraph") for chunk in texts(payloads))


def test_long_text_is_never_cut_inside_an_emoji():
    coder = "👩🏽‍💻"  # 4 code points: after the 2-point flag, position 2000 falls inside one
    payloads = adapter.render(Text("🇫🇷" + coder * 1000))
    chunks = texts(payloads)
    assert len(chunks) == 3
    assert all(chunk.replace("🇫🇷", "").replace(coder, "") == "" for chunk in chunks)


def test_blank_text_renders_nothing():
    assert adapter.render(Text("  \n ")) == []


def test_quick_replies():
    payloads = adapter.render(
        QuickReplies(
            "Quelle taille ?",
            (Button("38", payload="s:38"), Button("Une très longue taille XXL", payload="s:xxl")),
        )
    )

    assert payloads == [
        {
            "messaging_type": "RESPONSE",
            "message": {
                "text": "Quelle taille ?",
                "quick_replies": [
                    {"content_type": "text", "title": "38", "payload": "s:38"},
                    {"content_type": "text", "title": "Une très longue tai…", "payload": "s:xxl"},
                ],
            },
        }
    ]


def test_more_than_13_options_become_button_templates_of_3():
    options = tuple(Button(f"Option {n}", payload=f"o:{n}") for n in range(14))
    payloads = adapter.render(QuickReplies("Choose", options))

    buttons = [b for t in templates(payloads, "button") for b in t["buttons"]]
    assert [b["payload"] for b in buttons] == [f"o:{n}" for n in range(14)]
    assert len(payloads) == 5
    assert templates(payloads, "button")[0]["text"] == "Choose"


def test_an_option_that_opens_a_page_needs_a_button_template():
    payloads = adapter.render(
        QuickReplies("Pay", (Button("Pay now", url="https://pay.example/1"), Button("Later", "l")))
    )
    [template] = templates(payloads, "button")
    assert template["buttons"] == [
        {"type": "web_url", "title": "Pay now", "url": "https://pay.example/1"},
        {"type": "postback", "title": "Later", "payload": "l"},
    ]


def card(n: int, **fields) -> Card:
    defaults = {
        "title": f"Robe {n}",
        "subtitle": "Lin lavé",
        "price": "49,90 €",
        "image_url": f"https://cdn.example/{n}.jpg",
        "buttons": (Button("Voir", payload=f"p:{n}"), Button("Site", url=f"https://shop/{n}")),
    }
    return Card(**{**defaults, **fields})


def test_carousel_is_an_intro_text_then_generic_templates_of_10_with_more_as_quick_reply():
    carousel = Carousel(
        cards=tuple(card(n) for n in range(12)), text="Nos robes", more=Button("Plus", "page:2")
    )
    payloads = adapter.render(carousel)

    assert texts(payloads)[0] == "Nos robes"
    generic = templates(payloads, "generic")
    assert [len(t["elements"]) for t in generic] == [10, 2]
    assert generic[0]["elements"][0] == {
        "title": "Robe 0",
        "subtitle": "49,90 € · Lin lavé",
        "image_url": "https://cdn.example/0.jpg",
        "buttons": [
            {"type": "postback", "title": "Voir", "payload": "p:0"},
            {"type": "web_url", "title": "Site", "url": "https://shop/0"},
        ],
    }
    assert payloads[-1]["message"]["quick_replies"] == [
        {"content_type": "text", "title": "Plus", "payload": "page:2"}
    ]


def test_cards_with_nothing_but_a_title_become_text_and_a_more_link_a_button_template():
    carousel = Carousel(
        cards=(card(1), Card("Chapeau"), Card("Écharpe"), card(2)),
        more=Button("Tout voir", url="https://shop/all"),
    )
    payloads = adapter.render(carousel)

    kinds = [
        p["message"].get("attachment", {}).get("payload", {}).get("template_type", "text")
        for p in payloads
    ]
    assert kinds == ["generic", "text", "generic", "button"]
    assert texts(payloads) == ["• Chapeau\n• Écharpe"]
    assert templates(payloads, "button")[0]["buttons"][0]["url"] == "https://shop/all"


def test_only_a_cards_first_three_buttons_are_shown():
    many = tuple(Button(f"B{n}", payload=f"b:{n}") for n in range(7))
    [payload] = adapter.render(Carousel(cards=(card(1, buttons=many),)))
    [element] = templates([payload], "generic")[0]["elements"]
    assert [b["payload"] for b in element["buttons"]] == ["b:0", "b:1", "b:2"]


def test_image_then_its_caption():
    payloads = adapter.render(Image("https://cdn.example/1.jpg", caption="La robe rouge"))
    assert payloads == [
        {
            "messaging_type": "RESPONSE",
            "message": {
                "attachment": {
                    "type": "image",
                    "payload": {"url": "https://cdn.example/1.jpg", "is_reusable": True},
                }
            },
        },
        {"messaging_type": "RESPONSE", "message": {"text": "La robe rouge"}},
    ]


@pytest.mark.parametrize(
    ("title", "limit", "expected"),
    [
        # woman + skin tone + ZWJ + laptop is one emoji of 4 code points: kept whole or dropped
        ("Robe d'été 👩🏽‍💻👩🏽‍💻👩🏽‍💻", 17, "Robe d'été 👩🏽‍💻…"),
        ("Drapeaux 🇫🇷🇩🇪🇮🇹🇪🇸", 15, "Drapeaux 🇫🇷🇩🇪…"),  # flags are pairs of code points
        ("Cafe\u0301 cafe\u0301 cafe\u0301 x", 17, "Cafe\u0301 cafe\u0301 caf…"),  # e + accent
        ("Robe", 4, "Robe"),
    ],
)
def test_titles_are_cut_between_graphemes(title, limit, expected):
    assert truncate(title, limit) == expected


# --- Any catalog fits ----------------------------------------------------------------------------

carousels_cards = st.one_of(
    st.lists(cards, min_size=1, max_size=12).map(tuple), repeated(cards, 200)
)
options_lists = st.one_of(
    st.lists(buttons, min_size=1, max_size=40).map(tuple), repeated(buttons, 40)
)


@property_test
@given(
    cards=carousels_cards,
    intro=titles,
    more=st.one_of(st.none(), buttons),
)
def test_any_carousel_fits(cards, intro, more):
    payloads = adapter.render(Carousel(cards=cards, text=intro, more=more))
    for payload in payloads:
        assert_within_limits(payload)
    elements = sum(len(t["elements"]) for t in templates(payloads, "generic"))
    rich = [c for c in cards if c.subtitle.strip() or c.price or c.image_url or c.buttons]
    assert elements == len(rich)


@property_test
@given(text=titles, options=options_lists)
def test_any_quick_replies_fit_and_every_option_stays_reachable(text, options):
    payloads = adapter.render(QuickReplies(text, options))
    for payload in payloads:
        assert_within_limits(payload)
    reachable = set()
    for payload in payloads:
        message = payload["message"]
        reachable |= {r["payload"] for r in message.get("quick_replies", [])}
        template = message.get("attachment", {}).get("payload", {})
        reachable |= {b.get("payload") or b.get("url") for b in template.get("buttons", [])}
    assert {o.url or o.payload for o in options} <= reachable


@property_test
@given(text=long_texts)
def test_any_text_fits_and_keeps_every_visible_character(text):
    payloads = adapter.render(Text(text))
    for payload in payloads:
        assert_within_limits(payload)
    assert "".join("".join(texts(payloads)).split()) == "".join(text.split())


# --- Sending through pymessenger to the fake Graph API -------------------------------------------


@pytest.fixture
def page_account(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    settings.PLATFORM_TIMEOUT_SECONDS = 2.0
    return AccountContext(
        id=1,
        kind="messenger",
        external_id=fake_graph.page_id,
        credentials={"access_token": fake_graph.access_token},
    )


def test_a_carousel_is_delivered_to_the_recipient_with_the_page_token(page_account, fake_graph):  # noqa: F811
    carousel = Carousel(
        cards=tuple(card(n) for n in range(25)), text="Nos robes", more=Button("Plus", "m")
    )
    results = [adapter.send(page_account, PSID, payload) for payload in adapter.render(carousel)]

    sent = fake_graph.requests_for("messenger")
    assert [r.status for r in sent] == [200] * 4
    assert all(r.json["recipient"] == {"id": PSID} for r in sent)
    assert all(r.meta["access_token"] == fake_graph.access_token for r in sent)
    assert [len(r.json["message"]["attachment"]["payload"]["elements"]) for r in sent[1:]] == [
        10,
        10,
        5,
    ]
    assert all(result.platform_message_id.startswith("m_") for result in results)


@pytest.mark.parametrize(
    ("error", "raised", "code"),
    [
        ("app_rate_limit", RateLimited, "4"),
        ("api_throttled", RateLimited, "613"),
        ("user_unavailable", PermanentSendError, PERMANENT_BLOCKED),
        ("outside_window", PermanentSendError, PERMANENT_WINDOW_CLOSED),
        ("no_matching_user", PermanentSendError, PERMANENT_INVALID_RECIPIENT),
        ("invalid_token", PermanentSendError, PERMANENT_BAD_CREDENTIALS),
    ],
)
def test_graph_errors_are_mapped(page_account, fake_graph, error, raised, code):  # noqa: F811
    fake_graph.fail_with("messenger", error)
    with pytest.raises(raised) as caught:
        adapter.send(page_account, PSID, adapter.render(Text("Bonjour"))[0])
    assert caught.type is raised
    assert caught.value.code == code


def test_a_missing_token_is_bad_credentials(fake_graph):  # noqa: F811
    no_token = AccountContext(id=1, kind="messenger", external_id=fake_graph.page_id)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(no_token, PSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert fake_graph.requests == []


def test_person_unavailable_reported_as_code_200_is_blocked_too(page_account, fake_graph):  # noqa: F811
    fake_graph.error_next("messenger", 200, "(#200) Message Not Sent", subcode=1545041)
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(page_account, PSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BLOCKED


def test_a_refused_payload_is_permanent(page_account):
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(page_account, PSID, {"message": {"text": "x" * 2001}})
    assert caught.value.code == "rejected"
    assert "2000" in str(caught.value)


@pytest.mark.parametrize(
    "response",
    [
        {"status": 500, "json": {"error": {"message": "An unknown error", "code": 1}}},
        {"status": 502, "body": b"<html>Bad Gateway</html>"},
        {"status": 400, "json": {"error": {"message": "(#2) Service unavailable", "code": 2}}},
        {"status": 400, "json": {"error": {"message": "Temporary", "code": 1200}}},
    ],
)
def test_server_trouble_is_transient(page_account, fake_graph, response):  # noqa: F811
    fake_graph.fail_next("messenger", **response)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(page_account, PSID, adapter.render(Text("Bonjour"))[0])
    assert not isinstance(caught.value, RateLimited)


def test_a_hanging_graph_times_out(page_account, fake_graph, settings):  # noqa: F811
    settings.PLATFORM_TIMEOUT_SECONDS = 0.2
    fake_graph.delay_next("messenger", seconds=3)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(page_account, PSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == "timeout"


def test_page_setup_sets_get_started_greeting_and_menu(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    menu = [Button("Parcourir", payload="browse"), Button("Notre site", url="https://shop.example")]
    messenger_setup_profile(
        fake_graph.access_token, greeting="Bienvenue !", get_started_payload="start", menu=menu
    )

    assert fake_graph.messenger_profile["get_started"] == {"payload": "start"}
    assert fake_graph.messenger_profile["greeting"] == [
        {"locale": "default", "text": "Bienvenue !"}
    ]
    [persistent] = fake_graph.messenger_profile["persistent_menu"]
    assert persistent["call_to_actions"] == [
        {"type": "postback", "title": "Parcourir", "payload": "browse"},
        {"type": "web_url", "title": "Notre site", "url": "https://shop.example"},
    ]
    assert fake_graph.last("messenger_profile").meta["access_token"] == fake_graph.access_token


def test_page_setup_with_a_bad_token_raises(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    with pytest.raises(SendError) as caught:
        messenger_setup_profile("EAAwrong", greeting="Hi", get_started_payload="start", menu=[])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
