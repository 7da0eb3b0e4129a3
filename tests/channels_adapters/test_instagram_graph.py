"""Instagram against the fake Graph API: replies delivered with the Page token to the shopper's
Instagram-scoped id, Graph's Instagram errors mapped for the send pipeline, the 24-hour window
and the HUMAN_AGENT tag (on the wire too), and connecting: the token checked, the linked
Instagram account found and its ice breakers set in the shop's language."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from channels_adapters.base import (
    PERMANENT_BAD_CREDENTIALS,
    PERMANENT_BLOCKED,
    PERMANENT_INVALID_RECIPIENT,
    PERMANENT_REJECTED,
    PERMANENT_WINDOW_CLOSED,
    TAG_HUMAN_AGENT,
    TAG_POST_PURCHASE,
    AccountContext,
    PermanentSendError,
    RateLimited,
    SendError,
    TransientSendError,
)
from channels_adapters.instagram import (
    InstagramAdapter,
    instagram_check,
    instagram_connect,
    instagram_set_ice_breakers,
)
from channels_adapters.instagram.connect import instagram_subscribe
from channels_adapters.messages import Button, Card, Carousel, Image, QuickReplies, Text
from tests.fakes.conftest_plugin import fake_graph  # noqa: F401

IGSID = "1254477777772919"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HOURS = timedelta(hours=1)

adapter = InstagramAdapter()


@pytest.fixture
def account(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    settings.PLATFORM_TIMEOUT_SECONDS = 2.0
    return AccountContext(
        id=1,
        kind="instagram",
        external_id=fake_graph.instagram_account_id,
        credentials={"access_token": fake_graph.instagram_token},
    )


# --- Sending --------------------------------------------------------------------------------------


def test_a_carousel_reaches_the_shopper_through_the_instagram_send_api(account, fake_graph):  # noqa: F811
    cards = tuple(
        Card(f"Robe {n}", price="49,90 €", image_url=f"https://cdn.example/{n}.jpg")
        for n in range(15)
    )
    carousel = Carousel(cards=cards, text="Nos robes", more=Button("Plus", "page:2"))
    results = [adapter.send(account, IGSID, payload) for payload in adapter.render(carousel)]

    sent = fake_graph.requests_for("instagram")
    assert [r.status for r in sent] == [200] * 4  # intro, 10 cards, 5 cards, more
    assert all(r.json["recipient"] == {"id": IGSID} for r in sent)
    # the Page token, in the Authorization header rather than the URL (never in access logs)
    assert all(r.meta["access_token"] == fake_graph.instagram_token for r in sent)
    assert all("access_token" not in r.query for r in sent)
    assert all(result.platform_message_id for result in results)


def test_quick_replies_and_an_image_are_accepted_as_rendered(account, fake_graph):  # noqa: F811
    options = tuple(Button(f"Taille {n}", payload=f"s:{n}") for n in range(30, 43))
    for message in (QuickReplies("Quelle taille ?", options), Image("https://cdn.example/1.jpg")):
        for payload in adapter.render(message):
            adapter.send(account, IGSID, payload)
    assert [r.status for r in fake_graph.requests_for("instagram")] == [200, 200]


def test_what_instagram_refuses_is_a_permanent_rejection_naming_the_field(account):
    too_long = {"messaging_type": "RESPONSE", "message": {"text": "é" * 501}}  # 1002 bytes
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(account, IGSID, too_long)
    assert caught.value.code == PERMANENT_REJECTED
    assert "message[text]" in str(caught.value) and "1000" in str(caught.value)


@pytest.mark.parametrize(
    ("error", "raised", "code"),
    [
        ("app_rate_limit", RateLimited, "4"),
        ("api_throttled", RateLimited, "613"),
        ("ig_rate_limit", RateLimited, "80002"),
        ("user_unavailable", PermanentSendError, PERMANENT_BLOCKED),
        ("ig_outside_window", PermanentSendError, PERMANENT_WINDOW_CLOSED),
        ("ig_no_matching_user", PermanentSendError, PERMANENT_INVALID_RECIPIENT),
        ("invalid_token", PermanentSendError, PERMANENT_BAD_CREDENTIALS),
    ],
)
def test_graph_errors_are_mapped(account, fake_graph, error, raised, code):  # noqa: F811
    fake_graph.fail_with("instagram", error)
    with pytest.raises(raised) as caught:
        adapter.send(account, IGSID, adapter.render(Text("Bonjour"))[0])
    assert caught.type is raised
    assert caught.value.code == code


def test_a_rate_limit_waits_what_graph_asked(account, fake_graph):  # noqa: F811
    fake_graph.error_next(
        "instagram", 613, "(#613) Calls to this api have exceeded the rate limit."
    )
    fake_graph.fail_next("instagram", status=429, json={}, headers={"Retry-After": "7"})
    with pytest.raises(RateLimited):
        adapter.send(account, IGSID, adapter.render(Text("Bonjour"))[0])
    with pytest.raises(RateLimited) as caught:
        adapter.send(account, IGSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.retry_after == 7.0


@pytest.mark.parametrize(
    "response",
    [
        {"status": 500, "json": {"error": {"message": "An unknown error", "code": 1}}},
        {"status": 502, "body": b"<html>Bad Gateway</html>"},
        {"status": 400, "json": {"error": {"message": "(#2) Service unavailable", "code": 2}}},
    ],
)
def test_server_trouble_is_transient(account, fake_graph, response):  # noqa: F811
    fake_graph.fail_next("instagram", **response)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account, IGSID, adapter.render(Text("Bonjour"))[0])
    assert not isinstance(caught.value, RateLimited)


def test_a_hanging_graph_times_out(account, fake_graph, settings):  # noqa: F811
    settings.PLATFORM_TIMEOUT_SECONDS = 0.2
    fake_graph.delay_next("instagram", seconds=3)
    with pytest.raises(TransientSendError) as caught:
        adapter.send(account, IGSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == "timeout"


def test_a_missing_token_is_bad_credentials_without_a_call(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    no_token = AccountContext(id=1, kind="instagram", external_id="17841400000000001")
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(no_token, IGSID, adapter.render(Text("Bonjour"))[0])
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert fake_graph.requests == []


# --- The window and the HUMAN_AGENT tag -----------------------------------------------------------


def window(hours_ago: float | None):
    return adapter.reply_window(None if hours_ago is None else NOW - hours_ago * HOURS, NOW)


def test_within_24_hours_a_reply_goes_untagged():
    within = window(2)
    assert (within.open, within.tag, within.template_only) == (True, "", False)
    assert within.closes_at == NOW + 22 * HOURS
    assert "Instagram: within the 24-hour window (it closes in 22 h)" in within.explanation


def test_from_24_hours_to_7_days_a_persons_reply_goes_with_human_agent():
    late = window(27)
    assert (late.open, late.tag) == (True, TAG_HUMAN_AGENT)
    assert late.closes_at == NOW - 27 * HOURS + timedelta(days=7)
    assert "closed 3 h ago" in late.explanation and "HUMAN_AGENT" in late.explanation


@pytest.mark.parametrize("hours_ago", [24 * 7, 24 * 8, None])
def test_after_7_days_or_before_any_message_nothing_may_go(hours_ago):
    closed = window(hours_ago)
    assert (closed.open, closed.template_only, closed.tag) == (False, False, "")
    assert "Instagram" in closed.explanation


def test_a_late_reply_is_accepted_with_the_human_agent_tag(account, fake_graph):  # noqa: F811
    [payload] = adapter.tagged(adapter.render(Text("Désolée du retard !")), window(30).tag)
    adapter.send(account, IGSID, payload)

    sent = fake_graph.last("instagram")
    assert sent.status == 200
    assert (sent.json["messaging_type"], sent.json["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_instagram_has_no_post_purchase_tag(account, fake_graph):  # noqa: F811
    # Messenger's POST_PURCHASE_UPDATE does not exist on Instagram: nothing is added, and
    # Instagram itself judges the message against its window.
    payloads = adapter.render(Text("Votre commande est partie"))
    assert adapter.tagged(payloads, TAG_POST_PURCHASE) == payloads
    wrong = {**payloads[0], "messaging_type": "MESSAGE_TAG", "tag": "POST_PURCHASE_UPDATE"}
    with pytest.raises(PermanentSendError) as caught:
        adapter.send(account, IGSID, wrong)
    assert "HUMAN_AGENT" in str(caught.value)


# --- Connecting -----------------------------------------------------------------------------------


def test_connect_finds_the_linked_account_and_sets_ice_breakers_in_the_shops_language(
    fake_graph,  # noqa: F811
    settings,
):
    settings.META_GRAPH_URL = fake_graph.url
    connected = adapter.connect({"access_token": f"  {fake_graph.instagram_token} "}, language="fr")

    assert connected.external_id == fake_graph.instagram_account_id
    assert connected.name == "@maison.souk"
    assert connected.credentials == {
        "access_token": fake_graph.instagram_token,
        "page_id": fake_graph.page_id,
    }
    assert fake_graph.subscriptions[fake_graph.page_id] == ["messages", "messaging_postbacks"]
    profile = fake_graph.last("instagram_profile")
    assert profile.query["platform"] == "instagram" and profile.json["platform"] == "instagram"
    breakers = {entry["locale"]: entry["call_to_actions"] for entry in profile.json["ice_breakers"]}
    assert breakers["default"] == [
        {"question": "Quoi de neuf dans la boutique\u00a0?", "payload": "browse"},
        {"question": "Qu'y a-t-il dans mon panier\u00a0?", "payload": "cart"},
        {"question": "Puis-je parler à quelqu'un\u00a0?", "payload": "human"},
    ]
    # a shopper whose app is in English reads them in English, never a mix
    assert [q["question"] for q in breakers["en_US"]] == [
        "What's new in the shop?",
        "What's in my cart?",
        "Can I talk to a person?",
    ]
    assert breakers["en_GB"] == breakers["en_US"] and "fr_FR" not in breakers
    assert fake_graph.instagram_profile["ice_breakers"] == profile.json["ice_breakers"]


def test_an_english_shop_has_english_ice_breakers_by_default(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    instagram_connect({"access_token": fake_graph.instagram_token}, language="en")
    breakers = {
        e["locale"]: e["call_to_actions"] for e in fake_graph.instagram_profile["ice_breakers"]
    }
    assert breakers["default"][0]["question"] == "What's new in the shop?"
    assert breakers["fr_FR"][0]["question"] == "Quoi de neuf dans la boutique\u00a0?"


def test_connect_without_a_token_names_the_field_and_calls_nothing(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    with pytest.raises(ValidationError) as caught:
        instagram_connect({"access_token": "  "})
    assert caught.value.message_dict == {"credentials.access_token": ["This field is required."]}
    assert fake_graph.requests == []


def test_a_token_graph_refuses_is_bad_credentials_and_sets_nothing(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    with pytest.raises(SendError) as caught:
        instagram_connect({"access_token": "EAAwrong"})
    assert caught.value.code == PERMANENT_BAD_CREDENTIALS
    assert fake_graph.requests_for("instagram_profile") == []


def test_a_page_without_an_instagram_account_is_refused_with_the_reason(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    with pytest.raises(ValidationError) as caught:
        instagram_connect({"access_token": fake_graph.access_token})  # a Messenger-only Page
    [reason] = caught.value.message_dict["credentials.access_token"]
    assert "no Instagram professional account" in reason
    assert fake_graph.instagram_profile == {}


def test_capabilities():
    capabilities = adapter.capabilities
    assert capabilities.reply_window is True
    assert (capabilities.location_sharing, capabilities.native_invoice) == (False, False)
    assert (capabilities.numbered_menus, capabilities.templates) == (False, False)


def test_checking_changes_nothing_on_instagram(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    connected = instagram_check({"access_token": fake_graph.instagram_token})
    assert connected.external_id == fake_graph.instagram_account_id
    assert [r.route for r in fake_graph.requests] == ["me"]
    assert fake_graph.instagram_profile == {}


def test_subscribing_the_page_asks_graph_for_the_messaging_fields(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    instagram_subscribe(fake_graph.instagram_token, page_id=fake_graph.page_id)

    request = fake_graph.last("subscribed_apps")
    assert request.path.endswith(f"/{fake_graph.page_id}/subscribed_apps")
    assert request.query["subscribed_fields"] == "messages,messaging_postbacks"
    assert request.status == 200


def test_a_subscription_graph_refuses_is_a_send_error(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    with pytest.raises(SendError):
        instagram_subscribe(fake_graph.instagram_token, page_id="999999999999")
    assert fake_graph.subscriptions == {}


def test_ice_breakers_graph_refuses_are_a_send_error(fake_graph, settings):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    fake_graph.error_next("instagram_profile", 100, "(#100) Invalid parameter")
    with pytest.raises(SendError) as caught:
        instagram_set_ice_breakers(fake_graph.instagram_token, language="fr")
    assert caught.value.code == PERMANENT_REJECTED
    assert fake_graph.instagram_profile == {}
