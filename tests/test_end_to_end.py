"""A shopper writes to a shop's Telegram bot: the update comes in through the signed webhook,
is stored, processed by the bot, and the reply arrives at (fake) Telegram, sent by the real
python-telegram-bot client. In process on a zero-setup machine; through a real Celery worker
on Redis in CI."""

import json
import time

import pytest

from catalog.services import category_create, product_create
from channels_adapters.models import ChannelAccount, InboundEvent, OutboundMessage
from conversations.models import Message
from shops.live_models import LiveEvent
from tests.conftest import client_for
from tests.fakes.conftest_plugin import fake_telegram  # noqa: F401
from tests.test_services_integration import celery_worker  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def telegram_shop(shop, settings, fake_telegram):  # noqa: F811
    settings.TELEGRAM_API_URL = fake_telegram.url
    settings.SOUK_PUBLIC_URL = "https://souk.example.com"
    category_create(shop=shop, name="Robes")
    product_create(
        shop=shop,
        title="Robe portefeuille rouge",
        variants=[
            {"sku": "R-38", "name": "38", "options": {"size": "38"}, "price": 8990, "stock": 3}
        ],
    )
    api = client_for(shop)
    response = api.post(
        "/api/v1/channels/",
        {"kind": "telegram", "credentials": {"token": fake_telegram.token}},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def update(update_id: int, **content) -> dict:
    sender = {"id": 4242, "is_bot": False, "first_name": "Léa", "language_code": "fr"}
    if "data" in content:
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb{update_id}",
                "from": sender,
                "chat_instance": "1",
                "data": content["data"],
                "message": {
                    "message_id": 1,
                    "date": 1763900000,
                    "chat": {"id": 4242, "type": "private", "first_name": "Léa"},
                    "text": "menu",
                },
            },
        }
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "from": sender,
            "chat": {"id": 4242, "type": "private", "first_name": "Léa"},
            "date": 1763900000,
            "text": content["text"],
        },
    }


def deliver(client, channel, fake, body):
    return client.post(
        f"/webhooks/telegram/{channel['id']}/",
        json.dumps(body),
        content_type="application/json",
        headers=fake.secret_header(),
    )


def test_connecting_a_bot_sets_its_webhook_with_a_secret(telegram_shop, fake_telegram):  # noqa: F811
    webhook = fake_telegram.webhook_for()
    assert webhook["url"] == telegram_shop["webhook_url"]
    assert telegram_shop["webhook_url"].startswith("https://souk.example.com/webhooks/telegram/")
    assert len(webhook["secret_token"]) >= 32
    account = ChannelAccount.objects.get(pk=telegram_shop["id"])
    assert fake_telegram.token not in json.dumps(telegram_shop)
    assert webhook["secret_token"] not in account.webhook_secret_digest


def test_hello_gets_the_greeting_and_a_tap_gets_the_products(client, telegram_shop, fake_telegram):  # noqa: F811
    assert (
        deliver(client, telegram_shop, fake_telegram, update(1, text="Bonjour")).status_code == 200
    )

    greeting = fake_telegram.wait_for_route("sendMessage", count=1)[-1]
    assert greeting.params["chat_id"] in (4242, "4242")
    assert "Maison Rouge" in greeting.params["text"]
    keyboard = json.loads(greeting.params["reply_markup"])["inline_keyboard"]
    assert "browse" in [b["callback_data"] for row in keyboard for b in row]

    tap = deliver(client, telegram_shop, fake_telegram, update(2, data="browse"))
    # The button stops spinning at once: Telegram makes the call the response carries.
    assert tap.json()["method"] == "answerCallbackQuery"

    # One category: its products at once, no "Which category?" with one answer.
    products = fake_telegram.wait_for_route("sendMessage", count=2)[-1]
    assert "Robe portefeuille rouge" in products.params["text"]
    assert not fake_telegram.requests_for("answerCallbackQuery")  # not a second time
    assert OutboundMessage.objects.filter(status="sent").count() == 2


def test_the_same_update_delivered_five_times_gets_one_reply(client, telegram_shop, fake_telegram):  # noqa: F811
    for _ in range(5):
        assert (
            deliver(client, telegram_shop, fake_telegram, update(7, text="robe")).status_code == 200
        )

    assert InboundEvent.objects.count() == 1
    assert OutboundMessage.objects.count() == 1  # one carousel: one card, the intro atop it
    sent = fake_telegram.wait_for_route("sendMessage", count=1)
    time.sleep(0.3)  # room for a second reply to show up, if one were wrongly sent
    assert len(fake_telegram.requests_for("sendMessage")) == 1
    assert "Robe portefeuille rouge" in sent[-1].params["text"]


def test_end_to_end_through_a_real_celery_worker(
    client,
    telegram_shop,
    fake_telegram,  # noqa: F811
    celery_worker,  # noqa: F811
):
    assert (
        deliver(client, telegram_shop, fake_telegram, update(11, text="bonjour")).status_code == 200
    )

    reply = fake_telegram.wait_for_route("sendMessage", count=1, timeout=20)[-1]
    assert "Maison Rouge" in reply.params["text"]


def test_query_budget_of_one_inbound_text_handled_end_to_end(
    client,
    telegram_shop,
    fake_telegram,  # noqa: F811
):
    """Webhook stored, processed, answered by the bot, the reply queued and sent, the inbox's
    live events written: at most 8 queries for a returning shopper's text (transaction control
    statements excluded), on SQLite and PostgreSQL alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    deliver(client, telegram_shop, fake_telegram, update(20, text="bonjour"))  # first contact

    with CaptureQueriesContext(connection) as captured:
        deliver(client, telegram_shop, fake_telegram, update(21, text="salut"))

    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
    queries = [q["sql"] for q in captured if not q["sql"].startswith(control)]
    print(f"one inbound text end to end: {len(queries)} queries")
    for number, sql in enumerate(queries, 1):
        print(f"{number:2}. {sql[:160]}")
    assert len(fake_telegram.requests_for("sendMessage")) == 2
    assert "Léa" in fake_telegram.requests_for("sendMessage")[-1].params["text"]
    # What the shopper and the inbox observe is all there: the event stored and processed
    # once, both messages logged in order, the reply sent, the live events written.
    event = InboundEvent.objects.get(event_id="21")
    assert event.processed_at is not None and event.attempts == 0
    logged = list(Message.objects.order_by("id").values_list("direction", flat=True))
    assert logged == ["in", "out", "in", "out"]
    assert OutboundMessage.objects.filter(status="sent").count() == 2
    live = list(LiveEvent.objects.order_by("id").values_list("kind", flat=True))
    assert live[-3:] == ["message.created", "message.created", "message.status"]
    # 15 before (docs/performance.md, "Queries per message"). The 8: the event stored; claimed
    # and marked processed (one UPDATE … RETURNING); the conversation locked, with "has a
    # paid order" and "has replies queued" in the same query; the reply queued; both messages
    # logged (one INSERT); the conversation's state saved; the reply recorded as sent; the
    # live events (the two messages and the delivery, one INSERT). The channel comes from the
    # process's cache.
    assert len(queries) <= 8, "\n".join(queries)


def _queries_of(client, channel, fake, body) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        deliver(client, channel, fake, body)
    control = ("SAVEPOINT", "RELEASE", "BEGIN", "COMMIT", "ROLLBACK")
    return [q["sql"] for q in captured if not q["sql"].startswith(control)]


def test_query_budget_of_a_new_shoppers_first_message_and_of_a_tap(
    client,
    telegram_shop,
    fake_telegram,  # noqa: F811
):
    """A new shopper's first message: at most 11 queries (customer, identity and conversation
    created); a tap that shows a category's products: at most 13 (the catalog's reads, and one
    "sent" UPDATE per payload of a two-payload reply). docs/performance.md."""
    deliver(client, telegram_shop, fake_telegram, update(30, text="bonjour"))  # the bot's first
    newcomer = update(31, text="bonjour")
    for who in (newcomer["message"]["from"], newcomer["message"]["chat"]):
        who["id"] = 5151

    first = _queries_of(client, telegram_shop, fake_telegram, newcomer)
    tap = _queries_of(client, telegram_shop, fake_telegram, update(32, data="browse"))

    print(f"a new shopper's first message: {len(first)} queries; a tap: {len(tap)}")
    replies = fake_telegram.requests_for("sendMessage")
    assert replies[1].params["chat_id"] in (5151, "5151")
    assert "Robe portefeuille rouge" in replies[-1].params["text"]
    assert len(first) <= 11, "\n".join(first)
    assert len(tap) <= 13, "\n".join(tap)
