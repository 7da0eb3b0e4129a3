"""What the bot tells a shopper who asks for a person: a person answers shortly when someone of
the team is online (used the inbox in the last few minutes); otherwise when the team is back
(business hours, in the shop's time zone) or as soon as possible; in the shop's language."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache

from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from conversations import business_hours
from conversations.business_hours import handoff_text, next_opening
from conversations.models import Conversation, InboxSettings, Message
from conversations.presence import ONLINE_SECONDS, presence_touch
from conversations.services import inbound_handle
from shops.models import Membership, Role
from tests.dashboard.conftest import member

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# A Wednesday.
WEDNESDAY_NOON = datetime(2026, 12, 2, 12, 0, tzinfo=PARIS)
WEEKDAYS_9_TO_18 = {str(day): ["09:00", "18:00"] for day in range(5)}


@pytest.fixture(autouse=True)
def nobody_online(shop):
    """Presence lives in the cache, which on Redis outlives a test run: start from nobody."""
    for user_id in Membership.objects.filter(shop=shop).values_list("user_id", flat=True):
        cache.delete(f"souk:inbox:online:{shop.pk}:{user_id}")


def at(moment: datetime, monkeypatch) -> None:
    monkeypatch.setattr(business_hours, "timezone", SimpleNamespace(now=lambda: moment))


def hours(shop, spans: dict, away: str = "") -> None:
    InboxSettings.objects.create(shop=shop, hours=spans, away_message=away)


def ask_for_a_person(shop) -> str:
    account = webchat_channel(shop=shop)
    sender = m.Sender(external_id="visitor-9")
    inbound_handle(account=account, events=[m.TextReceived(sender=sender, text="humain svp")])
    conversation = Conversation.objects.get(shop=shop)
    assert conversation.handed_off
    return Message.objects.filter(conversation=conversation, direction="out").last().text


def test_someone_online_answers_shortly(shop):
    agent = member(shop, Role.AGENT)
    presence_touch(shop_id=shop.pk, user_id=agent.pk)
    hours(shop, WEEKDAYS_9_TO_18)
    assert ask_for_a_person(shop) == (
        "Merci\u202f! Un membre de notre équipe va vous répondre ici très vite."
    )


def test_opening_the_inbox_counts_as_online(shop, agent_client):
    agent_client.get("/dashboard/inbox/")
    assert "très vite" in ask_for_a_person(shop)


def test_nobody_online_and_no_hours_set_as_soon_as_possible(shop):
    member(shop, Role.AGENT)
    assert ask_for_a_person(shop) == (
        "Merci\u202f! Un membre de notre équipe vous répondra ici dès que possible."
    )


def test_nobody_online_outside_hours_says_when_the_team_is_back(shop, monkeypatch):
    hours(shop, WEEKDAYS_9_TO_18, away="Urgent ? Appelez le 01 23 45 67 89.")
    at(datetime(2026, 12, 2, 20, 30, tzinfo=PARIS), monkeypatch)  # Wednesday evening
    text = ask_for_a_person(shop)
    assert text.startswith(
        "Merci\u202f! Notre équipe est absente pour le moment et de retour demain à 09:00"
    )
    assert text.endswith("\nUrgent ? Appelez le 01 23 45 67 89.")


def test_nobody_online_within_hours_as_soon_as_possible(shop, monkeypatch):
    hours(shop, WEEKDAYS_9_TO_18, away="Never said while open")
    at(WEDNESDAY_NOON, monkeypatch)
    assert "dès que possible" in ask_for_a_person(shop)


@pytest.mark.parametrize(
    ("now", "language", "expected"),
    [
        # Friday 19:00 → Monday morning.
        (datetime(2026, 12, 4, 19, 0, tzinfo=PARIS), "fr", "de retour lundi à 09:00"),
        (datetime(2026, 12, 4, 19, 0, tzinfo=PARIS), "en", "back on Monday at 09:00"),
        # Early morning → today.
        (datetime(2026, 12, 2, 7, 15, tzinfo=PARIS), "en", "back today at 09:00"),
        # The server's clock in UTC: 22:30 UTC is 23:30 in Paris, so tomorrow.
        (datetime(2026, 12, 2, 22, 30, tzinfo=ZoneInfo("UTC")), "en", "back tomorrow at 09:00"),
    ],
)
def test_when_the_team_is_back_in_the_shops_time_zone_and_language(
    shop, monkeypatch, now, language, expected
):
    hours(shop, WEEKDAYS_9_TO_18)
    assert expected in handoff_text(shop=shop, language=language, now=now)


def test_online_expires_after_a_few_minutes(shop, monkeypatch):
    agent = member(shop, Role.AGENT)
    presence_touch(shop_id=shop.pk, user_id=agent.pk)
    key = f"souk:inbox:online:{shop.pk}:{agent.pk}"
    assert cache.get(key) == 1
    assert ONLINE_SECONDS == 300
    cache.delete(key)  # what the cache does by itself after ONLINE_SECONDS
    assert "dès que possible" in handoff_text(shop=shop, language="fr")


def test_a_teammate_of_another_shop_online_does_not_count(shop, other_shop):
    stranger = member(other_shop, Role.OWNER, email="stranger@example.com")
    presence_touch(shop_id=other_shop.pk, user_id=stranger.pk)
    presence_touch(shop_id=shop.pk, user_id=stranger.pk)  # not a member of `shop`
    assert "dès que possible" in handoff_text(shop=shop, language="fr")


def test_next_opening_skips_closed_days_and_ignores_malformed_ones():
    spans = {"0": ["09:00", "18:00"], "2": ["nine", "18:00"], "3": ["18:00", "09:00"]}
    tuesday = datetime(2026, 12, 1, 10, 0, tzinfo=PARIS)
    assert next_opening(spans, tuesday) == datetime(2026, 12, 7, 9, 0, tzinfo=PARIS)
    assert next_opening({}, tuesday) is None
