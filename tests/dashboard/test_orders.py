"""The dashboard's order list and order page: filters, search, what an order shows, its
timeline, and the number of queries they take."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from catalog.services import product_create
from channels_adapters.setup import webchat_channel
from conversations.models import Conversation, Customer, CustomerIdentity
from orders import lifecycle
from orders.models import Order
from orders.reservations import reservations_expire
from shops.models import Role
from tests.orders.conftest import buy, pay

LIST = reverse("dashboard:order_list")


def detail(order) -> str:
    return reverse("dashboard:order_detail", kwargs={"order_id": order.pk})


@pytest.fixture
def bag(shop):
    product = product_create(
        shop=shop,
        title="Sac cabas",
        variants=[{"sku": "SAC-1", "name": "Naturel", "price": 2499, "stock": 100}],
    )
    return product.variants.get()


def web_shopper(shop, name="Léa Martin", visitor="visitor-1", phone="") -> Conversation:
    """A shopper talking to the shop in its web chat (messages to them are stored, not sent)."""
    account = webchat_channel(shop=shop)
    customer = Customer.objects.create(shop=shop, name=name, phone=phone)
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=visitor
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )


def chat_order(shop, variant, quantity=2, *, conversation=None, **details) -> Order:
    conversation = conversation or web_shopper(shop)
    return buy(
        shop,
        variant,
        quantity,
        customer=conversation.customer,
        channel=conversation.channel,
        **details,
    )


@pytest.fixture
def paid(shop, bag, django_capture_on_commit_callbacks):
    order = chat_order(shop, bag)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    return order


def numbers(response) -> list[int]:
    return [order.number for order in response.context["orders"]]


# --- The list ------------------------------------------------------------------------------------


def test_the_list_shows_orders_newest_first(agent_client, shop, bag, paid):
    pending = buy(shop, bag, 1, key="second")

    response = agent_client.get(LIST)

    assert response.status_code == 200
    assert numbers(response) == [pending.number, paid.number]
    page = response.content.decode()
    assert f'href="{detail(paid)}">#1001</a>' in page
    assert "Léa Martin" in page and "Web chat" in page
    assert "49,98\xa0€" in page
    assert '<span class="badge badge-ok">Paid</span>' in page
    assert '<span class="badge badge-wait">Unfulfilled</span>' in page
    assert '<span class="badge badge-wait">Awaiting payment</span>' in page


def test_the_overviews_links_filter_the_list(owner_client, shop, bag, paid):
    pending = buy(shop, bag, 1, key="pending")
    shipped = chat_order(shop, bag, 1, conversation=web_shopper(shop, visitor="v-2"))
    pay(shipped)
    lifecycle.order_fulfil(order=shipped)

    to_ship = owner_client.get(LIST + "?status=confirmed&fulfillment_status=unfulfilled")
    awaiting = owner_client.get(LIST + "?status=pending")

    assert numbers(to_ship) == [paid.number]
    assert numbers(awaiting) == [pending.number]
    assert 'value="confirmed" selected' in to_ship.content.decode()


def test_filters_by_payment_fulfilment_and_channel(owner_client, shop, bag, paid):
    api_order = buy(shop, bag, 1, key="api")  # no channel
    refunded = chat_order(shop, bag, 1, conversation=web_shopper(shop, visitor="v-2"))
    pay(refunded)
    lifecycle.order_record_refund(order=refunded, amount=500)
    lifecycle.order_fulfil(order=paid)

    assert numbers(owner_client.get(LIST + "?payment_status=partially_refunded")) == [
        refunded.number
    ]
    assert numbers(owner_client.get(LIST + "?fulfillment_status=fulfilled")) == [paid.number]
    assert numbers(owner_client.get(LIST + "?channel=webchat")) == [refunded.number, paid.number]
    assert api_order.number not in numbers(owner_client.get(LIST + "?channel=webchat"))
    assert numbers(owner_client.get(LIST + "?channel=telegram")) == []


def test_search_by_number_name_or_phone(owner_client, shop, bag, paid):
    other = chat_order(
        shop, bag, 1, conversation=web_shopper(shop, name="Karim Benali", visitor="v-2")
    )
    Order.objects.filter(pk=other.pk).update(contact_phone="+33 7 99 88 77 66")

    assert numbers(owner_client.get(LIST + "?q=%231001")) == [paid.number]
    assert numbers(owner_client.get(LIST + "?q=1002")) == [other.number]
    assert numbers(owner_client.get(LIST + "?q=karim")) == [other.number]
    assert numbers(owner_client.get(LIST + "?q=MARTIN")) == [paid.number]
    assert numbers(owner_client.get(LIST + "?q=99 88")) == [other.number]
    assert numbers(owner_client.get(LIST + "?q=%239999")) == []
    empty = owner_client.get(LIST + "?q=nobody")
    assert "No order matches these filters." in empty.content.decode()


def test_dates_are_days_in_the_shops_time_zone(owner_client, shop, bag):
    late = buy(shop, bag, 1, key="late")
    early = buy(shop, bag, 1, key="early")
    # 23:30 UTC on 1 March is already 2 March in Paris (UTC+1).
    Order.objects.filter(pk=late.pk).update(created_at=datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    Order.objects.filter(pk=early.pk).update(created_at=datetime(2026, 3, 1, 10, 0, tzinfo=UTC))

    assert numbers(owner_client.get(LIST + "?created_from=2026-03-02")) == [late.number]
    assert numbers(owner_client.get(LIST + "?created_to=2026-03-01")) == [early.number]
    both = "?created_from=2026-03-01&created_to=2026-03-02"
    assert numbers(owner_client.get(LIST + both)) == [late.number, early.number]


def test_values_that_make_no_sense_are_ignored_and_said_so(owner_client, paid):
    response = owner_client.get(
        LIST + "?status=shipped-ish&created_from=yesterday&page=abc&customer=x"
    )
    too_long_a_number = owner_client.get(LIST + "?q=%23" + "9" * 40)

    assert response.status_code == 200
    assert numbers(response) == [paid.number]
    page = response.content.decode()
    assert "Enter a valid date." in page
    assert "Select a valid choice." in page
    assert too_long_a_number.status_code == 200 and numbers(too_long_a_number) == []


def test_the_list_pages_by_25(owner_client, shop, bag):
    for n in range(27):
        buy(shop, bag, 1, key=f"k{n}")

    first = owner_client.get(LIST)
    second = owner_client.get(LIST + "?page=2")

    assert len(numbers(first)) == 25 and numbers(second) == [1002, 1001]
    assert "Page 1 of 2" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()


def test_the_lists_query_count_stays_flat(
    owner_client, shop, bag, django_assert_max_num_queries, django_assert_num_queries
):
    def orders(count):
        for _ in range(count):
            visitor = f"visitor-{Order.objects.count()}"
            chat_order(shop, bag, 1, conversation=web_shopper(shop, visitor=visitor))

    owner_client.get(LIST)  # the session and the shop are warm
    orders(5)
    with django_assert_max_num_queries(14) as few:
        assert len(numbers(owner_client.get(LIST))) == 5
    orders(25)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(numbers(owner_client.get(LIST + "?status=pending"))) == 25


# --- An order's page -----------------------------------------------------------------------------


def test_the_order_page_shows_what_was_bought_and_where_it_goes(agent_client, paid):
    response = agent_client.get(detail(paid))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Order #1001" in page
    for text in (
        "Sac cabas",
        "Naturel",
        "SAC-1",
        "24,99\xa0€",  # unit price
        "49,98\xa0€",  # line total, subtotal and total
        "1 rue de Rivoli, 75001 Paris",
        "+33612345678",
        "Test provider",
        "Visa •••• 4242",
        "Succeeded",
    ):
        assert text in page, text
    customer_url = reverse("dashboard:customer_detail", kwargs={"customer_id": paid.customer_id})
    assert f'href="{customer_url}">Léa Martin</a>' in page


def test_a_shared_location_and_the_tracking_show(owner_client, shop, bag):
    order = buy(shop, bag, 1)
    location = {"latitude": 48.8566, "longitude": 2.3522}
    Order.objects.filter(pk=order.pk).update(shipping_address=location)
    pay(order)
    lifecycle.order_fulfil(
        order=order,
        carrier="Colissimo",
        tracking_number="6A123",
        tracking_url="https://track.example/6A123",
    )

    page = owner_client.get(detail(order)).content.decode()

    # The pin as a map link the brand opens (no map tiles in the page).
    osm = (
        "https://www.openstreetmap.org/?mlat=48.856600&amp;mlon=2.352200#map=18/48.856600/2.352200"
    )
    assert f'Shared location: <a href="{osm}"' in page
    assert "48.85660, 2.35220 (map)</a>" in page
    assert "Colissimo" in page
    assert '<a href="https://track.example/6A123"' in page


def test_the_timeline_tells_who_did_what(owner_client, paid):
    page = owner_client.get(detail(paid)).content.decode()

    timeline = page[page.index('id="timeline-title"') :]
    assert "Order placed" in timeline and "Shopper" in timeline
    assert "Payment: Awaiting payment → Paid" in timeline
    assert "Order: Awaiting payment → Confirmed" in timeline
    assert "Payment provider" in timeline
    # Newest first.
    assert timeline.index("Paid") < timeline.index("Order placed")


def test_an_expired_order_says_the_system_cancelled_it(owner_client, shop, bag):
    order = buy(shop, bag, 1)
    Order.objects.filter(pk=order.pk).update(reserved_until=datetime(2020, 1, 1, tzinfo=UTC))

    reservations_expire()

    event = order.timeline.get(type="order.cancelled")
    assert event.actor_label == "System (reservation expired)"
    assert event.changes == {
        "status": ["pending", "cancelled"],
        "payment_status": ["awaiting", "voided"],
    }
    assert "System (reservation expired)" in owner_client.get(detail(order)).content.decode()


def test_the_order_page_query_count_stays_flat(
    owner_client, shop, bag, django_assert_max_num_queries, django_assert_num_queries
):
    small = buy(shop, bag, 1, key="small")
    pay(small)
    with django_assert_max_num_queries(14) as few:
        owner_client.get(detail(small))
    big = buy(shop, bag, 9, key="big")
    pay(big)
    lifecycle.order_record_refund(order=big, amount=100)
    lifecycle.order_record_refund(order=big, amount=100)
    lifecycle.order_fulfil(order=big, tracking_number="1")
    lifecycle.order_fulfil(order=big, tracking_number="2")
    with django_assert_num_queries(len(few.captured_queries)):
        owner_client.get(detail(big))


def test_another_shops_order_is_not_found(dashboard_client, other_shop, shop, bag):
    theirs = buy(shop, bag, 1)
    client = dashboard_client(Role.OWNER, of=other_shop)

    assert client.get(detail(theirs)).status_code == 404
    for action in ("order_fulfil", "order_refund", "order_cancel"):
        url = reverse(f"dashboard:{action}", kwargs={"order_id": theirs.pk})
        assert client.post(url, {"refund-amount": "1"}).status_code == 404
    assert numbers(client.get(LIST)) == []
