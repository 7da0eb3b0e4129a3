"""The funnel per channel: distinct conversations at each step, and the steps recorded where
they happen (the bot showing a product, cart_add, checkout_start, a hand-off)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.services import product_create
from channels_adapters import messages as m
from conversations.engine.dispatch import respond
from conversations.services import conversation_hand_back, conversation_hand_off
from dashboard.analytics import funnel
from dashboard.analytics_periods import period_for
from orders import checkout as checkouts
from orders.funnel import FunnelSource
from orders.models import FunnelEvent, FunnelStep
from orders.services import cart_add, cart_open
from orders.stock import NotEnoughStock
from tests.dashboard.analytics_helpers import (
    ago,
    conversation,
    earlier_today,
    order,
    step,
    wrote,
)

pytestmark = pytest.mark.django_db


def columns_of(shop, key="7d") -> dict[str, dict]:
    with timezone.override(shop.timezone):
        return {c.kind: c.counts for c in funnel(shop=shop, period=period_for(key))}


def test_each_step_counts_distinct_conversations_per_channel(shop):
    browsing = conversation(shop, "telegram")
    for _ in range(3):  # viewed three times, counted once
        step(browsing, FunnelStep.PRODUCT_VIEWED, ago(days=1))
    buyer = conversation(shop, "telegram", started=ago(days=30))
    wrote(buyer, ago(hours=5))
    for name in (FunnelStep.PRODUCT_VIEWED, FunnelStep.ADDED_TO_CART, FunnelStep.ADDED_TO_CART):
        step(buyer, name, ago(days=2))
    step(buyer, FunnelStep.CHECKOUT_STARTED, ago(days=2))
    order(shop, buyer, 5000, paid_at=ago(days=2))
    order(shop, buyer, 2000, paid_at=ago(days=1))  # a second order: still one conversation
    step(buyer, FunnelStep.HANDED_OFF, ago(days=1))  # not a funnel step
    conversation(shop, "webchat")  # wrote, did nothing else
    dormant = conversation(shop, "sms", started=ago(days=40))
    wrote(dormant, ago(days=20))  # silent during the period: not in it
    old_steps = conversation(shop, "webchat")
    step(old_steps, FunnelStep.ADDED_TO_CART, ago(days=9))  # before the period

    found = columns_of(shop)

    assert list(found) == ["telegram", "webchat"]
    assert found["telegram"] == {
        "conversations": 2,
        "product_viewed": 2,
        "added_to_cart": 1,
        "checkout_started": 1,
        "paid": 1,
    }
    assert found["webchat"] == {
        "conversations": 2,
        "product_viewed": 0,
        "added_to_cart": 0,
        "checkout_started": 0,
        "paid": 0,
    }


def test_the_page_shows_the_funnel_with_the_drop_at_each_step(owner_client, shop):
    for n in range(4):
        chat = conversation(shop, "messenger")
        if n < 2:
            step(chat, FunnelStep.PRODUCT_VIEWED, earlier_today(shop, hours=3))
        if n < 1:
            step(chat, FunnelStep.ADDED_TO_CART, earlier_today(shop, hours=2))

    html = owner_client.get("/dashboard/analytics/?period=today").content.decode()

    assert "Funnel per channel" in html and ">Messenger</th>" in html
    assert "50 % kept, 50 % dropped" in html  # 4 conversations → 2 viewed → 1 added
    assert "0 % kept, 100 % dropped" in html  # 1 added → 0 checkouts


@pytest.fixture
def dress(shop):
    return product_create(
        shop=shop,
        title="Robe",
        variants=[{"sku": "ROBE-38", "name": "38", "price": 8990, "stock": 3}],
    )


def test_the_bot_records_a_product_view_an_addition_and_a_checkout(shop, dress):
    chat = conversation(shop, "telegram")
    chat.refresh_from_db()
    shopper = m.Sender(external_id="42", name="Léa")

    for payload in (f"p:{dress.pk}", "checkout"):  # one variant: the card's tap adds it
        respond(chat, m.ButtonPressed(sender=shopper, payload=payload))

    recorded = list(
        FunnelEvent.objects.order_by("id").values_list(
            "step", "channel_kind", "conversation_id", "customer_id"
        )
    )
    assert recorded == [
        (step, "telegram", chat.pk, chat.customer_id)
        for step in ("product_viewed", "added_to_cart", "checkout_started")
    ]


def test_hand_offs_are_kept_after_a_hand_back(shop):
    chat = conversation(shop, "webchat")
    conversation_hand_off(conversation=chat)
    conversation_hand_back(conversation=chat)

    assert list(FunnelEvent.objects.values_list("step", "conversation_id")) == [
        ("handed_off", chat.pk)
    ]


def test_a_step_that_fails_or_has_no_conversation_is_not_recorded(shop, dress):
    variant = dress.variants.get()
    cart = cart_open(shop=shop, owner_key="customer:1")
    source = FunnelSource("telegram", 99, 1)

    with pytest.raises(NotEnoughStock):
        cart_add(cart=cart, variant=variant, quantity=10, funnel=source)
    cart_add(cart=cart, variant=variant, quantity=1)  # the API or the demo: no conversation
    checkouts.checkout_start(cart=cart)

    assert not FunnelEvent.objects.exists()
    cart_add(cart=cart, variant=variant, quantity=1, funnel=source)
    assert FunnelEvent.objects.get().step == FunnelStep.ADDED_TO_CART


def test_recording_a_step_costs_one_insert(shop, dress):
    variant = dress.variants.get()
    cart = cart_open(shop=shop, owner_key="customer:2")
    cart_add(cart=cart, variant=variant, quantity=1)

    with CaptureQueriesContext(connection) as without:
        cart_add(cart=cart, variant=variant, quantity=1)
    with CaptureQueriesContext(connection) as with_source:
        cart_add(cart=cart, variant=variant, quantity=1, funnel=FunnelSource("sms", 7, 2))

    assert len(with_source) == len(without) + 1
    funnel_sql = [q["sql"] for q in with_source.captured_queries if "funnelevent" in q["sql"]]
    assert len(funnel_sql) == 1 and funnel_sql[0].startswith("INSERT")
