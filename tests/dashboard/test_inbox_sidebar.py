"""The inbox's commerce sidebar as an agent reads it: who the shopper is (identities, saved
card), their cart and their orders; the product picker; what each role sees; and the number of
queries, which stays flat however many orders and cart lines there are."""

import pytest

from orders.services import cart_add, cart_open
from payments.models import PaymentMethod
from shops.models import Role
from tests.dashboard.sidebar_fixtures import (  # noqa: F401
    HTMX,
    chat,
    goods,
    on_telegram,
    sidebar_url,
    url,
    web_chat,
)
from tests.orders.conftest import buy, pay


def fill_cart(customer, *lines):
    cart = cart_open(shop=customer.shop, owner_key=f"customer:{customer.pk}")
    for variant, quantity in lines:
        cart_add(cart=cart, variant=variant, quantity=quantity)
    return cart


def test_the_sidebar_says_who_the_shopper_is(agent_client, shop, chat):  # noqa: F811
    on_telegram(shop, chat.customer, external_id="tg-4242")
    PaymentMethod.objects.create(
        shop=shop,
        customer=chat.customer,
        provider="test",
        provider_method_id="pm_1",
        brand="visa",
        last4="4242",
    )
    PaymentMethod.objects.create(  # saved with another provider: not the one the bot offers
        shop=shop,
        customer=chat.customer,
        provider="stripe",
        provider_method_id="pm_2",
        brand="mastercard",
        last4="5555",
    )

    response = agent_client.get(sidebar_url(chat), **HTMX)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Léa Martin" in page and f"/dashboard/customers/{chat.customer.pk}/" in page
    assert "+33 6 12 34 56 78" in page and "lea@example.com" in page
    assert "<dt>Language</dt><dd>fr</dd>" in page
    assert "Web chat" in page and "visitor-1" in page
    assert "Telegram" in page and "tg-4242" in page
    assert "Visa •••• 4242" in page and "5555" not in page
    assert "The cart is empty." in page and "No order yet." in page


def test_the_cart_and_the_orders_with_their_statuses(agent_client, shop, chat, goods):  # noqa: F811
    paid = buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    pay(paid)
    fill_cart(chat.customer, (goods["r38"], 2), (goods["ch"], 1))

    page = agent_client.get(sidebar_url(chat), **HTMX).content.decode()

    assert "2 x Robe portefeuille rouge (Rouge 38)" in page
    assert "179,80\xa0€" in page  # 2 x 89,90
    assert "1 x Chemise blanche (Unique)" in page
    assert "224,80\xa0€" in page  # the cart's total
    assert f"/dashboard/orders/{paid.pk}/" in page and "#1001" in page
    assert '<span class="badge badge-ok">Paid</span>' in page
    assert "Confirmed" not in page  # said by "Paid" already
    assert '<span class="badge badge-wait">Unfulfilled</span>' in page
    # Agents see the orders but no order actions (and no Actions button).
    assert "Actions<span" not in page
    assert "Send a payment link for the cart (224,80\xa0€)" in page


def test_managers_get_the_order_actions(manager_client, shop, chat, goods):  # noqa: F811
    order = buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    pay(order)
    page = manager_client.get(sidebar_url(chat), **HTMX).content.decode()
    panel = url("inbox_order", chat, order_id=order.pk)
    assert f'hx-get="{panel}"' in page

    actions = manager_client.get(panel, **HTMX).content.decode()
    assert "Mark shipped" in actions and "Cancel and refund" in actions
    assert 'data-confirm="Mark #1001 shipped? Léa Martin is told in the chat' in actions
    assert "Refund the amount entered to Léa Martin for #1001?" in actions
    assert 'hx-post="' in actions  # asked through htmx:confirm, sent once answered


def test_agents_may_not_open_order_actions(agent_client, shop, chat, goods):  # noqa: F811
    order = buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    assert agent_client.get(url("inbox_order", chat, order_id=order.pk), **HTMX).status_code == 403


def test_the_order_panel_without_htmx_is_the_order_page(manager_client, shop, chat, goods):  # noqa: F811
    order = buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    response = manager_client.get(url("inbox_order", chat, order_id=order.pk))
    assert response.status_code == 302 and response["Location"] == f"/dashboard/orders/{order.pk}/"


def test_only_the_last_five_orders_with_a_link_to_all(agent_client, shop, chat, goods):  # noqa: F811
    for _ in range(6):
        buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel)
    page = agent_client.get(sidebar_url(chat), **HTMX).content.decode()
    assert "#1006" in page and "#1002" in page and "#1001" not in page
    assert f"/dashboard/orders/?customer={chat.customer.pk}" in page


def test_the_product_picker_finds_active_products_only(agent_client, shop, chat, goods):  # noqa: F811
    response = agent_client.get(url("inbox_sidebar_products", chat), {"q": "robe"}, **HTMX)
    page = response.content.decode()
    assert "Robe portefeuille rouge" in page and "Robe retirée" not in page
    assert "Rouge 38 · 89,90\xa0€" in page and "4 in stock" in page
    assert f'name="product" value="{goods["dress"].pk}"' in page
    assert f'name="variant" value="{goods["r40"].pk}"' in page

    nothing = agent_client.get(url("inbox_sidebar_products", chat), {"q": "zzz"}, **HTMX)
    assert "No product for sale matches “zzz”." in nothing.content.decode()
    assert agent_client.get(url("inbox_sidebar_products", chat), **HTMX).status_code == 200


def test_categories_to_send_as_a_carousel(agent_client, chat, goods):  # noqa: F811
    page = agent_client.get(sidebar_url(chat), **HTMX).content.decode()
    assert '<option value="0">Every product</option>' in page
    assert f'<option value="{goods["dresses"].pk}">Robes</option>' in page


def test_a_handed_off_conversation_says_who_answers_the_taps(agent_client, chat):  # noqa: F811
    chat.handed_off = True
    chat.save(update_fields=["handed_off"])
    page = agent_client.get(sidebar_url(chat), **HTMX).content.decode()
    assert "the bot still answers taps on these cards" in page


def test_text_written_by_shoppers_is_escaped(agent_client, shop, goods):  # noqa: F811
    hostile = '<script>alert("x")</script>'
    conversation = web_chat(shop, name=hostile, visitor=hostile)
    page = agent_client.get(sidebar_url(conversation), **HTMX).content.decode()
    assert hostile not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_another_shops_conversation_is_not_found(agent_client, other_shop):
    theirs = web_chat(other_shop)
    assert agent_client.get(sidebar_url(theirs), **HTMX).status_code == 404
    assert agent_client.get(url("inbox_sidebar_products", theirs), {"q": "a"}).status_code == 404


@pytest.mark.parametrize("role", [Role.AGENT, Role.MANAGER, Role.OWNER])
def test_every_role_uses_the_sidebar(dashboard_client, chat, role):  # noqa: F811
    assert dashboard_client(role).get(sidebar_url(chat), **HTMX).status_code == 200


def test_queries_stay_flat_as_orders_and_cart_lines_grow(
    owner_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    PaymentMethod.objects.create(
        shop=shop, customer=chat.customer, provider="test", provider_method_id="pm", last4="4242"
    )
    pay(buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel))
    fill_cart(chat.customer, (goods["r38"], 1))
    owner_client.get(sidebar_url(chat), **HTMX)
    with django_assert_max_num_queries(14) as few:
        owner_client.get(sidebar_url(chat), **HTMX)

    # Each order checks out the open cart: the cart is filled again afterwards.
    for _ in range(8):
        pay(buy(shop, goods["ch"], 1, customer=chat.customer, channel=chat.channel))
    on_telegram(shop, chat.customer)
    fill_cart(chat.customer, (goods["r38"], 1), (goods["r40"], 2), (goods["ch"], 3))
    with django_assert_num_queries(len(few.captured_queries)):
        page = owner_client.get(sidebar_url(chat), **HTMX).content.decode()
    assert page.count('class="cs-line"') == 3 and page.count('class="cs-order"') == 5


def test_the_picker_takes_a_fixed_number_of_queries(
    agent_client,
    shop,
    chat,  # noqa: F811
    goods,  # noqa: F811
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    from catalog.services import product_create

    search = url("inbox_sidebar_products", chat)
    agent_client.get(search, {"q": "robe"})
    with django_assert_max_num_queries(10) as few:
        agent_client.get(search, {"q": "robe"})
    for n in range(5):
        product_create(
            shop=shop,
            title=f"Robe {n}",
            variants=[{"sku": f"R-{n}-{s}", "name": s, "price": 5000} for s in ("S", "M", "L")],
        )
    with django_assert_num_queries(len(few.captured_queries)):
        page = agent_client.get(search, {"q": "robe"}).content.decode()
    assert page.count('class="cs-product"') == 6
