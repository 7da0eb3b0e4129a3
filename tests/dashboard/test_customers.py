"""The dashboard's customer list and customer page."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from channels_adapters.models import ChannelAccount
from conversations.models import Conversation, Customer, CustomerIdentity
from orders import lifecycle
from shops.models import Role
from tests.dashboard.test_orders import bag, chat_order, web_shopper  # noqa: F401
from tests.orders.conftest import pay

LIST = reverse("dashboard:customer_list")


def page_of(customer) -> str:
    return reverse("dashboard:customer_detail", kwargs={"customer_id": customer.pk})


def names(response) -> list[str]:
    return [customer.name for customer in response.context["customers"]]


def on_telegram(shop, customer, external_id="4242") -> Conversation:
    account, _ = ChannelAccount.objects.get_or_create(
        shop=shop,
        kind="telegram",
        external_id="777",
        defaults={"credentials": {"token": "777:abc"}, "name": "@maison_bot"},
    )
    identity = CustomerIdentity.objects.create(
        shop=shop, customer=customer, channel=account, external_id=external_id
    )
    return Conversation.objects.create(
        shop=shop, customer=customer, identity=identity, channel=account
    )


@pytest.fixture
def lea(shop, bag):  # noqa: F811
    """Léa talks in the web chat and on Telegram; two orders paid (one part refunded) and one
    never paid."""
    conversation = web_shopper(shop, phone="+33612345678")
    customer = conversation.customer
    Customer.objects.filter(pk=customer.pk).update(
        email="lea@example.com",
        language="fr",
        preferences={"size": "38"},
        last_seen_at=datetime(2026, 3, 2, 9, 30, tzinfo=UTC),
    )
    on_telegram(shop, customer)
    first = chat_order(shop, bag, 2, conversation=conversation)  # 49,98
    pay(first)
    lifecycle.order_record_refund(order=first, amount=998)
    second = chat_order(shop, bag, 1, conversation=conversation)  # 24,99
    pay(second)
    chat_order(shop, bag, 1, conversation=conversation)  # awaiting payment
    customer.refresh_from_db()
    return customer


def test_the_list_shows_what_each_customer_bought_and_where(agent_client, shop, lea):
    Customer.objects.create(shop=shop, name="Karim Benali")

    response = agent_client.get(LIST)

    assert response.status_code == 200
    assert names(response) == ["Léa Martin", "Karim Benali"]  # last seen first, never last
    page = response.content.decode()
    row = page[page.index(f'href="{page_of(lea)}"') :]
    row = row[: row.index("</tr>")]
    assert "Telegram, Web chat" in row
    assert '<td class="num">3</td>' in row
    assert "64,99\xa0€" in row  # 49,98 - 9,98 + 24,99: paid, net of refunds
    assert "2 Mar 2026, 10:30" in row  # in the shop's time zone (Paris)


@pytest.mark.parametrize("query", ["Léa", "MARTIN", "612345", "LEA@EXAMPLE"])
def test_search_by_name_phone_or_email(owner_client, shop, lea, query):
    Customer.objects.create(shop=shop, name="Karim Benali", phone="+33700000000")

    assert names(owner_client.get(LIST, {"q": query})) == ["Léa Martin"]


def test_a_search_that_finds_nobody_says_so(owner_client, lea):
    page = owner_client.get(LIST, {"q": "<b>nobody</b>"}).content.decode()

    assert "No customer matches “&lt;b&gt;nobody&lt;/b&gt;”." in page


def test_the_lists_query_count_stays_flat(
    owner_client,
    shop,
    bag,  # noqa: F811
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    def customers(count):
        for _ in range(count):
            n = Customer.objects.count()
            conversation = web_shopper(shop, name=f"Shopper {n}", visitor=f"v-{n}")
            on_telegram(shop, conversation.customer, external_id=f"t-{n}")
            pay(chat_order(shop, bag, 1, conversation=conversation))

    owner_client.get(LIST)
    customers(5)
    with django_assert_max_num_queries(14) as few:
        assert len(names(owner_client.get(LIST))) == 5
    customers(25)
    with django_assert_num_queries(len(few.captured_queries)):
        response = owner_client.get(LIST)
    assert len(names(response)) == 25 and "Page 1 of 2" in response.content.decode()


def test_the_customer_page(agent_client, shop, lea):
    conversation = lea.conversations.get(channel__kind="telegram")
    Conversation.objects.filter(pk=conversation.pk).update(
        handed_off=True, last_message_at=datetime(2026, 3, 2, 9, 45, tzinfo=UTC)
    )

    response = agent_client.get(page_of(lea))

    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Léa Martin",
        "lea@example.com",
        "+33612345678",
        "fr",
        "Size",
        "38",
        "Visa •••• 4242",
        "Web chat",
        "visitor-1",
        "@maison_bot",
        "4242",
        "Handed off to a person",
        "2 Mar 2026, 10:45",
        "64,99\xa0€",
    ):
        assert text in page, text
    for order in lea.orders.all():
        assert f'href="{reverse("dashboard:order_detail", kwargs={"order_id": order.pk})}"' in page
    assert "Partially refunded" in page and "Awaiting payment" in page


def test_a_customer_with_many_orders_links_to_all_of_them(owner_client, shop, bag):  # noqa: F811
    conversation = web_shopper(shop)
    for _ in range(12):
        chat_order(shop, bag, 1, conversation=conversation)

    page = owner_client.get(page_of(conversation.customer)).content.decode()

    link = f"{reverse('dashboard:order_list')}?customer={conversation.customer_id}"
    assert f'<a href="{link}">All 12 orders</a>' in page
    listed = owner_client.get(link)
    assert len(listed.context["orders"]) == 12


def test_the_customer_page_query_count_stays_flat(
    owner_client,
    shop,
    bag,  # noqa: F811
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    one = web_shopper(shop, visitor="v-1")
    pay(chat_order(shop, bag, 1, conversation=one))
    with django_assert_max_num_queries(14) as few:
        owner_client.get(page_of(one.customer))
    many = web_shopper(shop, name="Many", visitor="v-2")
    for n in range(6):
        on_telegram(shop, many.customer, external_id=f"t-{n}")
        pay(chat_order(shop, bag, 1, conversation=many))
    with django_assert_num_queries(len(few.captured_queries)):
        owner_client.get(page_of(many.customer))


def test_another_shops_customer_is_not_found(dashboard_client, other_shop, lea):
    client = dashboard_client(Role.OWNER, of=other_shop)

    assert client.get(page_of(lea)).status_code == 404
    assert names(client.get(LIST)) == []
