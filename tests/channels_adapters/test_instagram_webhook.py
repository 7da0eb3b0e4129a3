"""Instagram webhooks as Meta documents them (object `instagram`, Messenger API for
Instagram): the body split into one stored event per messaging item, routed by the Instagram
account id, each read into what the bot hears; echoes, reactions and reads are silent, a body
that is not Instagram's is refused, an unreadable event is left out with one warning, and the
raw body's signature is checked with the shared Meta check."""

import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channels_adapters import payload as read
from channels_adapters.base import WebhookRejected
from channels_adapters.instagram import InstagramAdapter, instagram_parse, instagram_split
from channels_adapters.messages import ButtonPressed, Sender, TextReceived, Unsupported
from channels_adapters.signatures import meta_signature_valid
from shops import untrusted
from tests.fakes.graph import hub_signature
from tests.fuzz.strategies import (
    big_ids,
    field,
    hostile_values,
    mids,
    names,
    payload_strings,
    psids,
    texts,
)

IG_ACCOUNT = "17841400000000001"
IGSID = "1254477777772919"
MID = "aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDAwMDAwMDAwMDAxOjM0MDI4MjM2Njg0MTcxMDMw"
STORY_URL = "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=17890&signature=abc"

adapter = InstagramAdapter()


def event(**fields) -> dict:
    return {
        "sender": {"id": IGSID},
        "recipient": {"id": IG_ACCOUNT},
        "timestamp": 1763900000000,
        **fields,
    }


TEXT = event(message={"mid": MID, "text": "Bonjour, la robe rouge existe en 38 ?"})
QUICK_REPLY = event(
    message={"mid": "aWdf_qr1", "text": "Taille 38", "quick_reply": {"payload": "size:38"}}
)
POSTBACK = event(postback={"mid": "aWdf_pb1", "title": "Voir", "payload": "p:12"})
ICE_BREAKER = event(
    timestamp=1763900000123,
    postback={"title": "Quoi de neuf dans la boutique ?", "payload": "browse"},
)
STORY_REPLY = event(
    message={
        "mid": "aWdf_story1",
        "text": "Elle existe en bleu ?",
        "reply_to": {"story": {"url": STORY_URL, "id": "17900000000000001"}},
    }
)
STORY_MENTION = event(
    message={
        "mid": "aWdf_mention1",
        "attachments": [{"type": "story_mention", "payload": {"url": STORY_URL}}],
    }
)
IMAGE = event(
    message={
        "mid": "aWdf_img1",
        "attachments": [{"type": "image", "payload": {"url": "https://lookaside.fbsbx.com/1"}}],
    }
)
SHARE = event(
    message={
        "mid": "aWdf_share1",
        "attachments": [
            {
                "type": "share",
                "payload": {
                    "ig_post_media_id": "18139494541428835",
                    "title": "Notre nouvelle collection",
                    "url": "https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=181",
                },
            }
        ],
    }
)
GIF = event(message={"mid": "aWdf_gif1", "is_unsupported": True})
ECHO = {
    "sender": {"id": IG_ACCOUNT},
    "recipient": {"id": IGSID},
    "timestamp": 1763900000500,
    "message": {"mid": "aWdf_echo1", "text": "Bienvenue !", "is_echo": True},
}
DELETED = event(timestamp=1763900000900, message={"mid": MID, "is_deleted": True})
REACTION = event(
    reaction={"mid": "aWdf_echo1", "action": "react", "reaction": "love", "emoji": "❤️"}
)
READ = event(timestamp=1763900002000, read={"mid": "aWdf_echo1"})


def body(*entries) -> dict:
    return {
        "object": "instagram",
        "entry": [
            {"id": account, "time": 1763900003000, "messaging": list(events)}
            for account, events in entries
        ],
    }


SHOPPER = Sender(external_id=IGSID)


# --- Splitting ------------------------------------------------------------------------------------


def test_a_batched_body_is_one_event_per_messaging_item_routed_by_the_instagram_account():
    raw = instagram_split(
        body(
            (IG_ACCOUNT, [TEXT, QUICK_REPLY, POSTBACK, ICE_BREAKER, ECHO]),
            ("17841400000000002", [STORY_REPLY, DELETED, REACTION, READ]),
        )
    )

    assert [(r.account_id, r.event_id) for r in raw] == [
        (IG_ACCOUNT, MID),
        (IG_ACCOUNT, "aWdf_qr1"),
        (IG_ACCOUNT, "aWdf_pb1"),
        (IG_ACCOUNT, f"postback:{IGSID}:1763900000123"),
        (IG_ACCOUNT, "aWdf_echo1"),
        ("17841400000000002", "aWdf_story1"),
        # the deletion names the deleted message: its own id, not a redelivery of that message
        ("17841400000000002", f"deleted:{MID}"),
        # a reaction's mid is the message reacted to: not an id for the reaction
        ("17841400000000002", f"reaction:{IGSID}:1763900000000"),
        ("17841400000000002", f"read:{IGSID}:1763900002000"),
    ]
    assert raw[0].payload == TEXT
    assert adapter.split(body((IG_ACCOUNT, [TEXT]))) == instagram_split(body((IG_ACCOUNT, [TEXT])))


def test_ids_are_stable_across_redeliveries():
    events = [ICE_BREAKER, DELETED, REACTION, READ]
    first = instagram_split(body((IG_ACCOUNT, events)))
    again = instagram_split(json.loads(json.dumps(body((IG_ACCOUNT, events)))))
    assert [r.event_id for r in first] == [r.event_id for r in again]


@pytest.mark.parametrize(
    "bad",
    [
        {"object": "page", "entry": []},  # Messenger's, not Instagram's
        {"object": "instagram"},
        {"object": "instagram", "entry": {"id": IG_ACCOUNT}},
        {"object": "instagram", "entry": [{}] * 1001},
    ],
)
def test_a_body_that_is_not_instagrams_is_refused(bad):
    with pytest.raises(WebhookRejected):
        instagram_split(bad)


@pytest.mark.parametrize(
    "bad_entry",
    [
        "oops",
        {"messaging": [TEXT]},
        {"id": IG_ACCOUNT, "messaging": TEXT},
        {"id": ["a list"], "messaging": [TEXT]},
        {"id": IG_ACCOUNT, "messaging": [{"message": {"mid": "x"}}]},
        {"id": IG_ACCOUNT, "messaging": [{**TEXT, "sender": {"id": {"a": 1}}}]},
        {"id": IG_ACCOUNT, "messaging": [{**TEXT, "message": {"mid": ["m"], "text": "hi"}}]},
    ],
)
def test_an_unreadable_entry_or_event_is_left_out_with_one_warning(bad_entry, caplog):
    good = {"id": "17841400000000002", "messaging": [TEXT]}
    with caplog.at_level(logging.WARNING, logger="channels_adapters.payload"):
        raw = instagram_split({"object": "instagram", "entry": [bad_entry, good]})

    assert [(r.account_id, r.event_id) for r in raw] == [("17841400000000002", MID)]
    ignored = [r for r in caplog.records if "ignored" in r.getMessage()]
    assert len(ignored) == 1 and ignored[0].levelname == "WARNING"
    assert "instagram" in ignored[0].getMessage()
    assert "Bonjour" not in caplog.text  # the reason, never the shopper's words


def test_comment_entries_carry_no_conversation_event():
    comments = {"id": IG_ACCOUNT, "time": 1, "changes": [{"field": "comments", "value": {}}]}
    assert instagram_split({"object": "instagram", "entry": [comments]}) == []


# --- Parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        (TEXT, [TextReceived(SHOPPER, MID, text="Bonjour, la robe rouge existe en 38 ?")]),
        (QUICK_REPLY, [ButtonPressed(SHOPPER, "aWdf_qr1", payload="size:38", title="Taille 38")]),
        (POSTBACK, [ButtonPressed(SHOPPER, "aWdf_pb1", payload="p:12", title="Voir")]),
        (
            ICE_BREAKER,
            [ButtonPressed(SHOPPER, payload="browse", title="Quoi de neuf dans la boutique ?")],
        ),
        (
            STORY_REPLY,
            [
                TextReceived(
                    SHOPPER,
                    "aWdf_story1",
                    text=f"Replied to your story: {STORY_URL}\nElle existe en bleu ?",
                )
            ],
        ),
        (STORY_MENTION, [Unsupported(SHOPPER, "aWdf_mention1", what="story_mention")]),
        (IMAGE, [Unsupported(SHOPPER, "aWdf_img1", what="image")]),
        (SHARE, [Unsupported(SHOPPER, "aWdf_share1", what="share")]),
        (GIF, [Unsupported(SHOPPER, "aWdf_gif1", what="unsupported")]),
        (ECHO, []),
        (DELETED, []),
        (REACTION, []),
        (READ, []),
    ],
    ids=[
        "text",
        "quick_reply",
        "postback",
        "ice_breaker",
        "story_reply",
        "story_mention",
        "image",
        "share",
        "gif",
        "echo",
        "deleted",
        "reaction",
        "read",
    ],
)
def test_parse(payload, expected):
    assert instagram_parse(payload) == expected
    assert adapter.parse(payload) == expected


def test_a_story_reply_without_words_still_says_which_story():
    reply = event(message={"mid": "m", "reply_to": {"story": {"url": STORY_URL, "id": "1"}}})
    [heard] = instagram_parse(reply)
    assert heard.text == f"Replied to your story: {STORY_URL}"


def test_a_reply_to_one_of_our_messages_is_just_the_text():
    reply = event(message={"mid": "m", "text": "Oui", "reply_to": {"mid": "aWdf_echo1"}})
    assert instagram_parse(reply) == [TextReceived(SHOPPER, "m", text="Oui")]


def test_parse_reads_what_split_stored():
    stored = [
        json.loads(json.dumps(r.payload)) for r in instagram_split(body((IG_ACCOUNT, [TEXT])))
    ]
    assert [e.text for p in stored for e in instagram_parse(p)] == [
        "Bonjour, la robe rouge existe en 38 ?"
    ]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ({"mid": "m", "text": ["a list"]}, "message.text is a list, not a string"),
        ({"mid": "m", "attachments": "image"}, "message.attachments is a string, not a list"),
        ({"mid": "m", "reply_to": {"story": "url"}}, "story is a string, not an object"),
        ({"mid": "m", "quick_reply": {"payload": 12}}, "quick_reply.payload is a number"),
    ],
)
def test_an_unreadable_message_from_a_known_shopper_still_gets_an_answer(message, reason):
    with pytest.raises(read.Unreadable) as caught:
        instagram_parse(event(message=message))
    assert reason in caught.value.reason
    assert caught.value.fallback == [Unsupported(SHOPPER, what="unreadable")]


def test_an_event_without_a_readable_sender_falls_back_to_nothing():
    with pytest.raises(read.Unreadable) as caught:
        instagram_parse({"sender": "me", "message": {"text": "hi"}})
    assert caught.value.fallback == []


# --- The raw body's signature, with the shared Meta check --------------------------------------


def test_the_signature_is_checked_on_the_raw_body_with_the_app_secret():
    # Meta escapes what is not ASCII ("\u00e8"): the bytes signed are those, not the text.
    loved = event(message={"mid": "m", "text": "Très jolie ❤️"})
    raw = json.dumps(body((IG_ACCOUNT, [loved]))).encode()
    secret = "souk-meta-app-secret"
    header = hub_signature(secret, raw)

    assert meta_signature_valid(raw_body=raw, header_value=header, app_secret=secret)
    # the same JSON re-serialized is other bytes: the signature no longer matches
    reencoded = json.dumps(json.loads(raw), ensure_ascii=False).encode()
    assert not meta_signature_valid(raw_body=reencoded, header_value=header, app_secret=secret)
    assert not meta_signature_valid(raw_body=raw, header_value=header, app_secret="other")
    assert not meta_signature_valid(raw_body=raw, header_value="sha256=é", app_secret=secret)


# --- Hostile bodies -------------------------------------------------------------------------------

ig_attachment = st.fixed_dictionaries(
    {"type": field(st.sampled_from(["image", "share", "ig_reel", "story_mention", "video"]))},
    optional={"payload": field(st.fixed_dictionaries({}, optional={"url": field(names)}))},
)
ig_message = st.fixed_dictionaries(
    {"mid": field(mids)},
    optional={
        "text": field(texts),
        "quick_reply": field(st.fixed_dictionaries({"payload": field(payload_strings)})),
        "attachments": field(st.lists(field(ig_attachment), max_size=3)),
        "reply_to": field(
            st.one_of(
                st.fixed_dictionaries({"mid": field(mids)}),
                st.fixed_dictionaries(
                    {
                        "story": field(
                            st.fixed_dictionaries({"url": field(names), "id": field(mids)})
                        )
                    }
                ),
            )
        ),
        "is_echo": field(st.booleans()),
        "is_deleted": field(st.booleans()),
        "is_unsupported": field(st.booleans()),
    },
)
ig_events = st.builds(
    lambda sender, timestamp, content: {"sender": sender, "timestamp": timestamp, **content},
    field(st.fixed_dictionaries({"id": field(psids)})),
    field(big_ids),
    st.one_of(
        st.fixed_dictionaries({"message": field(ig_message)}),
        st.fixed_dictionaries(
            {
                "postback": field(
                    st.fixed_dictionaries(
                        {"payload": field(payload_strings)},
                        optional={"title": field(names), "mid": field(mids)},
                    )
                )
            }
        ),
        st.fixed_dictionaries({"read": field(st.fixed_dictionaries({"mid": field(mids)}))}),
        st.fixed_dictionaries({"reaction": field(hostile_values)}),
    ),
)
ig_bodies = st.fixed_dictionaries(
    {
        "object": field(st.just("instagram")),
        "entry": field(
            st.lists(
                field(
                    st.fixed_dictionaries(
                        {
                            "id": field(st.just(IG_ACCOUNT)),
                            "messaging": field(st.lists(field(ig_events), min_size=1, max_size=3)),
                        }
                    )
                ),
                min_size=1,
                max_size=2,
            )
        ),
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=ig_bodies)
def test_a_hostile_body_is_refused_whole_or_read_event_by_event_never_crashing(document):
    """What the webhook view will do: parse the bytes with shops.untrusted (repairing what
    storage cannot hold), split, then parse each stored event: WebhookRejected and Unreadable
    are the only failures, and an Unreadable from a known shopper still gets an answer."""
    try:
        parsed = untrusted.loads(json.dumps(document).encode(), repair=True)
    except untrusted.UntrustedInput:
        return  # a 400, nothing stored
    try:
        raw = instagram_split(parsed)
    except WebhookRejected:
        return
    for stored in raw:
        # A hostile entry id (a number, say) is read as text; it routes to no account.
        assert isinstance(stored.account_id, str) and 0 < len(stored.account_id) <= read.ID_MAX
        assert 0 < len(stored.event_id) <= 2 * read.ID_MAX
        try:
            events = instagram_parse(json.loads(json.dumps(stored.payload)))
        except read.Unreadable as exc:
            assert all(isinstance(e, Unsupported) for e in exc.fallback)
            continue
        for heard in events:
            assert heard.sender.external_id
