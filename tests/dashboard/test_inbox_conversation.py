"""One conversation in the inbox: the transcript as the shopper saw it (cards, chips, receipts,
payment requests, what they tapped or shared), who wrote each outgoing message and whether it
arrived (with the reason in words when not), the team's notes; opening it marks it read; a
second agent is warned that someone else is looking; shortcuts; nothing of another shop."""

import pytest

from channels_adapters import messages as m
from conversations.models import Conversation, ConversationNote
from conversations.presence import presence_touch
from shops.models import Role
from tests.dashboard.conftest import member, signed_in
from tests.dashboard.inbox_helpers import conversation, minutes_ago, said, sent

pytestmark = pytest.mark.django_db


def page(client, conv: Conversation) -> str:
    response = client.get(f"/dashboard/inbox/{conv.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_transcript_shows_each_kind_of_message_as_the_shopper_saw_it(shop, dashboard_client):
    client = dashboard_client(Role.AGENT)
    ana = member(shop, Role.AGENT, email="ana@example.com")
    ana.full_name = "Ana Lopez"
    ana.save()
    conv = conversation(shop, "Léa Martin")
    said(conv, "Bonjour, avez-vous des robes ?")
    sent(
        conv,
        m.QuickReplies(
            "Que souhaitez-vous faire ?",
            (
                m.Button("Parcourir", "browse"),
                m.Button("Payer 45,00 €", url="https://pay.example/x"),
            ),
        ),
    )
    said(conv, "", type="button", payload="browse", title="Parcourir")
    sent(
        conv,
        m.Carousel(
            (
                m.Card("Robe portefeuille", price="89,90 €", buttons=(m.Button("Choisir", "p:1"),)),
                m.Card("Chemise blanche", price="45,00 €"),
            ),
            text="Voici notre sélection :",
        ),
    )
    said(conv, "", type="location", latitude=48.8566, longitude=2.3522, address="Paris")
    said(conv, "", type="contact", name="Léa M.", phone="+33612345678")
    sent(
        conv,
        m.Receipt(
            order_number="#1001",
            recipient_name="Léa Martin",
            currency="EUR",
            lines=(m.ReceiptLine("Robe portefeuille", 1, "89,90 €"),),
            subtotal="89,90 €",
            shipping="4,90 €",
            total="94,80 €",
            payment_method="Visa •••• 4242",
            heading="Merci ! La commande n°1001 est réglée.",
        ),
    )
    sent(
        conv,
        m.Invoice(
            "Maison Rouge n°1002",
            "1 article",
            "order:1002",
            "EUR",
            (("Robe", 8990), ("Livraison", 490)),
        ),
    )
    sent(conv, m.Text("Bonjour Léa, je regarde pour vous."), author=ana)
    sent(conv, m.Text("Êtes-vous là ?"), author=ana, status="failed", error_code="blocked")
    sent(conv, m.Text("Toujours là ?"), status="failed", error_code="window_closed")
    sent(conv, m.Text("En route"), status="queued")
    ConversationNote.objects.create(shop=shop, conversation=conv, author=ana, text="VIP, be nice")

    html = page(client, conv)

    assert "Bonjour, avez-vous des robes ?" in html
    # Quick replies as chips; a link button says it opens a link.
    assert '<li class="chip">Parcourir</li>' in html
    assert "Payer 45,00 €" in html and "(opens a link)" in html
    assert "Tapped</span> “Parcourir”" in html
    # A carousel as cards with their prices and buttons.
    assert '<p class="card-title">Robe portefeuille</p>' in html
    assert '<p class="card-price">89,90 €</p>' in html
    assert '<p class="card-title">Chemise blanche</p>' in html
    assert "<li>Choisir</li>" in html
    assert "Shared a location:</span> Paris" in html
    assert "Shared a contact:</span> Léa M. · +33612345678" in html
    # The receipt and the payment request with its total.
    assert "Merci ! La commande n°1001 est réglée." in html
    assert "Total 94,80 €" in html and "Paid with Visa •••• 4242" in html
    assert "Payment request</span> Maison Rouge n°1002" in html
    assert "<strong>94,80\xa0€</strong>" in html
    # Who wrote it: the bot or the agent's name; delivery and failure reasons in words.
    assert '<p class="msg-author">Bot</p>' in html
    assert '<p class="msg-author">Ana Lopez</p>' in html
    assert "Blocked: the shopper blocked the shop on this channel." in html
    assert "Window closed: the channel no longer accepts messages" in html
    assert html.count("Not delivered</span>") == 2
    assert "Sending…" in html
    # The private note, marked as such.
    assert "VIP, be nice" in html
    assert "only your team sees this" in html
    # In the order it happened: the note after the last message.
    assert (
        html.index("Bonjour, avez-vous")
        < html.index("Robe portefeuille")
        < html.index("VIP, be nice")
    )


def test_what_the_team_did_is_in_the_transcript(shop, dashboard_client):
    client = dashboard_client(Role.AGENT)
    conv = conversation(shop, "Léa")
    client.post(f"/dashboard/inbox/{conv.pk}/take-over/")
    client.post(f"/dashboard/inbox/{conv.pk}/resolve/")
    html = page(client, conv)
    who = client.user.email
    assert f"{who} took over from the bot" in html
    assert f"{who} resolved the conversation" in html


def test_opening_a_conversation_marks_it_read(shop, agent_client):
    conv = conversation(shop, "Léa", last=minutes_ago(1))
    assert 'class="inbox-item unread"' in agent_client.get("/dashboard/inbox/").content.decode()

    page(agent_client, conv)

    conv.refresh_from_db()
    assert conv.agent_last_seen_at >= conv.last_message_at
    assert 'class="inbox-item unread"' not in agent_client.get("/dashboard/inbox/").content.decode()


def test_a_second_agent_is_told_who_else_is_looking(shop):
    lea = member(shop, Role.AGENT, email="lea@example.com")
    lea.full_name = "Lea"
    lea.save()
    sam = member(shop, Role.AGENT, email="sam@example.com")
    conv = conversation(shop, "Paul")
    first, second = signed_in(lea), signed_in(sam)

    assert "also looking" not in page(first, conv)
    html = page(second, conv)

    assert "Lea is also looking at this conversation." in html
    # The presence ping says the same to the first agent, about the second.
    ping = first.get(f"/dashboard/inbox/{conv.pk}/presence/").content.decode()
    assert "sam@example.com is also looking at this conversation." in ping
    # Looking at another conversation does not count.
    other = conversation(shop, "Zoé")
    assert "also looking" not in page(second, other)


def test_presence_is_per_shop_team_only(shop, other_shop):
    conv = conversation(shop, "Paul")
    stranger = member(other_shop, Role.OWNER, email="stranger@example.com")
    presence_touch(shop_id=shop.pk, user_id=stranger.pk, conversation_id=conv.pk)
    html = page(signed_in(member(shop, Role.AGENT)), conv)
    assert "also looking" not in html


def test_the_page_has_its_regions_shortcuts_and_scripts(shop, agent_client):
    conv = conversation(shop, "Léa")
    html = page(agent_client, conv)
    assert 'id="thread"' in html and 'id="note-text"' in html
    assert 'id="action-take-over"' in html and 'id="action-resolve"' in html
    assert f'hx-get="/dashboard/inbox/list/?current={conv.pk}"' in html
    assert 'id="shortcuts-dialog"' in html
    for key, action in [
        ("j", "Next conversation"),
        ("k", "Previous conversation"),
        ("r", "Reply"),
        ("n", "Write a private note"),
        ("t", "Take over"),
        ("e", "Resolve"),
        ("?", "This list"),
    ]:
        assert f"<dt><kbd>{key}</kbd></dt><dd>{action}" in html
    assert "/static/dashboard/inbox.js" in html and "/static/dashboard/live.js" in html
    assert html.count("/static/dashboard/live.js") == 1  # the layout brings it


def test_the_thread_partial_refreshes_the_transcript_and_the_header(shop, agent_client):
    conv = conversation(shop, "Léa", handed_off=True, last=minutes_ago(1))
    said(conv, "Vous êtes là ?")
    html = agent_client.get(f"/dashboard/inbox/{conv.pk}/thread/?read=0").content.decode()
    conv.refresh_from_db()
    assert conv.agent_last_seen_at is None  # a tab in the background reads nothing
    agent_client.get(f"/dashboard/inbox/{conv.pk}/thread/?read=1")
    conv.refresh_from_db()
    assert conv.agent_last_seen_at is not None
    assert "<html" not in html
    assert html.startswith('<div id="thread"') or html.lstrip().startswith('<div id="thread"')
    assert "Vous êtes là ?" in html
    assert 'id="conversation-head" class="conversation-head" hx-swap-oob="true"' in html
    assert "Needs a person" in html


def test_another_shops_conversation_is_not_found(shop, other_shop, agent_client):
    theirs = conversation(other_shop, "Not ours")
    for path in ("", "thread/", "presence/"):
        assert agent_client.get(f"/dashboard/inbox/{theirs.pk}/{path}").status_code == 404
    for action in ("take-over", "hand-back", "assign", "resolve", "reopen", "labels", "notes"):
        response = agent_client.post(f"/dashboard/inbox/{theirs.pk}/{action}/", {"text": "x"})
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert not theirs.handed_off and theirs.status == "open"
    assert not ConversationNote.objects.exists()


def _talk(conv: Conversation, rounds: int) -> None:
    for n in range(rounds):
        said(conv, f"Question {n}")
        sent(conv, m.Text(f"Answer {n}"))
        ConversationNote.objects.create(shop_id=conv.shop_id, conversation=conv, text=f"N{n}")


def test_the_page_costs_the_same_queries_for_a_short_or_long_conversation(
    shop, agent_client, django_assert_max_num_queries
):
    conv = conversation(shop, "Léa", last=minutes_ago(1))
    _talk(conv, 2)
    page(agent_client, conv)  # marks it read
    with django_assert_max_num_queries(14) as few:
        page(agent_client, conv)
    _talk(conv, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = page(agent_client, conv)
    assert "Answer 39" in html and "N39" in html
