"""What an agent does to a conversation from the inbox: take over (the bot falls silent), hand
back (the bot answers the next message), assign, resolve / reopen (the shopper writing again
reopens it), labels and private notes (never sent to the shopper). Every role of the team may;
the live event and the webhook follow."""

import pytest

from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from channels_adapters.webchat.visitor_log import visitor_log
from conversations.models import Conversation, ConversationLabel, ConversationNote, Label, Message
from conversations.services import inbound_handle
from shops.live_models import LiveEvent
from shops.models import Role, WebhookDelivery
from shops.webhooks.services import webhook_endpoint_create
from tests.dashboard.conftest import member
from tests.dashboard.inbox_helpers import conversation

pytestmark = pytest.mark.django_db

VISITOR = m.Sender(external_id="visitor-1")


@pytest.fixture
def chat(shop):
    """A web chat shopper who has greeted the bot: their conversation, answered by the bot."""
    account = webchat_channel(shop=shop)
    inbound_handle(account=account, events=[m.TextReceived(sender=VISITOR, text="bonjour")])
    conv = Conversation.objects.select_related("channel", "customer").get(shop=shop)
    conv.customer.name = "Léa Visitor"
    conv.customer.save()
    return conv


def shopper_says(conv: Conversation, text: str) -> None:
    inbound_handle(account=conv.channel, events=[m.TextReceived(sender=VISITOR, text=text)])


def bot_replies(conv: Conversation) -> int:
    return Message.objects.filter(conversation=conv, direction="out", author=None).count()


def after(client, conv, action: str, data=None, **query) -> Conversation:
    url = f"/dashboard/inbox/{conv.pk}/{action}/"
    response = client.post(url + (f"?{query_string(query)}" if query else ""), data or {})
    assert response.status_code == 302, response.content
    return Conversation.objects.get(pk=conv.pk)


def query_string(query: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())


def test_taking_over_silences_the_bot_and_handing_back_lets_it_answer(chat, agent_client):
    answered = bot_replies(chat)
    assert answered >= 1

    conv = after(agent_client, chat, "take-over")
    assert conv.handed_off and conv.assigned_to == agent_client.user
    shopper_says(conv, "il y a quelqu'un ?")
    assert bot_replies(conv) == answered  # the bot said nothing
    assert Message.objects.filter(conversation=conv, direction="in").count() == 2  # logged

    conv = after(agent_client, chat, "hand-back")
    assert not conv.handed_off and conv.assigned_to is None
    shopper_says(conv, "menu")
    assert bot_replies(conv) == answered + 1  # the bot answers again


def test_taking_over_keeps_the_lists_filters_on_the_way_back(chat, agent_client):
    response = agent_client.post(f"/dashboard/inbox/{chat.pk}/take-over/?needs=on&page=2")
    assert response["Location"] == f"/dashboard/inbox/{chat.pk}/?needs=on&page=2"


def test_a_shopper_asking_for_a_person_needs_one_and_goes_to_the_top(chat, agent_client, shop):
    other = conversation(shop, "Zoé")
    other.last_message_at = chat.last_message_at
    other.save()
    agent_client.get(f"/dashboard/inbox/{chat.pk}/")  # read

    shopper_says(chat, "je voudrais parler à un humain")

    chat.refresh_from_db()
    assert chat.handed_off and chat.assigned_to is None
    html = agent_client.get("/dashboard/inbox/?needs=on").content.decode()
    assert html.count('<li class="inbox-item') == 1
    first_row = (
        agent_client.get("/dashboard/inbox/").content.decode().split('<li class="inbox-item')[1]
    )
    assert "unread" in first_row.split(">")[0] and "Needs a person" in first_row


def test_assign_to_a_teammate_then_to_nobody(shop, agent_client):
    conv = conversation(shop, "Léa")
    sam = member(shop, Role.AGENT, email="sam@example.com")

    conv = after(agent_client, conv, "assign", {"assignee": str(sam.pk)})
    assert conv.assigned_to == sam
    conv = after(agent_client, conv, "assign", {"assignee": ""})
    assert conv.assigned_to is None
    events = list(ConversationNote.objects.filter(conversation=conv).values_list("event", "text"))
    assert events == [("assigned", "sam@example.com"), ("assigned", "")]


def test_nobody_outside_the_team_can_be_assigned(shop, other_shop, agent_client):
    conv = conversation(shop, "Léa")
    stranger = member(other_shop, Role.OWNER, email="stranger@example.com")
    response = agent_client.post(
        f"/dashboard/inbox/{conv.pk}/assign/", {"assignee": str(stranger.pk)}, follow=True
    )
    assert "Choose someone of the team, or nobody." in response.content.decode()
    conv.refresh_from_db()
    assert conv.assigned_to is None


def test_resolve_hands_back_and_the_shopper_writing_again_reopens(chat, agent_client):
    after(agent_client, chat, "take-over")
    conv = after(agent_client, chat, "resolve")
    assert conv.status == "resolved" and conv.resolved_at and not conv.handed_off
    assert "Resolved" in agent_client.get("/dashboard/inbox/?status=resolved").content.decode()
    assert chat.customer.name not in agent_client.get("/dashboard/inbox/").content.decode()

    answered = bot_replies(conv)
    shopper_says(conv, "merci !")
    conv.refresh_from_db()
    assert conv.status == "open" and conv.resolved_at is None
    assert bot_replies(conv) == answered + 1


def test_reopen(shop, agent_client):
    conv = conversation(shop, "Léa", status="resolved")
    conv = after(agent_client, conv, "reopen")
    assert conv.status == "open"


def test_labels_are_set_from_the_conversation(shop, other_shop, agent_client):
    conv = conversation(shop, "Léa")
    vip = Label.objects.create(shop=shop, name="VIP", colour="purple")
    late = Label.objects.create(shop=shop, name="Late delivery", colour="orange")
    theirs = Label.objects.create(shop=other_shop, name="Theirs")

    after(agent_client, conv, "labels", {"labels": [vip.pk, late.pk]})
    assert set(conv.labels.all()) == {vip, late}
    html = agent_client.get(f"/dashboard/inbox/{conv.pk}/").content.decode()
    assert '<span class="label label-purple">VIP</span>' in html

    after(agent_client, conv, "labels", {"labels": [late.pk]})
    assert list(conv.labels.all()) == [late]

    after(agent_client, conv, "labels", {"labels": [theirs.pk]})  # refused, nothing changes
    assert list(conv.labels.all()) == [late]
    assert not ConversationLabel.objects.filter(label=theirs).exists()


def test_a_private_note_is_never_sent_to_the_shopper(chat, agent_client):
    before = Message.objects.count()
    response = agent_client.post(
        f"/dashboard/inbox/{chat.pk}/notes/", {"text": "Asked for a refund last week"}, follow=True
    )
    html = response.content.decode()
    assert "Note added. Only your team sees it." in html
    assert "Asked for a refund last week" in html
    note = ConversationNote.objects.get(conversation=chat)
    assert (note.author, note.event) == (agent_client.user, "")
    assert Message.objects.count() == before  # nothing queued to the shopper
    seen = visitor_log(account=chat.channel, visitor_id=VISITOR.external_id, after_id=0)
    assert "refund" not in str(seen)


def test_an_empty_note_is_refused(chat, agent_client):
    response = agent_client.post(f"/dashboard/inbox/{chat.pk}/notes/", {"text": "  "}, follow=True)
    assert "Write the note first" in response.content.decode()
    assert not ConversationNote.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER, Role.OWNER])
def test_every_role_of_the_team_may_act(shop, dashboard_client, role):
    conv = conversation(shop, "Léa")
    conv = after(dashboard_client(role), conv, "take-over")
    assert conv.handed_off


def test_changes_are_announced_live_and_to_integrators(
    shop, agent_client, settings, django_capture_on_commit_callbacks
):
    settings.SOUK_WEBHOOKS_ALLOW_LOCAL = True
    webhook_endpoint_create(
        shop=shop,
        url="https://hooks.example.com/souk",
        events=["conversation.assigned", "conversation.resolved", "conversation.handoff"],
    )
    conv = conversation(shop, "Léa")
    with django_capture_on_commit_callbacks(execute=True):  # live events follow the commit
        after(agent_client, conv, "take-over")
        after(agent_client, conv, "resolve")

    changes = [
        event.data.get("change")
        for event in LiveEvent.objects.filter(shop=shop, kind="conversation.updated")
    ]
    assert "assigned" in changes and "status" in changes
    types = set(WebhookDelivery.objects.filter(shop=shop).values_list("event_type", flat=True))
    assert {"conversation.handoff", "conversation.assigned", "conversation.resolved"} <= types
    assigned = WebhookDelivery.objects.get(event_type="conversation.assigned").payload["data"]
    assert assigned["assignee"]["email"] == agent_client.user.email
    assert assigned["conversation_id"] == conv.pk
