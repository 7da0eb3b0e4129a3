"""Rendering for Instagram: every payload within the limits Meta documents for the Messenger API
for Instagram (checked here independently of the adapter's constants), the ladder when the rich
form cannot hold a message, and any catalog fitting."""

from hypothesis import given
from hypothesis import strategies as st

from channels_adapters.instagram import InstagramAdapter
from channels_adapters.messages import (
    Button,
    Card,
    Carousel,
    Image,
    Invoice,
    QuickReplies,
    Receipt,
    ReceiptLine,
    Template,
    Text,
)
from tests.channels_adapters.catalog_strategies import (
    buttons,
    cards,
    long_texts,
    property_test,
    repeated,
    titles,
)

adapter = InstagramAdapter()


def utf8(text: str) -> int:
    return len(text.encode("utf-8"))


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
        assert 1 <= utf8(message["text"]) <= 1000, "Instagram counts 1000 UTF-8 bytes"
    replies = message.get("quick_replies", [])
    assert len(replies) <= 13
    assert not replies or "text" in message, "quick replies go on text, as documented"
    for reply in replies:
        assert reply["content_type"] == "text"
        assert 1 <= len(reply["title"]) <= 20
        assert 1 <= len(reply["payload"]) <= 1000
    attachment = message.get("attachment")
    if attachment is None:
        return
    if attachment["type"] == "image":
        assert attachment["payload"] == {"url": attachment["payload"]["url"]}
        return
    assert attachment["type"] == "template"
    template = attachment["payload"]
    if template["template_type"] == "generic":
        assert 1 <= len(template["elements"]) <= 10
        for element in template["elements"]:
            assert 1 <= len(element["title"]) <= 80
            assert len(element.get("subtitle", "")) <= 80
            assert set(element) - {"title"}, "an element needs more than a title"
            assert len(element.get("buttons", [])) <= 3
            for button in element.get("buttons", []):
                check_button(button)
    else:
        assert template["template_type"] == "button", "Instagram has no other template"
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


# --- Text -----------------------------------------------------------------------------------------


def test_a_french_text_is_cut_by_bytes_not_characters():
    # 700 characters but 1,400 bytes: one message on Messenger, two on Instagram
    text = " ".join(["éé"] * 234)[:700]
    payloads = adapter.render(Text(text))

    assert len(payloads) == 2
    for payload in payloads:
        assert_within_limits(payload)
    assert "".join(texts(payloads)).replace(" ", "") == text.replace(" ", "")


def test_a_long_text_is_split_between_paragraphs():
    paragraphs = [f"Paragraphe {n} : " + "une jolie robe " * 40 for n in range(5)]
    payloads = adapter.render(Text("\n\n".join(paragraphs)))

    assert len(payloads) > 1
    for payload in payloads:
        assert_within_limits(payload)
    assert all(chunk.startswith("Paragraphe") for chunk in texts(payloads))


def test_emoji_are_never_cut():
    coder = "👩🏽‍💻"  # 4 code points, 15 bytes
    payloads = adapter.render(Text(coder * 200))
    assert all(chunk.replace(coder, "") == "" for chunk in texts(payloads))
    assert sum(chunk.count(coder) for chunk in texts(payloads)) == 200


def test_blank_text_renders_nothing():
    assert adapter.render(Text("  \n ")) == []


# --- Quick replies and their ladder ---------------------------------------------------------------


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
    payloads = adapter.render(QuickReplies("Choisissez", options))

    assert len(payloads) == 5
    assert [b["payload"] for t in templates(payloads, "button") for b in t["buttons"]] == [
        f"o:{n}" for n in range(14)
    ]
    assert [t["text"] for t in templates(payloads, "button")] == ["Choisissez"] + ["…"] * 4


def test_an_option_that_opens_a_page_needs_a_button_template():
    payloads = adapter.render(
        QuickReplies(
            "Payer", (Button("Payer", url="https://pay.example/1"), Button("Plus tard", "l"))
        )
    )
    [template] = templates(payloads, "button")
    assert template["buttons"] == [
        {"type": "web_url", "title": "Payer", "url": "https://pay.example/1"},
        {"type": "postback", "title": "Plus tard", "payload": "l"},
    ]


def test_a_question_too_long_for_a_button_template_sends_its_beginning_as_text():
    question = "Pourquoi pas celle-ci ? " * 40  # 960 characters: over 640
    options = (Button("Voir", url="https://shop/1"),)
    payloads = adapter.render(QuickReplies(question, options))

    for payload in payloads:
        assert_within_limits(payload)
    assert len(texts(payloads)) == 1 and len(templates(payloads, "button")) == 1
    words = " ".join([*texts(payloads), templates(payloads, "button")[0]["text"]]).split()
    assert words == question.split()


def test_no_option_is_plain_text():
    assert adapter.render(QuickReplies("Merci !", ())) == adapter.render(Text("Merci !"))


# --- Cards ----------------------------------------------------------------------------------------


def card(n: int, **fields) -> Card:
    defaults = {
        "title": f"Robe {n}",
        "subtitle": "Lin lavé",
        "price": "49,90 €",
        "image_url": f"https://cdn.example/{n}.jpg",
        "buttons": (Button("Voir", payload=f"p:{n}"), Button("Site", url=f"https://shop/{n}")),
    }
    return Card(**{**defaults, **fields})


def test_a_carousel_is_the_intro_then_generic_templates_of_10_then_more():
    carousel = Carousel(
        cards=tuple(card(n) for n in range(12)), text="Nos robes", more=Button("Plus", "page:2")
    )
    payloads = adapter.render(carousel)

    for payload in payloads:
        assert_within_limits(payload)
    assert texts(payloads) == ["Nos robes"]
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
    # Instagram puts quick replies on text only: `more` is its own one-button template
    assert templates(payloads, "button") == [
        {
            "template_type": "button",
            "text": "Plus",
            "buttons": [{"type": "postback", "title": "Plus", "payload": "page:2"}],
        }
    ]


def test_cards_with_nothing_but_a_title_become_a_bulleted_text():
    payloads = adapter.render(Carousel(cards=(card(1), Card("Chapeau"), Card("Écharpe"), card(2))))
    kinds = [
        p["message"].get("attachment", {}).get("payload", {}).get("template_type", "text")
        for p in payloads
    ]
    assert kinds == ["generic", "text", "generic"]
    assert texts(payloads) == ["• Chapeau\n• Écharpe"]


def test_long_titles_and_many_buttons_are_kept_within_limits():
    long = card(1, title="Robe " * 40, subtitle="Lin " * 40, buttons=(Button("B", "b"),) * 7)
    [payload] = adapter.render(Carousel(cards=(long,)))
    assert_within_limits(payload)
    [element] = templates([payload], "generic")[0]["elements"]
    assert element["title"].endswith("…") and len(element["buttons"]) == 3


# --- Other messages -------------------------------------------------------------------------------


def test_an_image_then_its_caption():
    assert adapter.render(Image("https://cdn.example/1.jpg", caption="La robe rouge")) == [
        {
            "messaging_type": "RESPONSE",
            "message": {
                "attachment": {"type": "image", "payload": {"url": "https://cdn.example/1.jpg"}}
            },
        },
        {"messaging_type": "RESPONSE", "message": {"text": "La robe rouge"}},
    ]


def test_a_receipt_is_text_since_instagram_has_no_receipt_template():
    receipt = Receipt(
        order_number="1001",
        recipient_name="Léa",
        currency="EUR",
        lines=(ReceiptLine("Robe rouge", 1, "49,90 €", 4990),),
        subtotal="49,90 €",
        shipping="4,90 €",
        total="54,80 €",
        heading="Merci ! La commande n°1001 est payée.",
        labels=(("shipping", "Livraison\u00a0:"), ("total_label", "Total\u00a0:")),
    )
    [payload] = adapter.render(receipt)
    assert_within_limits(payload)
    assert payload["message"]["text"].splitlines() == [
        "Merci ! La commande n°1001 est payée.",
        "1 x Robe rouge: 49,90 €",
        "Livraison\u00a0: 4,90 €",
        "Total\u00a0: 54,80 €",
    ]


def test_a_template_is_its_text_and_an_invoice_its_words_on_instagram():
    assert texts(adapter.render(Template("order_update", "fr", ("1001",), "Commande 1001"))) == [
        "Commande 1001"
    ]
    # Instagram has no invoice: its title and description, never an exception in the bot's turn.
    assert texts(
        adapter.render(Invoice("Commande 1001", "Robe", "p", "EUR", (("Robe", 4990),)))
    ) == ["Commande 1001\nRobe"]


# --- Any catalog fits ----------------------------------------------------------------------------


@property_test
@given(
    cards=st.one_of(st.lists(cards, min_size=1, max_size=12).map(tuple), repeated(cards, 200)),
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
@given(
    text=titles,
    options=st.one_of(st.lists(buttons, min_size=1, max_size=40).map(tuple), repeated(buttons, 40)),
)
def test_any_quick_replies_fit_and_every_option_stays_reachable(text, options):
    payloads = adapter.render(QuickReplies(text, options))
    reachable = set()
    for payload in payloads:
        assert_within_limits(payload)
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
