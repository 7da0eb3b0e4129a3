"""Two events of one conversation arriving together — a double tap, a tap right after a
message — are answered one after the other, on PostgreSQL, each in its own thread and database
connection as two workers would: the second waits for the first to be answered and committed,
reads the state it left, and the conversation ends in the state of the second, with one reply
each. (SQLite serialises every writer, so it would prove nothing: these tests need PostgreSQL
and fail under REQUIRE_SERVICES=1 when it is missing.)"""

import threading

import pytest
from django.db import connection, transaction

from catalog.services import product_create
from channels_adapters import messages as m
from channels_adapters.setup import webchat_channel
from conversations.engine.state import Step, state_load
from conversations.models import Conversation, Message
from conversations.services import inbound_handle
from orders.models import CartLine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

SHOPPER = m.Sender(external_id="visitor-concurrent-0001", name="Léa Martin")
HOLD_SECONDS = 0.5  # how long the first event keeps its transaction open once answered


def _answer(account, event, *, answered=None, after=None, errors):
    """One worker: the event answered in its own transaction, as inbound_event_process does.
    `answered` is set once the reply is written but not committed; `after` is waited for
    before starting."""
    try:
        if after is not None:
            assert after.wait(10), "the first event was never answered"
        with transaction.atomic():
            inbound_handle(account=account, events=[event])
            if answered is not None:
                answered.set()  # the second event tries the conversation's lock now
                threading.Event().wait(HOLD_SECONDS)
    except Exception as exc:  # reported by the test, not lost in a thread
        errors.append(exc)
    finally:
        connection.close()  # each thread had its own connection


def both_at_once(account, first: m.InboundEvent, second: m.InboundEvent) -> None:
    """`second` arrives while `first` is being answered."""
    answered, errors = threading.Event(), []
    threads = [
        threading.Thread(
            target=_answer, args=(account, first), kwargs={"answered": answered, "errors": errors}
        ),
        threading.Thread(
            target=_answer, args=(account, second), kwargs={"after": answered, "errors": errors}
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert not any(thread.is_alive() for thread in threads)


def exchanges(conversation) -> list[tuple[Message, list[Message]]]:
    """Each message the shopper sent, with the bot's messages that answered it (logged right
    after it, in the same transaction)."""
    log: list[tuple[Message, list[Message]]] = []
    for message in Message.objects.filter(conversation=conversation).order_by("id"):
        if message.direction == "in":
            log.append((message, []))
        else:
            log[-1][1].append(message)
    return log


@pytest.fixture
def account(shop):
    # The web chat: replies are stored for the page to read, nothing leaves the machine.
    return webchat_channel(shop=shop)


@pytest.fixture
def greeted(account):
    """The shopper said hello: the conversation exists, with the menu on screen."""
    inbound_handle(account=account, events=[m.ButtonPressed(sender=SHOPPER, payload="start")])
    return Conversation.objects.get()


def test_two_quick_taps_end_in_the_state_of_the_second_with_one_reply_each(
    require_postgres, shop, account, greeted
):
    belt, shirt = (
        product_create(
            shop=shop,
            title=title,
            variants=[{"sku": sku, "name": "Unique", "price": 4500, "stock": 10}],
        ).variants.get()
        for title, sku in (("Ceinture", "CE-1"), ("Chemise blanche", "CH-1"))
    )
    inbound_handle(
        account=account, events=[m.ButtonPressed(sender=SHOPPER, payload=f"q:{belt.pk}:1")]
    )
    # "Add to cart" and, a blink later, "My cart": the cart shown must hold the shirt.
    both_at_once(
        account,
        m.ButtonPressed(sender=SHOPPER, payload=f"q:{shirt.pk}:1"),
        m.ButtonPressed(sender=SHOPPER, payload="cart"),
    )

    *_, (add, added), (show, cart) = exchanges(greeted)
    # One reply each, in the order the taps came.
    assert [add.body["payload"], show.body["payload"]] == [f"q:{shirt.pk}:1", "cart"]
    assert [r.kind for r in added] == ["quick_replies"]
    assert "Chemise blanche" in added[0].text
    assert [r.kind for r in cart] == ["carousel", "quick_replies"]
    assert [card["title"] for card in cart[0].body["cards"]] == [
        "1 x Ceinture (Unique)",
        "1 x Chemise blanche (Unique)",
    ]
    lines = CartLine.objects.order_by("id")
    state = state_load(Conversation.objects.get().bot_state)
    # The cart's state, not the "added" one: its lines (their own numbers), Checkout, Keep
    # browsing.
    assert state.step == Step.MENU
    assert state.options == [f"line:{line.pk}" for line in lines] + ["checkout", "browse"]


def test_a_tap_right_after_a_message_reads_what_the_message_left(
    require_postgres, shop, account, greeted
):
    for n in range(13):
        product_create(
            shop=shop,
            title=f"Robe {n:02}",
            variants=[{"sku": f"R{n}", "name": "x", "price": 100, "stock": 1}],
        )
    # The first event searches; the second asks the search's next page: it can only be right
    # if it reads the query the first one stored.
    both_at_once(
        account,
        m.TextReceived(sender=SHOPPER, text="robe"),
        m.ButtonPressed(sender=SHOPPER, payload="sr:1"),
    )

    _, (search, found), (more, next_page) = exchanges(greeted)
    assert [search.text, more.body["payload"]] == ["robe", "sr:1"]
    assert [r.kind for r in found] == [r.kind for r in next_page] == ["carousel"]
    first_page, second_page = found[0].body["cards"], next_page[0].body["cards"]
    assert len(first_page) == 10 and len(second_page) == 3  # 13 dresses in all
    state = state_load(Conversation.objects.get().bot_state)
    assert state.query == "robe"
    assert state.options == [card["payload"] for card in second_page]
