"""The inbox list: every conversation of every channel, unread first then the newest; each
filter and the count beside it; search by name, phone or message text; 25 a page; a flat
query count; nothing of another shop."""

import re

import pytest

from conversations.models import ConversationLabel, Label
from shops.models import Role
from tests.dashboard.conftest import member
from tests.dashboard.inbox_helpers import channel, conversation, minutes_ago, said

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    """The customers' names in the list, top to bottom."""
    html = response.content.decode()
    found = re.findall(
        r'<span class="item-who">(?:<span[^>]*></span><span[^>]*>Unread: </span>)?([^<]+)</span>',
        html,
    )
    return [name.strip() for name in found]


def test_unread_conversations_come_first_then_the_newest(shop, agent_client):
    conversation(shop, "Read new", last=minutes_ago(1), seen=minutes_ago(0))
    conversation(shop, "Unread old", last=minutes_ago(50), seen=minutes_ago(60))
    conversation(shop, "Unread new", last=minutes_ago(5))  # never opened
    conversation(shop, "Read old", last=minutes_ago(90), seen=minutes_ago(80))
    conversation(shop, "Silent")  # the shopper never wrote

    response = agent_client.get("/dashboard/inbox/")

    assert response.status_code == 200
    assert names(response) == ["Unread new", "Unread old", "Read new", "Read old", "Silent"]
    html = response.content.decode()
    assert html.count('class="inbox-item unread"') == 2
    assert 'Unread <span class="count">2</span>' in html


def test_each_filter_shows_its_conversations_and_says_how_many(shop, dashboard_client):
    me = dashboard_client(Role.AGENT)
    teammate = member(shop, Role.AGENT, email="lea@example.com")
    teammate.full_name = "Léa Dubois"
    teammate.save()
    telegram = channel(shop, "telegram")
    sms = channel(shop, "sms", name="Boutique SMS")
    vip = Label.objects.create(shop=shop, name="VIP", colour="purple")

    conversation(shop, "Mine", account=telegram, assigned_to=me.user, handed_off=True)
    theirs = conversation(shop, "Theirs", account=sms, assigned_to=teammate)
    waiting = conversation(shop, "Waiting", account=sms, handed_off=True)
    conversation(shop, "Done", account=telegram, status="resolved")
    ConversationLabel.objects.create(shop=shop, conversation=theirs, label=vip)
    ConversationLabel.objects.create(shop=shop, conversation=waiting, label=vip)

    def shown(query: str) -> set[str]:
        return set(names(me.get(f"/dashboard/inbox/?{query}")))

    assert shown("") == {"Mine", "Theirs", "Waiting"}  # open ones by default
    assert shown(f"channel={telegram.pk}") == {"Mine"}
    assert shown(f"channel={sms.pk}") == {"Theirs", "Waiting"}
    assert shown("needs=on") == {"Mine", "Waiting"}
    assert shown("assigned=me") == {"Mine"}
    assert shown("assigned=none") == {"Waiting"}
    assert shown(f"assigned={teammate.pk}") == {"Theirs"}
    assert shown(f"label={vip.pk}") == {"Theirs", "Waiting"}
    assert shown("status=resolved") == {"Done"}
    assert shown("status=all") == {"Mine", "Theirs", "Waiting", "Done"}
    assert shown(f"channel={sms.pk}&needs=on") == {"Waiting"}

    html = me.get("/dashboard/inbox/").content.decode()
    assert ">Open (3)</option>" in html
    assert ">Resolved (1)</option>" in html
    assert ">All (4)</option>" in html
    assert ">Telegram (1)</option>" in html  # the resolved one is not open
    assert ">SMS · Boutique SMS (2)</option>" in html
    assert ">Me (1)</option>" in html
    assert ">Nobody (1)</option>" in html
    assert ">Léa Dubois (1)</option>" in html
    assert ">VIP (2)</option>" in html
    assert "Needs a person (2)" in html
    assert 'Mine <span class="count">1</span>' in html
    assert 'Unassigned <span class="count">1</span>' in html


def test_a_value_that_is_not_a_choice_is_ignored(shop, agent_client):
    conversation(shop, "Léa")
    response = agent_client.get("/dashboard/inbox/?channel=999999&label=x&status=nope")
    assert response.status_code == 200
    assert names(response) == ["Léa"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("martin", {"Léa Martin"}),
        ("06 12 34", {"Léa Martin"}),
        ("+33612", {"Léa Martin"}),
        ("robe rouge", {"Paul Durand"}),
        ("ROBE", {"Paul Durand"}),
        ("nothing like it", set()),
    ],
)
def test_search_by_name_phone_or_message_text(shop, agent_client, query, expected):
    lea = conversation(shop, "Léa Martin", phone="+33612345678")
    paul = conversation(shop, "Paul Durand", phone="+33698765432")
    said(lea, "Bonjour")
    said(paul, "Avez-vous la robe rouge en 38 ?")

    assert set(names(agent_client.get("/dashboard/inbox/", {"q": query}))) == expected


def test_a_phone_number_finds_the_shopper_by_their_channel_identity(shop, agent_client):
    conversation(shop, "WhatsApp shopper", external_id="33611223344")
    found = agent_client.get("/dashboard/inbox/", {"q": "06 11 22 33 44"})
    assert names(found) == ["WhatsApp shopper"]


def test_each_row_shows_what_was_said_last_and_who_answers(shop, agent_client):
    bot = conversation(shop, "Léa", last=minutes_ago(1))
    said(bot, "Où est ma commande ?")
    conversation(shop, "Paul", last=minutes_ago(2), handed_off=True)
    rows = agent_client.get("/dashboard/inbox/").content.decode().split('<li class="inbox-item')[1:]
    assert "Où est ma commande ?" in rows[0] and "Needs a person" not in rows[0]
    assert "Paul" in rows[1] and "Needs a person" in rows[1]


def test_25_a_page(shop, agent_client):
    for n in range(30):
        conversation(shop, f"Shopper {n:02}", last=minutes_ago(n))
    first = agent_client.get("/dashboard/inbox/")
    second = agent_client.get("/dashboard/inbox/?page=2")
    assert len(names(first)) == 25
    assert names(first)[0] == "Shopper 00"
    assert names(second) == [f"Shopper {n:02}" for n in range(25, 30)]
    assert "Page 1 of 2" in first.content.decode()


def test_another_shops_conversations_are_never_listed_or_counted(shop, other_shop, agent_client):
    conversation(other_shop, "Not ours", last=minutes_ago(1))
    conversation(shop, "Ours", last=minutes_ago(2))
    response = agent_client.get("/dashboard/inbox/?status=all")
    assert names(response) == ["Ours"]
    assert ">All (1)</option>" in response.content.decode()


def _fill(shop, count: int, labels: list[Label]) -> None:
    for n in range(count):
        conv = conversation(shop, f"Shopper {n}", last=minutes_ago(n), handed_off=n % 2 == 0)
        said(conv, f"Message {n}")
        for label in labels:
            ConversationLabel.objects.create(shop=shop, conversation=conv, label=label)


def test_the_list_costs_the_same_queries_for_3_or_25_conversations(
    shop, agent_client, django_assert_max_num_queries
):
    labels = [Label.objects.create(shop=shop, name=f"L{n}") for n in range(3)]
    _fill(shop, 3, labels)
    agent_client.get("/dashboard/inbox/")  # session and the like, read once
    with django_assert_max_num_queries(14) as few:
        agent_client.get("/dashboard/inbox/")
    _fill(shop, 25, labels)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = agent_client.get("/dashboard/inbox/")
    assert len(names(response)) == 25


def test_the_list_partial_keeps_the_filters_and_marks_the_open_conversation(shop, agent_client):
    waiting = conversation(shop, "Waiting", handed_off=True, last=minutes_ago(1))
    conversation(shop, "Bot only", last=minutes_ago(2))
    response = agent_client.get(f"/dashboard/inbox/list/?needs=on&current={waiting.pk}")
    html = response.content.decode()
    assert names(response) == ["Waiting"]
    assert 'aria-current="page"' in html
    assert f'/dashboard/inbox/{waiting.pk}/?needs=on"' in html
    assert "<html" not in html  # a fragment
