"""The inbox composer over the fake platforms: what each channel's rules say, and what the
platform receives when a person replies (Messenger's HUMAN_AGENT tag after 24 hours, a
WhatsApp template after its 24-hour window, Telegram at any time, SMS with its segment count);
refused replies are form errors with nothing sent or logged."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from channels_adapters.models import ChannelAccount, OutboundMessage, WhatsAppTemplate
from conversations.models import (
    CannedReply,
    Conversation,
    ConversationNote,
    Customer,
    CustomerIdentity,
    Message,
)
from shops.models import Role
from tests.dashboard.conftest import member, signed_in
from tests.fakes.conftest_plugin import fake_graph, fake_telegram, fake_twilio  # noqa: F401

HTMX = {"HTTP_HX_REQUEST": "true"}


def talk(account, external_id: str, *, wrote_ago: timedelta | None, name="Léa Martin"):
    """A conversation on `account` whose shopper last wrote `wrote_ago` (None: never)."""
    shop = account.shop
    customer = Customer.objects.create(shop=shop, name=name)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=external_id
    )
    conversation = Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )
    if wrote_ago is not None:
        message = Message.objects.create(
            shop=shop,
            conversation=conversation,
            direction="in",
            kind="text",
            text="Vous l'avez en 38 ?",
            body={"type": "text", "text": "Vous l'avez en 38 ?"},
        )
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - wrote_ago)
    return conversation


def composer_url(conversation) -> str:
    return f"/dashboard/inbox/{conversation.pk}/composer/"


def reply_url(conversation) -> str:
    return f"/dashboard/inbox/{conversation.pk}/reply/"


@pytest.fixture
def messenger(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="messenger",
        external_id=fake_graph.page_id,
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def whatsapp(shop, settings, fake_graph):  # noqa: F811
    settings.META_GRAPH_URL = fake_graph.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="whatsapp",
        external_id=fake_graph.phone_number_id,
        credentials={"access_token": fake_graph.access_token},
    )


@pytest.fixture
def telegram(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="telegram",
        external_id="123456789",
        credentials={"token": fake_telegram.token},
    )


@pytest.fixture
def sms(shop, settings, fake_twilio):  # noqa: F811
    settings.TWILIO_API_URL = fake_twilio.url
    return ChannelAccount.objects.create(
        shop=shop,
        kind="sms",
        external_id=fake_twilio.from_number,
        credentials={"account_sid": fake_twilio.account_sid, "auth_token": fake_twilio.auth_token},
    )


@pytest.fixture
def agent(shop):
    return signed_in(member(shop, Role.AGENT, email="ana@example.com"))


@pytest.fixture
def send(agent, django_capture_on_commit_callbacks):
    """POSTs a reply as the agent; the send task runs when the request's work commits."""

    def post(conversation, data: dict, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return agent.post(reply_url(conversation), data, **extra)

    return post


def outbound_of(conversation) -> list[Message]:
    return list(Message.objects.filter(conversation=conversation, direction="out"))


# --- Messenger ----------------------------------------------------------------------------------


def test_messenger_reply_after_25_hours_goes_out_with_the_human_agent_tag(
    messenger,
    fake_graph,  # noqa: F811
    agent,
    send,
):
    conversation = talk(messenger, "psid-1", wrote_ago=timedelta(hours=25))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "the 24-hour window closed 1 h ago" in page
    assert "sent with the HUMAN_AGENT tag" in page
    assert "Allowed until" in page

    response = send(conversation, {"mode": "text", "text": "Bonjour Léa, oui en 38 !"})

    assert response.status_code == 302
    [request] = fake_graph.requests_for("messenger")
    assert request.params["messaging_type"] == "MESSAGE_TAG"
    assert request.params["tag"] == "HUMAN_AGENT"
    assert request.params["recipient"] == {"id": "psid-1"}
    assert request.params["message"] == {"text": "Bonjour Léa, oui en 38 !"}
    [logged] = outbound_of(conversation)
    assert logged.author == agent.user
    assert logged.outbound.status == "sent"


def test_messenger_reply_within_24_hours_is_a_response(messenger, fake_graph, send):  # noqa: F811
    conversation = talk(messenger, "psid-2", wrote_ago=timedelta(hours=3))
    send(conversation, {"mode": "text", "text": "Avec plaisir"})
    [request] = fake_graph.requests_for("messenger")
    assert request.params["messaging_type"] == "RESPONSE"
    assert "tag" not in request.params


def test_messenger_after_8_days_refuses_with_a_clear_message(messenger, fake_graph, agent, send):  # noqa: F811
    conversation = talk(messenger, "psid-3", wrote_ago=timedelta(days=8))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "after 7 days Messenger allows no reply" in page
    assert 'id="composer-text"' not in page  # nothing to type into

    response = send(conversation, {"mode": "text", "text": "Toujours là ?"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert "form-errors" in html and "after 7 days Messenger allows no reply" in html
    assert "Nothing was sent." in html
    assert fake_graph.requests_for("messenger") == []
    assert outbound_of(conversation) == []
    assert not OutboundMessage.objects.exists()
    conversation.refresh_from_db()
    assert not conversation.handed_off  # a refused reply takes nothing over


def test_a_refused_platform_send_is_recorded_failed_with_its_reason(
    messenger,
    fake_graph,  # noqa: F811
    send,
):
    conversation = talk(messenger, "psid-4", wrote_ago=timedelta(hours=2))
    fake_graph.fail_with("messenger", "user_unavailable")
    send(conversation, {"mode": "text", "text": "Bonjour"})
    [logged] = outbound_of(conversation)
    assert (logged.outbound.status, logged.outbound.error_code) == ("failed", "blocked")


# --- WhatsApp -----------------------------------------------------------------------------------


@pytest.fixture
def order_update(whatsapp):
    return WhatsAppTemplate.objects.create(
        shop=whatsapp.shop,
        channel=whatsapp,
        name="order_update",
        language="fr",
        body_text="Bonjour {{1}}, votre commande {{2}} est prête.",
        param_labels=["Prénom", "Numéro de commande"],
    )


def test_whatsapp_after_25_hours_refuses_free_text_and_sends_a_template(
    whatsapp,
    fake_graph,  # noqa: F811
    order_update,
    agent,
    send,
):
    conversation = talk(whatsapp, "33612345678", wrote_ago=timedelta(hours=25))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "outside the 24-hour window only a template can be sent" in page
    assert "order_update (fr)" in page
    assert "Prénom" in page and "Numéro de commande" in page
    assert "Bonjour [Prénom], votre commande [Numéro de commande] est prête." in page  # preview
    assert 'id="composer-text"' not in page

    refused = send(conversation, {"mode": "text", "text": "Bonjour !"}, **HTMX).content.decode()
    errors = refused.split('class="form-errors"', 1)[1].split("</div>", 1)[0]
    assert "only a template can be sent" in errors and "Nothing was sent." in errors
    assert fake_graph.requests_for("whatsapp") == []
    assert outbound_of(conversation) == []

    fields = {f"t{order_update.pk}_p1": "Léa", f"t{order_update.pk}_p2": "#1001"}
    sent = send(conversation, {"mode": "template", "template": order_update.pk, **fields}, **HTMX)

    assert sent.status_code == 200
    [request] = fake_graph.requests_for("whatsapp")
    assert request.params["to"] == "33612345678"
    assert request.params["type"] == "template"
    assert request.params["template"] == {
        "name": "order_update",
        "language": {"policy": "deterministic", "code": "fr"},
        "components": [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": "Léa"}, {"type": "text", "text": "#1001"}],
            }
        ],
    }
    [logged] = outbound_of(conversation)
    assert logged.kind == "template"
    assert logged.text == "Bonjour Léa, votre commande #1001 est prête."
    assert logged.author == agent.user


def test_a_template_value_left_blank_is_an_error_beside_it(
    whatsapp,
    fake_graph,  # noqa: F811
    order_update,
    send,
):
    conversation = talk(whatsapp, "33600000001", wrote_ago=timedelta(days=2))
    data = {"mode": "template", "template": order_update.pk, f"t{order_update.pk}_p1": "Léa"}
    html = send(conversation, data, **HTMX).content.decode()
    assert "Fill this in: it goes into the message." in html
    assert 'value="Léa"' in html  # what was typed stays
    assert fake_graph.requests_for("whatsapp") == []


def test_another_numbers_template_cannot_be_sent(shop, whatsapp, order_update, send, fake_graph):  # noqa: F811
    other_number = ChannelAccount.objects.create(
        shop=shop, kind="whatsapp", external_id="109000000000999", credentials={}
    )
    conversation = talk(other_number, "33600000002", wrote_ago=timedelta(days=2))
    data = {"mode": "template", "template": order_update.pk, f"t{order_update.pk}_p1": "x"}
    send(conversation, data, **HTMX)
    assert fake_graph.requests == []
    assert outbound_of(conversation) == []


def test_whatsapp_without_templates_says_how_to_get_some(whatsapp, agent, owner_client):
    conversation = talk(whatsapp, "33600000003", wrote_ago=timedelta(days=3))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "No WhatsApp template is registered for this number yet." in page
    assert "Ask a manager" in page
    page = owner_client.get(composer_url(conversation), **HTMX).content.decode()
    assert 'href="/dashboard/channels/whatsapp/templates/"' in page


def test_whatsapp_within_24_hours_sends_free_text(whatsapp, fake_graph, send):  # noqa: F811
    conversation = talk(whatsapp, "33612340000", wrote_ago=timedelta(hours=23))
    send(conversation, {"mode": "text", "text": "Oui, en stock."})
    [request] = fake_graph.requests_for("whatsapp")
    assert request.params["type"] == "text"
    assert request.params["text"]["body"] == "Oui, en stock."


# --- Telegram, SMS, opt-out -----------------------------------------------------------------------


def test_telegram_has_no_window(telegram, fake_telegram, agent, send):  # noqa: F811
    conversation = talk(telegram, "4242", wrote_ago=timedelta(days=90))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "Telegram: no reply window" in page
    assert 'id="composer-count"' not in page  # Telegram bills no message
    send(conversation, {"mode": "text", "text": "Bonjour, toujours intéressée ?"})
    [request] = fake_telegram.requests_for("sendMessage")
    assert request.params["text"] == "Bonjour, toujours intéressée ?"
    assert str(request.params["chat_id"]) == "4242"


def test_sms_shows_segments_and_cost_and_sends(sms, fake_twilio, agent, send, settings):  # noqa: F811
    conversation = talk(sms, "+33612345678", wrote_ago=timedelta(days=10))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "SMS: no reply window" in page
    assert 'data-segment-cost="7"' in page and 'data-currency="EUR"' in page
    assert "SMS: each segment ~0,07\xa0€" in page

    settings.SOUK_SMS_SEGMENT_COST = 9
    refused = send(conversation, {"mode": "text", "text": "x" * 4001}, **HTMX).content.decode()
    assert "Ensure this value has at most 4000 characters" in refused
    assert "SMS: ≈ 27 segments · ~2,43\xa0€" in refused  # the typed text, counted and kept

    send(conversation, {"mode": "text", "text": "Votre colis arrive demain."})
    [request] = fake_twilio.requests_for("messages")
    assert request.params["Body"] == "Votre colis arrive demain."
    assert request.params["To"] == "+33612345678"


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Bonjour", "SMS: 1 segment · ~0,07\xa0€"),
        ("a" * 161, "SMS: ≈ 2 segments · ~0,14\xa0€"),
        (
            "Prêt ? " + "é" * 70,
            "SMS: ≈ 2 segments · ~0,14\xa0€ · UCS-2: special characters make segments shorter",
        ),
    ],
)
def test_sms_counter_for_gsm7_and_ucs2(sms, text, line, shop):
    from conversations import composer

    conversation = talk(sms, "+33600000009", wrote_ago=None)
    assert composer.reply_cost(conversation=conversation, text=text, shop=shop).line == line


def test_an_opted_out_shopper_cannot_be_written_to(sms, fake_twilio, agent, send):  # noqa: F811
    conversation = talk(sms, "+33699999999", wrote_ago=timedelta(minutes=5))
    Conversation.objects.filter(pk=conversation.pk).update(opted_out=True)
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert "The shopper opted out (STOP): they can&#x27;t be written to." in page
    assert 'id="composer-text"' not in page

    html = send(conversation, {"mode": "text", "text": "Bonjour"}, **HTMX).content.decode()
    assert "form-errors" in html and "opted out (STOP)" in html
    assert fake_twilio.requests == []
    assert outbound_of(conversation) == []


def test_the_api_reply_follows_the_same_rules(whatsapp, fake_graph, api):  # noqa: F811
    conversation = talk(whatsapp, "33612349999", wrote_ago=timedelta(hours=30))
    response = api.post(f"/api/v1/conversations/{conversation.pk}/reply/", {"text": "Bonjour"})
    assert response.status_code == 400
    assert "only a template can be sent" in response.json()["fields"]["text"][0]
    assert fake_graph.requests == []


# --- Taking over, the composer itself ----------------------------------------------------------


def test_a_reply_takes_the_conversation_over_and_assigns_it(telegram, fake_telegram, agent, send):  # noqa: F811
    conversation = talk(telegram, "4243", wrote_ago=timedelta(minutes=1))
    Conversation.objects.filter(pk=conversation.pk).update(status="resolved")
    response = send(conversation, {"mode": "text", "text": "Je m'en occupe."}, **HTMX)

    conversation.refresh_from_db()
    assert conversation.handed_off and conversation.assigned_to == agent.user
    assert conversation.status == "open"  # a resolved conversation is reopened
    assert ConversationNote.objects.filter(
        conversation=conversation, event="took_over", author=agent.user
    ).exists()  # the transcript says who took over
    trigger = json.loads(response["HX-Trigger"])
    [logged] = outbound_of(conversation)
    assert trigger == {
        "souk:composer-sent": {"conversation_id": conversation.pk, "message_id": logged.pk}
    }
    html = response.content.decode()
    assert "Reply queued: its delivery shows in the conversation." in html
    assert "Je m&#x27;en occupe." not in html  # the composer is cleared


def test_a_reply_keeps_someone_elses_assignment(shop, telegram, fake_telegram, send):  # noqa: F811
    colleague = member(shop, Role.MANAGER, email="marc@example.com")
    conversation = talk(telegram, "4244", wrote_ago=timedelta(minutes=1))
    Conversation.objects.filter(pk=conversation.pk).update(assigned_to=colleague)
    send(conversation, {"mode": "text", "text": "Bonjour"})
    conversation.refresh_from_db()
    assert conversation.assigned_to == colleague


def test_without_htmx_a_reply_redirects_with_a_message(telegram, fake_telegram, agent, send):  # noqa: F811
    conversation = talk(telegram, "4245", wrote_ago=timedelta(minutes=1))
    response = send(conversation, {"mode": "text", "text": "Bonjour"})
    assert response.status_code == 302
    page = agent.get(response["Location"]).content.decode()
    assert "Reply queued" in page


def test_an_empty_reply_is_an_error_beside_the_box(telegram, fake_telegram, send):  # noqa: F811
    conversation = talk(telegram, "4246", wrote_ago=timedelta(minutes=1))
    html = send(conversation, {"mode": "text", "text": "   "}, **HTMX).content.decode()
    assert "has-error" in html and "Write a reply first." in html
    assert fake_telegram.requests == []


def test_canned_replies_are_offered_with_their_shortcut(shop, other_shop, telegram, agent):
    CannedReply.objects.create(shop=shop, shortcut="delai", text="Livraison en <48 h> !")
    CannedReply.objects.create(shop=shop, shortcut="retour", text="Retours gratuits 30 jours.")
    CannedReply.objects.create(shop=other_shop, shortcut="secret", text="Not this shop's")
    conversation = talk(telegram, "4247", wrote_ago=timedelta(minutes=1))
    page = agent.get(composer_url(conversation), **HTMX).content.decode()
    assert 'data-shortcut="delai"' in page
    assert 'data-text="Livraison en &lt;48 h&gt; !"' in page  # escaped
    assert 'data-shortcut="retour"' in page
    assert "secret" not in page
    assert 'aria-controls="composer-canned"' in page


def test_every_role_may_reply_but_not_in_another_shop(
    shop,
    other_shop,
    telegram,
    fake_telegram,  # noqa: F811
    dashboard_client,
):
    conversation = talk(telegram, "4248", wrote_ago=timedelta(minutes=1))
    for role in (Role.AGENT, Role.MANAGER, Role.OWNER):
        assert dashboard_client(role).get(composer_url(conversation)).status_code == 200
    foreign_channel = ChannelAccount.objects.create(
        shop=other_shop, kind="telegram", external_id="999", credentials={"token": "1:x"}
    )
    foreign = talk(foreign_channel, "1", wrote_ago=timedelta(minutes=1))
    client = dashboard_client(Role.OWNER)
    assert client.get(composer_url(foreign)).status_code == 404
    assert client.post(reply_url(foreign), {"mode": "text", "text": "x"}).status_code == 404
    assert not Message.objects.filter(conversation=foreign, direction="out").exists()


def test_the_composer_page_works_without_javascript(telegram, agent):
    conversation = talk(telegram, "4249", wrote_ago=timedelta(minutes=1))
    page = agent.get(composer_url(conversation)).content.decode()
    assert "<h1>Reply to Léa Martin</h1>" in page
    assert 'method="post"' in page and f'action="{reply_url(conversation)}"' in page
    assert 'src="/static/dashboard/composer.js"' in page


def test_the_composer_query_count_stays_flat(shop, telegram, agent, django_assert_max_num_queries):
    conversation = talk(telegram, "4250", wrote_ago=timedelta(minutes=1))
    for n in range(3):
        CannedReply.objects.create(shop=shop, shortcut=f"c{n}", text="x")
    with django_assert_max_num_queries(6):
        agent.get(composer_url(conversation), **HTMX)
    for n in range(3, 60):
        CannedReply.objects.create(shop=shop, shortcut=f"c{n}", text="x")
        Message.objects.create(
            shop=shop, conversation=conversation, direction="in", kind="text", text="?", body={}
        )
    with django_assert_max_num_queries(6):
        agent.get(composer_url(conversation), **HTMX)
