"""Attribution: a paid order's revenue goes to its channel, and to the person who last wrote
in its conversation in the 7 days before payment, else to the bot."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dashboard.analytics import attribution
from dashboard.analytics_periods import period_for
from shops.models import Role
from tests.dashboard.analytics_helpers import ago, conversation, message, order
from tests.dashboard.conftest import member

pytestmark = pytest.mark.django_db


def shares_of(shop):
    with timezone.override(shop.timezone):
        found = attribution(shop=shop, period=period_for("30d"))
    return (
        {s.label: (s.revenue, s.orders) for s in found.by_author},
        {s.key: (s.revenue, s.orders) for s in found.by_channel},
    )


@pytest.fixture
def lea(shop):
    user = member(shop, Role.AGENT, email="lea@example.com")
    user.full_name = "Léa Agent"
    user.save(update_fields=["full_name"])
    return user


@pytest.fixture
def marc(shop):
    return member(shop, Role.MANAGER, email="marc@example.com")


def test_the_person_who_last_wrote_within_7_days_before_payment_gets_the_sale(shop, lea, marc):
    paid_at = ago(days=1)
    helped = conversation(shop, "whatsapp")
    message(helped, paid_at - timedelta(days=2), author=marc)
    message(helped, paid_at - timedelta(days=1), author=lea)  # the last before payment
    message(helped, paid_at - timedelta(hours=1))  # the bot wrote since: Léa still
    message(helped, paid_at + timedelta(hours=1), author=marc)  # after payment: no
    order(shop, helped, 10000, paid_at=paid_at, refunded=1000)

    long_ago = conversation(shop, "whatsapp")
    message(long_ago, paid_at - timedelta(days=8), author=lea)  # outside the window
    order(shop, long_ago, 4000, paid_at=paid_at)

    marcs = conversation(shop, "telegram")
    message(marcs, paid_at - timedelta(days=6, hours=23), author=marc)
    order(shop, marcs, 2500, paid_at=paid_at)

    bot_only = conversation(shop, "telegram")
    message(bot_only, paid_at - timedelta(minutes=5))
    order(shop, bot_only, 1500, paid_at=paid_at)
    order(shop, None, 700, paid_at=paid_at)  # placed through the API
    order(shop, bot_only, 9999, paid_at=None)  # never paid: nobody's

    by_author, by_channel = shares_of(shop)

    assert by_author == {
        "The bot": (5500, 2),
        "Léa Agent": (9000, 1),
        "marc@example.com": (2500, 1),
        "Outside a conversation (API)": (700, 1),
    }
    assert by_channel == {"telegram": (4000, 2), "whatsapp": (13000, 2), "": (700, 1)}


def test_the_page_states_the_rule_and_shows_bot_and_agents(owner_client, shop, lea):
    chat = conversation(shop, "messenger")
    message(chat, ago(days=2), author=lea)
    order(shop, chat, 4200, paid_at=ago(days=1))
    order(shop, conversation(shop, "messenger"), 1800, paid_at=ago(days=1))

    html = owner_client.get("/dashboard/analytics/").content.decode()

    assert "to the person of the team who last wrote to the shopper" in html
    assert "in the 7 days before payment; when nobody did, to the bot." in html
    assert '<tr data-attribution="bot"><th scope="row">The bot</th><td class="num">18,00' in html
    assert f'data-attribution="person:{lea.pk}"><th scope="row">Léa Agent</th>' in html
    assert "70.0 %" in html and "30.0 %" in html


def test_an_agents_name_is_escaped(owner_client, shop, lea):
    lea.full_name = '<script>alert("x")</script>'
    lea.save(update_fields=["full_name"])
    chat = conversation(shop)
    message(chat, ago(days=2), author=lea)
    order(shop, chat, 4200, paid_at=ago(days=1))

    html = owner_client.get("/dashboard/analytics/").content.decode()

    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the table
    assert "\\u003Cscript\\u003E" in html  # the chart's JSON block
