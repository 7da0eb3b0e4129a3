"""The analytics figures on small known datasets, each against the previous period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.analytics import figures
from dashboard.analytics_periods import period_for
from orders.models import FunnelStep
from shops.models import Role
from tests.dashboard.analytics_helpers import ago, conversation, message, order, step
from tests.dashboard.conftest import member

pytestmark = pytest.mark.django_db


def figures_of(shop, key="7d") -> dict:
    with timezone.override(shop.timezone):
        return {f.key: f for f in figures(shop=shop, period=period_for(key))}


def test_revenue_is_net_of_refunds_with_orders_and_average_against_the_week_before(shop):
    chat = conversation(shop)
    order(shop, chat, 10000, paid_at=ago(days=2), refunded=2000)
    order(shop, chat, 6000, paid_at=ago(days=1))
    order(shop, chat, 3000, paid_at=ago(days=3), refunded=3000)  # refunded in full: 0
    order(shop, chat, 5000, paid_at=None)  # never paid
    order(shop, chat, 4000, paid_at=ago(days=10))  # the week before
    order(shop, chat, 9900, paid_at=ago(days=20))  # before that: in neither

    found = figures_of(shop)

    assert (found["revenue"].current, found["revenue"].previous) == (14000, 4000)
    assert round(found["revenue"].change) == 250
    assert (found["orders"].current, found["orders"].previous) == (3, 1)
    assert round(found["aov"].current) == 4667 and found["aov"].previous == 4000
    assert found["revenue"].trend == "up" and found["revenue"].good is True


def test_another_shops_orders_never_count(shop, other_shop):
    order(other_shop, conversation(other_shop), 7000, paid_at=ago(days=1))
    order(shop, conversation(shop), 1000, paid_at=ago(days=1))

    assert figures_of(shop)["revenue"].current == 1000


def test_today_is_compared_with_yesterday_at_the_same_hours(shop):
    with timezone.override(shop.timezone):
        period = period_for("today")
    assert period.previous_start == period.start - timedelta(days=1)
    chat = conversation(shop)
    order(shop, chat, 2000, paid_at=period.start + (period.end - period.start) / 2)
    order(shop, chat, 1000, paid_at=period.previous_start + (period.end - period.start) / 2)
    order(shop, chat, 8000, paid_at=period.previous_end + timedelta(seconds=1))  # later then

    found = figures_of(shop, "today")

    assert (found["revenue"].current, found["revenue"].previous) == (2000, 1000)


def test_conversations_that_bought_and_those_the_bot_handled_alone(shop):
    agent = member(shop, Role.AGENT)
    bought = conversation(shop, started=ago(days=1))
    order(shop, bought, 5000, paid_at=ago(hours=20))
    handed = conversation(shop, started=ago(days=2))
    step(handed, FunnelStep.HANDED_OFF, ago(days=2))  # handed back since: still counts
    answered = conversation(shop, started=ago(days=3))
    message(answered, ago(days=3), author=agent)
    conversation(shop, started=ago(days=4))  # the bot alone
    waiting = conversation(shop, "webchat", started=ago(hours=2))
    waiting.handed_off = True
    waiting.save(update_fields=["handed_off"])
    conversation(shop, started=ago(days=9))  # the week before, the bot alone
    old = conversation(shop, started=ago(days=10))
    message(old, ago(days=10), author=agent)

    found = figures_of(shop)

    assert (found["conversations"].current, found["conversations"].previous) == (5, 2)
    assert found["bought"].current == pytest.approx(20.0)
    assert found["bought"].previous == 0
    assert found["bot_alone"].current == pytest.approx(40.0)  # bought + the plain one
    assert found["bot_alone"].previous == pytest.approx(50.0)


def test_median_first_response_from_the_hand_off_to_a_persons_first_message(shop):
    agent = member(shop, Role.AGENT)
    for wait in (60, 120, 600):
        chat = conversation(shop, started=ago(days=2))
        handed_at = ago(days=1, hours=wait // 60)
        step(chat, FunnelStep.HANDED_OFF, handed_at)
        message(chat, handed_at - timedelta(minutes=1), author=agent)  # before: not an answer
        message(chat, handed_at + timedelta(seconds=wait / 2))  # the bot: not a person
        message(chat, handed_at + timedelta(seconds=wait), author=agent)
        message(chat, handed_at + timedelta(seconds=wait + 30), author=agent)
    unanswered = conversation(shop)
    step(unanswered, FunnelStep.HANDED_OFF, ago(hours=3))
    before = conversation(shop, started=ago(days=12))
    step(before, FunnelStep.HANDED_OFF, ago(days=10))
    step(before, FunnelStep.HANDED_OFF, ago(days=9))
    message(before, ago(days=10) + timedelta(seconds=200), author=agent)
    message(before, ago(days=9) + timedelta(seconds=400), author=agent)

    found = figures_of(shop)["first_response"]

    assert found.current == pytest.approx(120, abs=1)
    assert found.previous == pytest.approx(300, abs=1)  # the middle of 200 and 400
    assert found.lower_is_better and found.trend == "down" and found.good is True


def test_no_data_gives_dashes_not_errors(owner_client):
    html = owner_client.get("/dashboard/analytics/").content.decode()

    assert "Revenue (net of refunds)" in html
    assert "No order was paid in this period." in html
    assert "No shopper wrote in this period." in html


def test_the_page_shows_each_figure_and_its_change(owner_client, shop):
    chat = conversation(shop)
    order(shop, chat, 15000, paid_at=ago(days=1))
    order(shop, chat, 10000, paid_at=ago(days=9))

    html = owner_client.get("/dashboard/analytics/").content.decode()

    assert "150,00\xa0€" in html and "before: 100,00\xa0€" in html
    assert "▲ 50.0 %" in html
