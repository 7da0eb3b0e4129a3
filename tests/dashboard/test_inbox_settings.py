"""The inbox's settings page: canned replies (with their / shortcut), labels and business hours.
Agents read it; managers and owners change it; a bad value is said beside its field and keeps
what was typed."""

import pytest

from conversations.inbox_selectors import canned_reply_list
from conversations.models import CannedReply, ConversationLabel, InboxSettings, Label
from tests.dashboard.inbox_helpers import conversation

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/inbox/canned/"


def test_agents_read_the_shortcuts_but_change_nothing(shop, agent_client):
    CannedReply.objects.create(shop=shop, shortcut="delai", text="Livraison en 48 h.")
    html = agent_client.get(PAGE).content.decode()
    assert "<code>/delai</code>" in html and "Livraison en 48 h." in html
    assert "Add a canned reply" not in html and "Save hours" not in html
    assert agent_client.post(PAGE, {"shortcut": "x", "text": "y"}).status_code == 403
    assert agent_client.post("/dashboard/inbox/labels/", {"name": "x"}).status_code == 403
    assert agent_client.post("/dashboard/inbox/hours/", {}).status_code == 403


def test_a_manager_adds_edits_and_deletes_a_canned_reply(shop, manager_client):
    response = manager_client.post(
        PAGE, {"shortcut": "/Delai", "text": "  Livraison en 48 h.  "}, follow=True
    )
    assert "Canned reply /delai added." in response.content.decode()
    reply = CannedReply.objects.get(shop=shop)
    assert (reply.shortcut, reply.text) == ("delai", "Livraison en 48 h.")

    edit = f"/dashboard/inbox/canned/{reply.pk}/"
    assert manager_client.get(edit).status_code == 200
    manager_client.post(edit, {"shortcut": "delay", "text": "Delivery in 2 days."})
    reply.refresh_from_db()
    assert (reply.shortcut, reply.text) == ("delay", "Delivery in 2 days.")

    html = manager_client.get(edit).content.decode()
    assert 'data-confirm="Delete the canned reply /delay?"' in html
    manager_client.post(f"{edit}delete/")
    assert not CannedReply.objects.exists()


@pytest.mark.parametrize(
    ("shortcut", "error"),
    [
        ("two words", "Use lower-case letters, digits, - or _"),
        ("", "This field is required."),
        ("taken", "/taken is already a canned reply."),
    ],
)
def test_a_bad_shortcut_is_said_beside_it_and_the_text_is_kept(
    shop, manager_client, shortcut, error
):
    CannedReply.objects.create(shop=shop, shortcut="taken", text="Already here")
    response = manager_client.post(PAGE, {"shortcut": shortcut, "text": "Mon texte à garder"})
    assert response.status_code == 400
    html = response.content.decode()
    assert error in html and "has-error" in html
    assert "Mon texte à garder" in html
    assert CannedReply.objects.count() == 1


def test_canned_replies_for_the_composer_by_prefix(shop, other_shop):
    for shortcut in ("delai", "delivery", "size"):
        CannedReply.objects.create(shop=shop, shortcut=shortcut, text=shortcut)
    CannedReply.objects.create(shop=other_shop, shortcut="delai-other", text="theirs")
    found = [r.shortcut for r in canned_reply_list(shop=shop, prefix="/del")]
    assert found == ["delai", "delivery"]


def test_labels_added_renamed_and_deleted(shop, manager_client):
    response = manager_client.post(
        "/dashboard/inbox/labels/", {"name": "VIP", "colour": "purple"}, follow=True
    )
    assert "Label “VIP” added." in response.content.decode()
    label = Label.objects.get(shop=shop)
    duplicate = manager_client.post("/dashboard/inbox/labels/", {"name": "vip", "colour": "red"})
    assert duplicate.status_code == 400
    assert "There is already a label named “vip”." in duplicate.content.decode()
    bad_colour = manager_client.post(
        "/dashboard/inbox/labels/", {"name": "Other", "colour": "#ff0000"}
    )
    assert bad_colour.status_code == 400

    manager_client.post(
        f"/dashboard/inbox/labels/{label.pk}/", {"name": "Gold", "colour": "yellow"}
    )
    label.refresh_from_db()
    assert (label.name, label.colour) == ("Gold", "yellow")

    conv = conversation(shop, "Léa")
    ConversationLabel.objects.create(shop=shop, conversation=conv, label=label)
    manager_client.post(f"/dashboard/inbox/labels/{label.pk}/delete/")
    assert not Label.objects.exists()
    assert list(conv.labels.all()) == []


def test_business_hours_saved_and_shown_again(shop, manager_client):
    data = {"opens_0": "09:00", "closes_0": "18:00", "opens_5": "10:00", "closes_5": "13:00"}
    manager_client.post("/dashboard/inbox/hours/", {**data, "away_message": "Bon week-end"})
    settings = InboxSettings.objects.get(shop=shop)
    assert settings.hours == {"0": ["09:00", "18:00"], "5": ["10:00", "13:00"]}
    assert settings.away_message == "Bon week-end"
    html = manager_client.get(PAGE).content.decode()
    assert 'name="opens_0" value="09:00"' in html and 'name="closes_5" value="13:00"' in html
    assert "Europe/Paris" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"opens_1": "09:00"}, "Give both times, or neither for a closed day."),
        ({"opens_1": "18:00", "closes_1": "09:00"}, "Closing comes after opening."),
        ({"opens_1": "nine", "closes_1": "18:00"}, "Enter a valid time."),
    ],
)
def test_bad_hours_are_refused_beside_the_day(shop, manager_client, data, error):
    response = manager_client.post("/dashboard/inbox/hours/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not InboxSettings.objects.exists()
