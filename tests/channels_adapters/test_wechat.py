"""WeChat pushes as the platform sends them (tests/fakes/wechat.py builds and signs them, and
encrypts them in safe mode with its own AES code): the server URL handshake, signatures,
safe-mode decryption, hostile XML, and each kind of message read into normalized events."""

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels_adapters import payload as read
from channels_adapters.messages import (
    ButtonPressed,
    LocationShared,
    TextReceived,
    Unsupported,
)
from channels_adapters.wechat import WeChatAdapter, webhook
from tests.fakes.wechat import FakeWeChat, to_xml

OPENID = "oX7Qd5ZkzrIu0bAd9mG3pQx1Ldso"

adapter = WeChatAdapter()


@pytest.fixture
def wechat():
    # Only the pushes are used here: the fake's API server is not started.
    return FakeWeChat()


def credentials(fake: FakeWeChat) -> dict:
    return {
        "app_id": fake.app_id,
        "app_secret": fake.app_secret,
        "token": fake.token,
        "encoding_aes_key": fake.encoding_aes_key,
    }


def deliver(fake: FakeWeChat, fields: dict, **options):
    query, body = fake.push(fields, **options)
    return webhook(credentials(fake), "POST", query, body)


def events_of(fake: FakeWeChat, fields: dict, **options):
    answer = deliver(fake, fields, **options)
    assert answer.status == 200, answer.body
    assert answer.body == b"success"  # replies go later, through the customer-service API
    return [event for raw in answer.events for event in adapter.parse(raw.payload)]


# --- The server URL handshake -----------------------------------------------------------------


def test_handshake_echoes_echostr(wechat):
    query = wechat.handshake("8512391052348761")
    answer = webhook(credentials(wechat), "GET", query, b"")
    assert (answer.status, answer.body) == (200, b"8512391052348761")
    assert answer.content_type.startswith("text/plain")


@pytest.mark.parametrize(
    "tamper",
    [
        {"signature": "0" * 40},
        {"nonce": "1"},
        {"signature": ""},
        {"timestamp": "not-a-time"},
        {"signature": "é" * 40},
    ],
)
def test_handshake_with_a_wrong_signature_is_403(wechat, tamper):
    query = {**wechat.handshake("echo"), **tamper}
    answer = webhook(credentials(wechat), "GET", query, b"")
    assert answer.status == 403
    assert b"echo" not in answer.body


def test_handshake_signed_with_another_token_is_403(wechat):
    query = wechat.handshake("echo")
    answer = webhook({**credentials(wechat), "token": "anotherToken"}, "GET", query, b"")
    assert answer.status == 403


def test_a_replayed_push_signed_long_ago_is_refused(wechat):
    old = int(wechat.clock()) - 3600
    answer = deliver(wechat, wechat.text(OPENID, "hello"), timestamp=old)
    assert answer.status == 403
    assert answer.events == ()


# --- Plain and safe mode ----------------------------------------------------------------------


def test_plain_text_message(wechat):
    fields = wechat.text(OPENID, "你好\uff0c我想买一件衬衫")
    answer = deliver(wechat, fields)
    [raw] = answer.events
    assert raw.event_id == str(fields["MsgId"])
    assert raw.account_id == wechat.original_id
    [event] = adapter.parse(raw.payload)
    assert event == TextReceived(
        sender=event.sender, message_id=str(fields["MsgId"]), text="你好\uff0c我想买一件衬衫"
    )
    assert event.sender.external_id == OPENID


def test_safe_mode_message_is_decrypted(wechat):
    query, body = wechat.push(wechat.text(OPENID, "安全模式 ✓"), safe=True)
    assert b"Encrypt" in body and "安全模式".encode() not in body
    answer = webhook(credentials(wechat), "POST", query, body)
    [event] = [e for raw in answer.events for e in adapter.parse(raw.payload)]
    assert isinstance(event, TextReceived) and event.text == "安全模式 ✓"


def test_safe_mode_with_a_tampered_msg_signature_is_refused(wechat):
    query, body = wechat.push(wechat.text(OPENID, "hi"), safe=True)
    query["msg_signature"] = "f" * 40
    answer = webhook(credentials(wechat), "POST", query, body)
    assert answer.status == 403 and answer.events == ()


def test_safe_mode_with_a_tampered_ciphertext_is_refused(wechat):
    query, _ = wechat.push(wechat.text(OPENID, "hi"), safe=True)
    _, other_body = wechat.push(wechat.text(OPENID, "transfer"), safe=True)
    # The outer signature is fine, but msg_signature covers the Encrypt value: swapping the
    # encrypted body for another one is refused.
    answer = webhook(credentials(wechat), "POST", query, other_body)
    assert answer.status == 403 and answer.events == ()


def test_safe_mode_message_for_another_appid_is_refused(wechat):
    query, body = wechat.push(wechat.text(OPENID, "hi"), safe=True, app_id="wxffffffffffffffff")
    answer = webhook(credentials(wechat), "POST", query, body)
    assert answer.status == 403 and answer.events == ()


def test_safe_mode_with_another_aes_key_is_refused(wechat):
    query, body = wechat.push(wechat.text(OPENID, "hi"), safe=True)
    other_key = {**credentials(wechat), "encoding_aes_key": "Z" * 43}
    answer = webhook(other_key, "POST", query, body)
    assert answer.status == 403 and answer.events == ()


def test_a_redelivery_has_the_same_event_id(wechat):
    fields = wechat.text(OPENID, "hi")
    first = deliver(wechat, fields).events[0].event_id
    assert deliver(wechat, fields, safe=True).events[0].event_id == first
    click = wechat.event(OPENID, "CLICK", "browse")
    assert deliver(wechat, click).events[0].event_id == deliver(wechat, click).events[0].event_id


# --- Hostile input ------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&c;</Content><MsgId>1</MsgId></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&secret;</Content>
<MsgId>1</MsgId></xml>"""


@pytest.mark.parametrize(
    "body",
    [
        BILLION_LAUGHS,
        EXTERNAL_ENTITY,
        b"<xml><Content>unclosed</xml>",
        b"not xml at all",
        b"<html><body>hi</body></html>",
        b"<xml>" + b"<a>" * 10 + b"</a>" * 10 + b"</xml>",
        b"<xml><MsgType>text</MsgType></xml>",  # no sender
        b"<xml><Content>" + b"x" * 70_000 + b"</Content></xml>",
    ],
    ids=["entities", "external", "malformed", "text", "html", "deep", "no-sender", "large"],
)
def test_hostile_or_foreign_xml_is_400_and_nothing_stored(wechat, body):
    query, _ = wechat.push(wechat.text(OPENID, "x"))
    answer = webhook(credentials(wechat), "POST", query, body)
    assert answer.status == 400 and answer.events == ()
    assert b"root:" not in answer.body  # nothing of /etc/passwd, ever


def test_unknown_encrypt_type_is_400(wechat):
    query, body = wechat.push(wechat.text(OPENID, "x"))
    answer = webhook(credentials(wechat), "POST", {**query, "encrypt_type": "rot13"}, body)
    assert answer.status == 400


# --- Each kind of message -----------------------------------------------------------------------


def test_a_tapped_msgmenu_option_is_a_button_press(wechat):
    [event] = events_of(wechat, wechat.text(OPENID, "红色 · 38", menu_id="v:45:q:1"))
    assert isinstance(event, ButtonPressed)
    assert (event.payload, event.title) == ("v:45:q:1", "红色 · 38")


def test_menu_click_is_a_button_press_with_its_key(wechat):
    [event] = events_of(wechat, wechat.event(OPENID, "CLICK", "cart"))
    assert isinstance(event, ButtonPressed) and event.payload == "cart"


def test_following_the_account_greets(wechat):
    [event] = events_of(wechat, wechat.event(OPENID, "subscribe", "qrscene_spring"))
    assert isinstance(event, ButtonPressed) and event.payload == "start"


@pytest.mark.parametrize("name", ["unsubscribe", "VIEW", "LOCATION", "TEMPLATESENDJOBFINISH"])
def test_events_that_are_no_shoppers_words_are_stored_but_say_nothing(wechat, name):
    answer = deliver(wechat, wechat.event(OPENID, name, "https://shop.example/"))
    assert len(answer.events) == 1  # kept, deduplicated
    assert adapter.parse(answer.events[0].payload) == []


def test_location_message(wechat):
    fields = wechat.location(OPENID, 31.230416, 121.473701, "上海市黄浦区人民广场")
    [event] = events_of(wechat, fields)
    assert isinstance(event, LocationShared)
    assert (event.latitude, event.longitude) == (31.230416, 121.473701)
    assert event.address == "上海市黄浦区人民广场"


def test_image_is_unsupported_so_the_bot_answers_with_help(wechat):
    [event] = events_of(wechat, wechat.image(OPENID))
    assert isinstance(event, Unsupported) and event.what == "image"
    assert event.sender.external_id == OPENID


@pytest.mark.parametrize("latitude", ["north", "91", "nan", ""])
def test_a_bad_location_is_unreadable_with_help_for_the_shopper(wechat, latitude):
    fields = {**wechat.location(OPENID, 1, 2), "Location_X": latitude}
    answer = deliver(wechat, fields)
    with pytest.raises(read.Unreadable) as caught:
        adapter.parse(answer.events[0].payload)
    assert "Location_X" in caught.value.reason
    [fallback] = caught.value.fallback
    assert isinstance(fallback, Unsupported) and fallback.sender.external_id == OPENID


def test_cdata_end_inside_a_text_survives(wechat):
    [event] = events_of(wechat, wechat.text(OPENID, "a]]>b <xml> &amp;"))
    assert event.text == "a]]>b <xml> &amp;"


def test_to_xml_is_what_wechat_sends():
    assert to_xml({"MsgType": "text", "CreateTime": 1}) == (
        b"<xml><MsgType><![CDATA[text]]></MsgType><CreateTime>1</CreateTime></xml>"
    )


# --- Fuzzing: whatever arrives, an answer and never an exception ---------------------------------

FIELD_NAMES = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "bizmsgmenuid",
    "Event",
    "EventKey",
    "Location_X",
    "Location_Y",
    "Label",
    "PicUrl",
]
hostile = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=80),
    st.sampled_from(["text", "event", "location", "image", "CLICK", "subscribe", "nan", "1e999"]),
    st.integers(-(2**70), 2**70),
)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELD_NAMES), hostile, max_size=10), st.booleans())
def test_any_push_is_answered_and_any_stored_event_reads(fields, safe):
    fake = FakeWeChat()
    query, body = fake.push(fields, safe=safe)
    answer = webhook(credentials(fake), "POST", query, body)
    assert answer.status in (200, 400)
    for raw in answer.events:
        # Unreadable is the one allowed failure: the worker records it and hands on its fallback.
        with contextlib.suppress(read.Unreadable):
            adapter.parse(raw.payload)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=600))
def test_any_body_is_answered(body):
    fake = FakeWeChat()
    query, _ = fake.push({})
    answer = webhook(credentials(fake), "POST", query, body)
    assert answer.status in (200, 400)
