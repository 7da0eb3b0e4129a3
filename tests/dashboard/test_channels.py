"""The dashboard's channels pages: what a manager sees of each connected account, connecting
one through the same service as the API (against the fake platforms), disconnecting one."""

import logging
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_adapters import setup
from channels_adapters.models import (
    ChannelAccount,
    ChannelKind,
    InboundEvent,
    OutboundMessage,
    OutboundStatus,
)
from shops.models import Role
from tests.fakes.conftest_plugin import fake_graph, fake_telegram  # noqa: F401

pytestmark = pytest.mark.django_db

LIST = "/dashboard/channels/"
PUBLIC = "https://souk.example.com"


@pytest.fixture(autouse=True)
def platforms(settings, fake_telegram, fake_graph):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.META_GRAPH_URL = fake_graph.url
    settings.SOUK_PUBLIC_URL = PUBLIC


def sms_account(shop, number="+15550001111", **fields) -> ChannelAccount:
    return ChannelAccount.objects.create(
        shop=shop,
        kind=ChannelKind.SMS,
        external_id=number,
        name=fields.pop("name", number),
        credentials={"account_sid": "AC123", "auth_token": "sms-secret"},
        **fields,
    )


def section_of(html: str, heading_id: str) -> str:
    """The <section> of one channel on the list page."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    return html[start : html.index("</section>", start)]


def field_block(html: str, name: str) -> str:
    """The .field <div> holding the input named `name`."""
    position = html.index(f'name="{name}"')
    start = html.rindex('<div class="field', 0, position)
    return html[start : html.index("</div>", position)]


# --- the list ---------------------------------------------------------------------------------


def test_list_shows_the_web_chat_link_and_a_link_snippet_not_an_iframe(manager_client, shop):
    html = manager_client.get(LIST).content.decode()

    webchat = section_of(html, "channel-webchat")
    chat_url = f"{PUBLIC}/chat/{shop.slug}/"
    assert f'href="{chat_url}"' in webchat
    # The snippet is shown as code to copy (escaped), and it is a link: the page refuses frames.
    assert f"&lt;a href=&quot;{chat_url}&quot;" in webchat
    assert "iframe" not in webchat
    assert "cannot be disconnected" in webchat
    webchat_id = ChannelAccount.objects.get(shop=shop, kind=ChannelKind.WEBCHAT).pk
    assert f"/dashboard/channels/{webchat_id}/disconnect/" not in html


def test_the_web_chat_page_really_refuses_frames(client, shop):
    """Why the page offers a link: a framed chat would be blocked by the browser."""
    setup.webchat_channel(shop=shop)
    response = client.get(f"/chat/{shop.slug}/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_list_shows_webhook_url_last_event_and_last_errors(manager_client, shop):
    account = sms_account(shop, last_error="Twilio answered 20003: authenticate")
    for number, minutes_ago in ((1, 90), (2, 5), (3, 30)):
        event = InboundEvent.objects.create(
            shop=shop, channel=account, event_id=f"SM{number}", payload={}
        )
        received = timezone.now() - timedelta(minutes=minutes_ago)
        InboundEvent.objects.filter(pk=event.pk).update(received_at=received)
    OutboundMessage.objects.create(
        shop=shop,
        channel=account,
        recipient="+15550002222",
        conversation_key="c1",
        message={"type": "text", "text": "Bonjour"},
        payloads=[{"body": "Bonjour"}],
        status=OutboundStatus.FAILED,
        error_code="opted_out",
        last_error="Attempt to send to unsubscribed recipient",
    )
    received = InboundEvent.objects.get(event_id="SM2").received_at
    latest = timezone.localtime(received, zoneinfo.ZoneInfo(shop.timezone))  # the shop's time

    html = manager_client.get(LIST).content.decode()

    row = section_of(html, f"channel-{account.pk}")
    assert f"{PUBLIC}/webhooks/sms/{account.pk}/" in row
    assert "A message comes in" in row  # where to paste it in Twilio
    assert latest.strftime("%H:%M") in row and "5\xa0minutes ago" in row
    assert "Twilio answered 20003: authenticate" in row
    assert "the shopper opted out (STOP)" in row
    assert "Attempt to send to unsubscribed recipient" in row
    assert "+15550001111" in row
    assert "sms-secret" not in html and "AC123" not in html


def test_a_channel_without_events_or_errors_says_so(manager_client, shop):
    account = sms_account(shop)
    row = section_of(manager_client.get(LIST).content.decode(), f"channel-{account.pk}")
    assert "Nothing received yet" in row
    assert re.search(r"Last error</dt><dd>\s*<span class=\"muted\">None</span>", row)


def test_failed_sends_older_than_a_week_are_not_shown(manager_client, shop):
    account = sms_account(shop)
    old = OutboundMessage.objects.create(
        shop=shop,
        channel=account,
        recipient="+15550002222",
        conversation_key="c1",
        message={"type": "text", "text": "x"},
        payloads=[{"body": "x"}],
        status=OutboundStatus.FAILED,
        last_error="Long forgotten failure",
    )
    OutboundMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=8))
    assert "Long forgotten failure" not in manager_client.get(LIST).content.decode()


def test_telegram_row_says_its_webhook_is_set_automatically(manager_client, shop, fake_telegram):  # noqa: F811
    account = setup.channel_connect(
        shop=shop, kind="telegram", credentials={"token": fake_telegram.token}
    )
    row = section_of(manager_client.get(LIST).content.decode(), f"channel-{account.pk}")
    assert f"{PUBLIC}/webhooks/telegram/{account.pk}/" in row
    assert "there is nothing to paste" in row
    assert fake_telegram.token not in row


def test_disconnect_button_asks_first_and_says_shoppers_lose_replies(manager_client, shop):
    account = sms_account(shop)
    row = section_of(manager_client.get(LIST).content.decode(), f"channel-{account.pk}")
    form = re.search(r'<form method="post" action="([^"]+)" data-confirm="([^"]+)"', row)
    assert form.group(1) == f"/dashboard/channels/{account.pk}/disconnect/"
    assert "will stop getting replies" in form.group(2)


def test_list_costs_the_same_queries_for_one_or_many_channels(manager_client, shop):
    manager_client.get(LIST)  # creates the web chat channel once
    with CaptureQueriesContext(connection) as few:
        assert manager_client.get(LIST).status_code == 200
    for n in range(8):
        account = sms_account(shop, number=f"+1555000{n:04d}")
        InboundEvent.objects.create(shop=shop, channel=account, event_id=f"e{n}", payload={})
    with CaptureQueriesContext(connection) as many:
        assert manager_client.get(LIST).status_code == 200
    assert len(many) == len(few)
    assert len(many) < 15


# --- connecting -------------------------------------------------------------------------------


def test_connect_telegram_against_the_platform(manager_client, shop, fake_telegram, caplog):  # noqa: F811
    caplog.set_level(
        logging.INFO
    )  # production's level (python-telegram-bot logs the token at DEBUG)
    response = manager_client.post(
        "/dashboard/channels/connect/telegram/", {"token": fake_telegram.token, "name": ""}
    )

    assert response.status_code == 302 and response["Location"] == LIST
    account = ChannelAccount.objects.get(shop=shop, kind=ChannelKind.TELEGRAM)
    assert account.credentials == {"token": fake_telegram.token}
    webhook = fake_telegram.webhook_for()
    assert webhook["url"] == f"{PUBLIC}/webhooks/telegram/{account.pk}/"
    page = manager_client.get(LIST).content.decode()
    assert f"{account} is connected" in page
    assert fake_telegram.token not in page
    assert fake_telegram.token not in caplog.text


def test_a_refused_token_shows_telegrams_reason_and_stores_nothing(manager_client, shop):
    response = manager_client.post(
        "/dashboard/channels/connect/telegram/", {"token": "999:not-a-real-token"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    errors = html[
        html.index('class="form-errors"') : html.index("</div>", html.index("form-errors"))
    ]
    assert "Telegram refused the token: " in errors  # the platform's reason, as it gave it
    assert "Rien n\u2019a été enregistré" in errors  # the shop speaks French
    assert "999:not-a-real-token" not in html  # the secret is not shown back
    assert not ChannelAccount.objects.filter(kind=ChannelKind.TELEGRAM).exists()


def test_sms_field_errors_stand_beside_their_field_and_keep_what_was_typed(manager_client, shop):
    response = manager_client.post(
        "/dashboard/channels/connect/sms/",
        {"external_id": "0612345678", "account_sid": "AC42", "auth_token": "tok-secret"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    number = field_block(html, "external_id")
    assert "has-error" in number and "Un numéro de téléphone au format E.164" in number
    assert 'value="0612345678"' in number
    assert 'value="AC42"' in field_block(html, "account_sid")
    assert "has-error" not in field_block(html, "account_sid")
    assert "tok-secret" not in html
    assert not ChannelAccount.objects.filter(kind=ChannelKind.SMS).exists()


def test_a_missing_secret_is_an_error_beside_it(manager_client):
    html = manager_client.post(
        "/dashboard/channels/connect/telegram/", {"token": "  "}
    ).content.decode()
    token = field_block(html, "token")
    assert "has-error" in token and "Ce champ est obligatoire." in token


def test_sms_connects_and_says_where_to_paste_the_webhook(manager_client, shop):
    response = manager_client.post(
        "/dashboard/channels/connect/sms/",
        {"external_id": "+15550001111", "account_sid": "AC42", "auth_token": "tok-secret"},
        follow=True,
    )

    account = ChannelAccount.objects.get(shop=shop, kind=ChannelKind.SMS)
    assert account.credentials == {"account_sid": "AC42", "auth_token": "tok-secret"}
    flash = response.content.decode()
    assert f"Webhook URL: {PUBLIC}/webhooks/sms/{account.pk}/" in flash


def test_a_number_already_connected_is_an_error_beside_it(manager_client, other_shop):
    sms_account(other_shop)
    html = manager_client.post(
        "/dashboard/channels/connect/sms/",
        {"external_id": "+15550001111", "account_sid": "AC42", "auth_token": "t"},
    ).content.decode()
    assert "déjà connecté à une boutique" in field_block(html, "external_id")


def test_messenger_connects_with_the_page_profile_set(manager_client, shop, fake_graph):  # noqa: F811
    response = manager_client.post(
        "/dashboard/channels/connect/messenger/",
        {"external_id": "1001", "access_token": fake_graph.access_token},
    )
    assert response.status_code == 302
    assert ChannelAccount.objects.filter(shop=shop, kind="messenger", external_id="1001").exists()
    assert fake_graph.messenger_profile["get_started"] == {"payload": "start"}


def test_whatsapp_connects_and_names_its_webhook(manager_client, shop):
    response = manager_client.post(
        "/dashboard/channels/connect/whatsapp/",
        {"external_id": "109876543210987", "access_token": "EAAwhatsapp", "name": "Boutique"},
        follow=True,
    )
    account = ChannelAccount.objects.get(shop=shop, kind=ChannelKind.WHATSAPP)
    assert (account.external_id, account.name) == ("109876543210987", "Boutique")
    assert f"Webhook URL: {PUBLIC}/webhooks/whatsapp/" in response.content.decode()
    assert "EAAwhatsapp" not in response.content.decode()


def test_messenger_page_id_must_be_digits(manager_client):
    html = manager_client.post(
        "/dashboard/channels/connect/messenger/",
        {"external_id": "my-page", "access_token": "EAAtoken"},
    ).content.decode()
    expected = "L\u2019identifiant de la Page Facebook (des chiffres) est obligatoire."
    assert expected in field_block(html, "external_id")


def test_each_connect_form_says_where_to_find_its_values(manager_client):
    expectations = {
        "telegram": "@BotFather",
        "messenger": "Transparence de la Page",  # the shop speaks French
        "whatsapp": "API Setup",
        "sms": "Twilio Console",
    }
    for kind, words in expectations.items():
        response = manager_client.get(f"/dashboard/channels/connect/{kind}/")
        assert response.status_code == 200
        html = response.content.decode()
        assert words in html
        assert 'type="password"' in html


@pytest.mark.parametrize("kind", ["webchat", "fax", "TELEGRAM"])
def test_unknown_kinds_are_not_found(manager_client, kind):
    assert manager_client.get(f"/dashboard/channels/connect/{kind}/").status_code == 404


# --- disconnecting ----------------------------------------------------------------------------


def test_disconnect_a_telegram_bot(manager_client, shop, fake_telegram):  # noqa: F811
    account = setup.channel_connect(
        shop=shop, kind="telegram", credentials={"token": fake_telegram.token}
    )

    response = manager_client.post(f"/dashboard/channels/{account.pk}/disconnect/", follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()
    assert fake_telegram.requests_for("deleteWebhook")
    assert "is disconnected" in response.content.decode()


def test_the_web_chat_cannot_be_disconnected(manager_client, shop):
    webchat = setup.webchat_channel(shop=shop)

    response = manager_client.post(f"/dashboard/channels/{webchat.pk}/disconnect/", follow=True)

    assert ChannelAccount.objects.filter(pk=webchat.pk).exists()
    assert "cannot be disconnected" in response.content.decode()


def test_another_shops_channel_is_not_found(manager_client, other_shop):
    theirs = sms_account(other_shop)
    response = manager_client.post(f"/dashboard/channels/{theirs.pk}/disconnect/")
    assert response.status_code == 404
    assert ChannelAccount.objects.filter(pk=theirs.pk).exists()


def test_disconnect_is_post_only(manager_client, shop):
    account = sms_account(shop)
    assert manager_client.get(f"/dashboard/channels/{account.pk}/disconnect/").status_code == 405
    assert ChannelAccount.objects.filter(pk=account.pk).exists()


# --- who may ----------------------------------------------------------------------------------


def test_agents_may_not_see_or_change_channels(agent_client, shop):
    account = sms_account(shop)
    assert agent_client.get(LIST).status_code == 403
    assert agent_client.get("/dashboard/channels/connect/sms/").status_code == 403
    response = agent_client.post(
        "/dashboard/channels/connect/sms/",
        {"external_id": "+15550009999", "account_sid": "AC1", "auth_token": "t"},
    )
    assert response.status_code == 403
    assert agent_client.post(f"/dashboard/channels/{account.pk}/disconnect/").status_code == 403
    assert ChannelAccount.objects.filter(shop=shop, kind=ChannelKind.SMS).count() == 1


@pytest.mark.parametrize("role", [Role.MANAGER, Role.OWNER])
def test_managers_and_owners_manage_channels(dashboard_client, role, shop):
    client = dashboard_client(role)
    account = sms_account(shop)
    assert client.get(LIST).status_code == 200
    assert client.get("/dashboard/channels/connect/telegram/").status_code == 200
    assert client.post(f"/dashboard/channels/{account.pk}/disconnect/").status_code == 302
    assert not ChannelAccount.objects.filter(pk=account.pk).exists()


def test_the_menu_links_channels_for_managers_only(manager_client, agent_client):
    assert 'href="/dashboard/channels/"' in manager_client.get(LIST).content.decode()
    assert 'href="/dashboard/channels/"' not in agent_client.get("/dashboard/").content.decode()
