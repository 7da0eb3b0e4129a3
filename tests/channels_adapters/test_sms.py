"""The SMS adapter over Twilio: webhook forms as Twilio posts them, numbered menus within the
segment budget for any catalog, and sends through the real twilio client to the fake Twilio
server on 127.0.0.1."""

import re

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_OPTED_OUT,
    PERMANENT_REJECTED,
    AccountContext,
    PermanentSendError,
    RateLimited,
    TransientSendError,
    WebhookRejected,
)
from channels_adapters.messages import (
    Button,
    Card,
    Carousel,
    Image,
    OptIn,
    OptOut,
    QuickReplies,
    Sender,
    StatusUpdate,
    Text,
    TextReceived,
    Unsupported,
    inbound_from_dict,
)
from channels_adapters.registry import adapter_for
from channels_adapters.sms import SmsAdapter, verify_signature
from channels_adapters.sms.gsm import GSM7, UCS2, segments, to_gsm
from tests.fakes.conftest_plugin import fake_twilio  # noqa: F401
from tests.fakes.twilio import twilio_signature

ADAPTER = SmsAdapter()
ACCOUNT_SID = "AC" + "1" * 32
SHOPPER = "+33612345678"
SHOP_NUMBER = "+14155550100"


# --- webhooks as Twilio sends them ----------------------------------------------------------------


def inbound(body="Hello", sid="SM" + "a" * 32, **extra) -> dict:
    """An incoming-message webhook form, with the parameters Twilio documents."""
    return {
        "ToCountry": "US",
        "ToState": "CA",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ToCity": "SAN FRANCISCO",
        "FromZip": "",
        "SmsSid": sid,
        "FromState": "",
        "SmsStatus": "received",
        "FromCity": "",
        "Body": body,
        "FromCountry": "FR",
        "To": SHOP_NUMBER,
        "ToZip": "94105",
        "NumSegments": "1",
        "ReferralNumMedia": "0",
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": SHOPPER,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def mms(body="", sid="MM" + "b" * 32) -> dict:
    media = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media/ME1"
    return inbound(
        body,
        sid,
        NumMedia="1",
        NumSegments="1",
        MediaContentType0="image/jpeg",
        MediaUrl0=media,
    )


def status_callback(status="delivered", sid="SM" + "c" * 32, **extra) -> dict:
    """A status callback about a message the shop sent: From is the shop, To the shopper."""
    return {
        "SmsSid": sid,
        "SmsStatus": status,
        "MessageStatus": status,
        "To": SHOPPER,
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": SHOP_NUMBER,
        "ApiVersion": "2010-04-01",
        **extra,
    }


def parse_one(params):
    [raw] = ADAPTER.split(params)
    return ADAPTER.parse(raw.payload)


def test_registry_finds_the_sms_adapter():
    adapter = adapter_for("sms")
    assert isinstance(adapter, SmsAdapter)
    assert adapter.kind == "sms"
    assert adapter.rate_per_second == 1


def test_split_keys_an_inbound_message_by_its_message_sid():
    [raw] = ADAPTER.split(inbound())
    assert raw.event_id == "SM" + "a" * 32
    assert raw.payload["Body"] == "Hello"
    assert raw.account_id == ""  # the URL names the channel


def test_split_keys_each_status_of_a_message_apart():
    [sent] = ADAPTER.split(status_callback("sent"))
    [delivered] = ADAPTER.split(status_callback("delivered"))
    assert sent.event_id == "SM" + "c" * 32 + ":sent"
    assert delivered.event_id == "SM" + "c" * 32 + ":delivered"


@pytest.mark.parametrize("params", [{}, {"Body": "hi", "From": SHOPPER}, {"MessageSid": "  "}])
def test_split_rejects_a_form_without_message_sid(params):
    with pytest.raises(WebhookRejected):
        ADAPTER.split(params)


def test_split_rejects_what_is_not_a_form():
    with pytest.raises(WebhookRejected):
        ADAPTER.split(["MessageSid", "SM1"])


def test_text_message():
    [event] = parse_one(inbound("Do you have the blue tee in M?"))
    assert event == TextReceived(
        sender=Sender(external_id=SHOPPER, phone=SHOPPER),
        message_id="SM" + "a" * 32,
        text="Do you have the blue tee in M?",
    )
    assert inbound_from_dict(event.to_dict()) == event


@pytest.mark.parametrize("body", ["2", " 2 ", "10"])
def test_a_number_is_text_for_the_conversation_to_map_to_its_last_menu(body):
    [event] = parse_one(inbound(body))
    assert isinstance(event, TextReceived)
    assert event.text == body


@pytest.mark.parametrize(
    "body",
    [
        "STOP",
        "stop",
        " Stop ",
        "Stop!",
        "STOPALL",
        "unsubscribe",
        "Cancel",
        "END",
        "quit",
        "REVOKE",
        "optout",
        "ARRET",
        "Arrêt",
        "arre\u0302t",  # ê as e + combining circumflex
    ],
)
def test_opt_out_keywords(body):
    [event] = parse_one(inbound(body))
    assert event == OptOut(
        sender=Sender(external_id=SHOPPER, phone=SHOPPER), message_id=event.message_id
    )


@pytest.mark.parametrize("body", ["START", "yes", " Unstop "])
def test_opt_in_keywords(body):
    [event] = parse_one(inbound(body))
    assert isinstance(event, OptIn)
    assert event.sender.external_id == SHOPPER


@pytest.mark.parametrize(
    "body", ["stop sending me the blue one", "Don't stop", "STOP IT NOW", "yes please"]
)
def test_a_keyword_inside_a_sentence_is_text(body):
    [event] = parse_one(inbound(body))
    assert isinstance(event, TextReceived)


@pytest.mark.parametrize("body", ["HELP", "info"])
def test_help_is_text_the_bot_answers(body):
    [event] = parse_one(inbound(body))
    assert event.text == body


def test_twilio_advanced_opt_out_verdict_wins():
    # a custom keyword configured on the Messaging Service, flagged by Twilio
    [event] = parse_one(inbound("DESABONNER", OptOutType="STOP"))
    assert isinstance(event, OptOut)
    [event] = parse_one(inbound("REPRENDRE", OptOutType="START"))
    assert isinstance(event, OptIn)
    [event] = parse_one(inbound("AIDE", OptOutType="HELP"))
    assert isinstance(event, TextReceived)


def test_a_picture_without_text_is_unsupported():
    [event] = parse_one(mms())
    assert event == Unsupported(
        sender=Sender(external_id=SHOPPER, phone=SHOPPER),
        message_id="MM" + "b" * 32,
        what="image/jpeg",
    )


def test_a_picture_with_text_is_the_text():
    [event] = parse_one(mms("This one, in red"))
    assert isinstance(event, TextReceived)
    assert event.text == "This one, in red"


@pytest.mark.parametrize(
    ("twilio_status", "status"),
    [("sent", "sent"), ("delivered", "delivered"), ("read", "read"), ("failed", "failed")],
)
def test_status_callbacks(twilio_status, status):
    [event] = parse_one(status_callback(twilio_status))
    assert event == StatusUpdate(
        sender=Sender(external_id=SHOPPER, phone=SHOPPER),
        message_id="SM" + "c" * 32,
        status=status,
    )


def test_undelivered_carries_the_error_code():
    params = status_callback("undelivered", ErrorCode="30003")
    [event] = parse_one(params)
    assert (event.status, event.error) == ("failed", "30003")


@pytest.mark.parametrize("twilio_status", ["queued", "accepted", "sending", "scheduled"])
def test_steps_before_the_message_leaves_twilio_are_no_news(twilio_status):
    assert parse_one(status_callback(twilio_status)) == []


def test_a_message_without_sender_is_dropped():
    assert ADAPTER.parse(inbound(From="")) == []


# --- signatures --------------------------------------------------------------------------------


def test_verify_signature_accepts_what_twilio_signed():
    url = "https://shop.example.com/webhooks/sms/7/"
    params = inbound()
    signature = twilio_signature("secret-token", url, params)
    assert verify_signature(url, params, signature, "secret-token")


def test_verify_signature_refuses_another_url_token_or_params():
    url = "https://shop.example.com/webhooks/sms/7/"
    params = inbound()
    signature = twilio_signature("secret-token", url, params)
    assert not verify_signature(
        "http://10.0.0.5:8000/webhooks/sms/7/", params, signature, "secret-token"
    )
    assert not verify_signature(url, params, signature, "another-token")
    assert not verify_signature(url, {**params, "Body": "Free stuff"}, signature, "secret-token")
    assert not verify_signature(url, params, "", "secret-token")
    assert not verify_signature(url, params, signature, "")


# --- rendering ---------------------------------------------------------------------------------

MENU = QuickReplies(
    "Hi Ana! What would you like to do?",
    (
        Button("Browse", "browse"),
        Button("Search", "search"),
        Button("My cart", "cart"),
        Button("Talk to a person", "human"),
    ),
)


def bodies(message, adapter=ADAPTER):
    return [payload["body"] for payload in adapter.render(message)]


def test_quick_replies_are_a_numbered_menu_in_one_sms():
    assert bodies(MENU) == [
        "Hi Ana! What would you like to do?\n1. Browse\n2. Search\n3. My cart\n"
        "4. Talk to a person\n(1-4)"
    ]
    assert ADAPTER.numbered_payloads(MENU) == ["browse", "search", "cart", "human"]


def test_link_options_are_listed_without_a_number():
    message = QuickReplies(
        "Pay here or keep browsing:",
        (
            Button("Pay", url="https://pay.example.com/c/9"),
            Button("Browse", "browse"),
            Button("Cart", "cart"),
        ),
    )
    assert bodies(message) == [
        "Pay here or keep browsing:\nPay: https://pay.example.com/c/9\n1. Browse\n2. Cart\n(1-2)"
    ]
    assert ADAPTER.numbered_payloads(message) == ["browse", "cart"]


def test_a_single_option_has_no_footer_and_a_blank_option_is_dropped():
    message = QuickReplies("Anything else?", (Button("Menu", "menu"), Button("   ")))
    assert bodies(message) == ["Anything else?\n1. Menu"]


def test_french_menu_with_typographic_punctuation_stays_gsm7():
    message = QuickReplies(
        "Bonjour ! Qu\u2019est-ce qui vous ferait plaisir ?",
        (Button("Parcourir", "browse"), Button("Parler à quelqu\u2019un", "human")),
    )
    [body] = bodies(message)
    assert body == (
        "Bonjour ! Qu'est-ce qui vous ferait plaisir ?\n1. Parcourir\n2. Parler à quelqu'un\n(1-2)"
    )
    assert segments(body) == (GSM7, 1)


def product(number, price="€12.00", **extra):
    return Card(
        title=f"Organic cotton tee no. {number}",
        subtitle="Soft, heavy, made to last. " * 5,
        image_url=f"https://cdn.example.com/{number}.jpg",
        price=price,
        buttons=(
            Button("Choose", f"p:{number}"),
            Button("Details", url=f"https://x.example/{number}"),
        ),
        **extra,
    )


def test_carousel_is_a_numbered_list_of_titles_and_prices_then_more():
    carousel = Carousel(
        tuple(product(n) for n in range(1, 4)),
        text="Here they are:",
        more=Button("More", "cat:0:1"),
    )
    assert bodies(carousel) == [
        "Here they are:\n"
        "1. Organic cotton tee no. 1 - €12.00\n"
        "2. Organic cotton tee no. 2 - €12.00\n"
        "3. Organic cotton tee no. 3 - €12.00\n"
        "4. More\n"
        "(1-4)"
    ]
    assert ADAPTER.numbered_payloads(carousel) == ["p:1", "p:2", "p:3", "cat:0:1"]


def test_a_page_of_ten_products_is_spread_over_sms_whole_lines_each():
    carousel = Carousel(
        tuple(product(n, price="À partir de 12,00\u202f€") for n in range(1, 11)),
        text="Voici nos t-shirts :",
        more=Button("Plus", "cat:0:1"),
    )
    rendered = bodies(carousel)
    assert len(rendered) > 1
    lines = "\n".join(rendered).splitlines()
    assert lines[0] == "Voici nos t-shirts :"
    assert lines[1] == "1. Organic cotton tee no. 1 - À partir de 12,00 €"  # no-break space cleaned
    assert lines[-2:] == ["11. Plus", "(1-11)"]
    for body in rendered:
        assert segments(body)[1] <= ADAPTER.max_segments


def test_cards_past_the_page_size_are_left_to_more():
    carousel = Carousel(tuple(product(n) for n in range(1, 31)), more=Button("More", "cat:0:1"))
    numbered = ADAPTER.numbered_payloads(carousel)
    assert numbered == [f"p:{n}" for n in range(1, 11)] + ["cat:0:1"]
    assert "11. More" in "\n".join(bodies(carousel))


def test_cards_without_a_postback_are_listed_without_a_number():
    carousel = Carousel(
        (
            Card("Gift card", price="€50", buttons=(Button("Buy", url="https://x.example/gift"),)),
            product(1),
            Card("Coming soon"),
        )
    )
    assert bodies(carousel) == [
        "Gift card - €50: https://x.example/gift\n1. Organic cotton tee no. 1 - €12.00\nComing soon"
    ]
    assert ADAPTER.numbered_payloads(carousel) == ["p:1"]


def test_long_titles_are_cut_on_one_line():
    card = Card("Tee\n" + "very " * 40 + "long", price="€9", buttons=(Button("Choose", "p:1"),))
    [body] = bodies(Carousel((card,)))
    line = body.splitlines()[0]
    assert line.startswith("1. Tee very very")
    assert line.endswith("... - €9")
    assert len(line) <= len("1. ") + 60 + 2 + len(" - €9")  # "…" became "..."


def test_an_emoji_makes_only_its_own_sms_ucs2():
    text = "Line one is plain.\n" * 20 + "Last one 🛍"
    rendered = bodies(Text(text))
    assert [segments(body)[0] for body in rendered][-1] == UCS2
    assert segments(rendered[0])[0] == GSM7


def test_long_text_is_cut_between_lines_then_words():
    paragraph = "Our tees are cut and sewn in Porto from organic cotton. " * 4
    rendered = bodies(Text(paragraph.strip() + "\n\n" + paragraph.strip()))
    assert len(rendered) >= 2
    for body in rendered:
        assert segments(body)[1] <= 2
        assert not body.startswith(" ") and not body.endswith(" ")
    # words are never cut
    words = set((paragraph + " ").split())
    assert set(" ".join(rendered).split()) <= words


def test_blank_text_renders_nothing():
    assert ADAPTER.render(Text("  \n ")) == []


def test_image_is_its_caption_and_link():
    message = Image("https://cdn.example.com/tee.jpg", caption="Le voilà en rouge")
    assert ADAPTER.render(message) == [
        {"body": "Le voilà en rouge\nhttps://cdn.example.com/tee.jpg"}
    ]


def test_image_as_mms_carries_the_url_as_media():
    adapter = SmsAdapter()
    adapter.images_as_mms = True
    message = Image("https://cdn.example.com/tee.jpg", caption="In red")
    assert adapter.render(message) == [
        {"body": "In red", "media_url": ["https://cdn.example.com/tee.jpg"]}
    ]
    assert adapter.render(Image("https://cdn.example.com/tee.jpg")) == [
        {"body": "", "media_url": ["https://cdn.example.com/tee.jpg"]}
    ]


def test_an_image_url_longer_than_two_segments_goes_whole_in_its_own_sms():
    url = "https://cdn.example.com/" + "a" * 400 + ".jpg"
    assert ADAPTER.render(Image(url, caption="Look")) == [{"body": "Look"}, {"body": url}]


def test_image_without_url_is_its_caption():
    assert ADAPTER.render(Image("", caption="Sorry, no picture yet")) == [
        {"body": "Sorry, no picture yet"}
    ]


def test_max_segments_is_an_adapter_setting():
    adapter = SmsAdapter()
    adapter.max_segments = 1
    for body in bodies(Text("word " * 200), adapter):
        assert segments(body)[1] == 1


# --- rendering any catalog: properties ---------------------------------------------------------

EMOJI = ["🛍", "👩🏽‍💻", "🇫🇷", "1️⃣", "☕", "✨"]
TRICKY = list("aZ é€[]^~|{}\\\u2019\u201c\u201d…çê\n\t") + EMOJI
text_parts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(TRICKY), max_size=300).map("".join),
)
titles = text_parts.map(lambda text: text[:300])
payloads = st.one_of(st.just(""), st.text(min_size=1, max_size=64))
urls = st.one_of(st.just(""), st.just("https://shop.example.com/p/123?ref=sms"))
buttons = st.builds(Button, title=titles, payload=payloads, url=urls)
cards = st.builds(
    Card,
    title=titles,
    subtitle=titles,
    image_url=urls,
    price=st.one_of(st.just(""), st.just("€1,299.00"), st.just("À partir de 12,00\u202f€"), titles),
    buttons=st.lists(buttons, max_size=50).map(tuple),
)
carousels = st.builds(
    Carousel,
    cards=st.lists(cards, min_size=1, max_size=200).map(tuple),
    text=titles,
    more=st.one_of(st.none(), buttons),
)
quick_replies = st.builds(
    QuickReplies, text=titles, options=st.lists(buttons, min_size=1, max_size=40).map(tuple)
)
long_texts = st.one_of(
    st.text(max_size=20_000),
    st.builds(
        lambda part, times: (part * times)[:20_000],
        text_parts.filter(bool),
        st.integers(min_value=1, max_value=2_000),
    ),
)
messages = st.one_of(carousels, quick_replies, st.builds(Text, text=long_texts))

PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _extreme_card(number: int) -> Card:
    title = ["\U0001f6cd" * 300, "\u20ac" * 300, ("Tr\u00e8s long " * 30)[:300], ""][number % 4]
    return Card(
        title=title,
        subtitle=title,
        price="\u20ac" * 300 if number % 3 == 0 else "",
        buttons=tuple(Button(title, f"p:{number}:{b}") for b in range(50)) if number % 5 else (),
    )


WORKER = "\U0001f469\U0001f3fd\u200d\U0001f4bb"  # four code points, one grapheme


# The largest inputs the brief names, which random generation rarely reaches.
@PROPERTY_SETTINGS
@given(messages)
@example(
    Carousel(
        tuple(_extreme_card(n) for n in range(200)),
        text=WORKER * 75,
        more=Button("\U0001f6cd" * 300, "more"),
    )
)
@example(
    QuickReplies("\u20ac" * 300, tuple(Button("\U0001f6cd" * 300, f"o:{n}") for n in range(40)))
)
@example(Text("a" * 20_000))
@example(Text(WORKER * 5_000))
@example(Text(("Un mot \u20ac, r\u00e9gl\u00e9 \u00e7a ! " * 1_000)[:20_000]))
@example(Text(("line\n" * 4_000)[:20_000]))
@example(Text("x" + "\u0301" * 19_999))  # one endless grapheme: a letter and combining marks
def test_every_payload_fits_in_the_segment_budget(message):
    for payload in ADAPTER.render(message):
        body = payload["body"]
        assert body.strip(), payload
        assert len(body) <= 1600
        assert segments(body)[1] <= ADAPTER.max_segments, body
        assert to_gsm(body) == body  # typography already cleaned: what is counted is sent


plain_titles = st.text(alphabet=st.sampled_from(list("abc XYZ é€🛍")), min_size=1, max_size=80)
plain_buttons = st.builds(
    Button, title=plain_titles, payload=st.sampled_from(["p:1", "", "cat:0:1"]), url=urls
)


@PROPERTY_SETTINGS
@given(
    st.one_of(
        st.builds(
            QuickReplies,
            text=st.just(""),
            options=st.lists(plain_buttons, min_size=1, max_size=40).map(tuple),
        ),
        st.builds(
            Carousel,
            cards=st.lists(
                st.builds(
                    Card,
                    title=plain_titles,
                    price=st.just("€5"),
                    buttons=st.lists(plain_buttons, max_size=4).map(tuple),
                ),
                min_size=1,
                max_size=200,
            ).map(tuple),
            more=st.one_of(st.none(), plain_buttons),
        ),
    )
)
def test_numbers_run_from_one_to_the_numbered_payloads(message):
    text = "\n".join(payload["body"] for payload in ADAPTER.render(message))
    numbers = [int(n) for n in re.findall(r"(?m)^(\d+)\. ", text)]
    expected = ADAPTER.numbered_payloads(message)
    assert numbers == list(range(1, len(expected) + 1))
    if len(expected) >= 2:
        assert f"(1-{len(expected)})" in text
    if isinstance(message, Carousel):
        assert len(expected) <= ADAPTER.max_cards + 1


# --- sending through the real twilio client to the fake Twilio ---------------------------------


@pytest.fixture
def account(fake_twilio, settings):  # noqa: F811
    settings.TWILIO_API_URL = fake_twilio.url
    settings.PLATFORM_TIMEOUT_SECONDS = 2.0
    return AccountContext(
        id=1,
        kind="sms",
        external_id=fake_twilio.from_number,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )


def test_a_numbered_menu_is_delivered(fake_twilio, account):  # noqa: F811
    [payload] = ADAPTER.render(MENU)
    result = ADAPTER.send(account, SHOPPER, payload)

    sent = fake_twilio.last("messages")
    assert sent.form == {"To": SHOPPER, "From": fake_twilio.from_number, "Body": payload["body"]}
    assert sent.meta["auth"] == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert sent.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert result.platform_message_id == fake_twilio.messages[-1]["sid"]
    assert result.platform_message_id.startswith("SM")
    assert fake_twilio.messages[-1]["num_segments"] == "1"


def test_every_payload_of_a_long_carousel_is_accepted_by_twilio(fake_twilio, account):  # noqa: F811
    carousel = Carousel(
        tuple(product(n, price="12,00\u202f€ 🛍") for n in range(10)), more=Button("More", "m")
    )
    payloads = ADAPTER.render(carousel)
    for payload in payloads:
        ADAPTER.send(account, SHOPPER, payload)
    assert [int(m["num_segments"]) for m in fake_twilio.messages] == [
        segments(p["body"])[1] for p in payloads
    ]
    assert all(int(m["num_segments"]) <= 2 for m in fake_twilio.messages)


def test_an_mms_sends_its_media_url_and_asks_for_delivery_news(fake_twilio, account):  # noqa: F811
    account = AccountContext(
        id=account.id,
        kind="sms",
        external_id=account.external_id,
        credentials=account.credentials,
        webhook_url="https://shop.example.com/webhooks/sms/1/",
    )
    ADAPTER.send(
        account, SHOPPER, {"body": "In red", "media_url": ["https://cdn.example.com/t.jpg"]}
    )
    sent = fake_twilio.last("messages")
    assert sent.form_lists["MediaUrl"] == ["https://cdn.example.com/t.jpg"]
    assert sent.form["StatusCallback"] == "https://shop.example.com/webhooks/sms/1/"

    ADAPTER.send(account, SHOPPER, {"body": "", "media_url": ["https://cdn.example.com/t.jpg"]})
    assert "Body" not in fake_twilio.last("messages").form  # a picture alone is a valid MMS


def test_a_messaging_service_sends_from_its_pool(fake_twilio, account):  # noqa: F811
    service = AccountContext(
        id=2, kind="sms", external_id="MG" + "9" * 32, credentials=account.credentials
    )
    ADAPTER.send(service, SHOPPER, {"body": "Hi"})
    sent = fake_twilio.last("messages")
    assert sent.form["MessagingServiceSid"] == "MG" + "9" * 32
    assert "From" not in sent.form


def test_an_opted_out_recipient_is_permanent(fake_twilio, account):  # noqa: F811
    fake_twilio.opt_out(SHOPPER)
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(account, SHOPPER, {"body": "Back in stock!"})
    assert excinfo.value.code == PERMANENT_OPTED_OUT
    assert "21610" in str(excinfo.value)


def test_scripted_unsubscribed_error_is_opted_out(fake_twilio, account):  # noqa: F811
    fake_twilio.fail_with("unsubscribed")
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    assert excinfo.value.code == "opted_out"


def test_too_many_requests_is_rate_limited(fake_twilio, account):  # noqa: F811
    fake_twilio.fail_with("too_many_requests")
    with pytest.raises(RateLimited):
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    ADAPTER.send(account, SHOPPER, {"body": "Hi"})  # the next one goes through


def test_http_429_without_code_is_rate_limited(fake_twilio, account):  # noqa: F811
    fake_twilio.fail_next("messages", status=429, json={"message": "slow down"})
    with pytest.raises(RateLimited):
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})


def test_wrong_auth_token_is_bad_credentials(fake_twilio, account):  # noqa: F811
    wrong = AccountContext(
        id=1,
        kind="sms",
        external_id=account.external_id,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": "0" * 32},
    )
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(wrong, SHOPPER, {"body": "Hi"})
    assert excinfo.value.code == PERMANENT_BAD_CREDENTIALS


def test_missing_credentials_fail_without_calling_twilio(fake_twilio, account):  # noqa: F811
    empty = AccountContext(id=1, kind="sms", external_id=account.external_id)
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(empty, SHOPPER, {"body": "Hi"})
    assert excinfo.value.code == PERMANENT_BAD_CREDENTIALS
    assert fake_twilio.requests == []


def test_an_invalid_number_is_an_invalid_recipient(fake_twilio, account):  # noqa: F811
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(account, "0612345678", {"body": "Hi"})  # not E.164
    assert excinfo.value.code == PERMANENT_INVALID_RECIPIENT


def test_not_a_mobile_number_is_an_invalid_recipient(fake_twilio, account):  # noqa: F811
    fake_twilio.error_next(21614, "'To' number is not a valid mobile number")
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    assert excinfo.value.code == PERMANENT_INVALID_RECIPIENT


def test_other_refusals_are_rejected(fake_twilio, account):  # noqa: F811
    fake_twilio.fail_with("body_too_long")
    with pytest.raises(PermanentSendError) as excinfo:
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    assert excinfo.value.code == PERMANENT_REJECTED


def test_a_twilio_outage_is_transient(fake_twilio, account):  # noqa: F811
    fake_twilio.fail_next("messages", status=503, json={"code": 20500, "message": "Unavailable"})
    with pytest.raises(TransientSendError) as excinfo:
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    assert not isinstance(excinfo.value, RateLimited)


def test_a_slow_twilio_times_out_as_transient(fake_twilio, account, settings):  # noqa: F811
    settings.PLATFORM_TIMEOUT_SECONDS = 0.3
    fake_twilio.delay_next("messages", seconds=3)
    with pytest.raises(TransientSendError):
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})


def test_an_unreachable_twilio_is_transient(account, settings):
    settings.TWILIO_API_URL = "http://127.0.0.1:1"  # nothing listens there
    with pytest.raises(TransientSendError):
        ADAPTER.send(account, SHOPPER, {"body": "Hi"})


def test_edge_and_region_in_the_environment_do_not_move_the_host(fake_twilio, account, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TWILIO_EDGE", "dublin")
    monkeypatch.setenv("TWILIO_REGION", "ie1")
    ADAPTER.send(account, SHOPPER, {"body": "Hi"})
    assert fake_twilio.last("messages").form["Body"] == "Hi"
