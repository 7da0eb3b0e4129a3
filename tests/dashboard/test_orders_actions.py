"""Shipping, refunding and cancelling an order from its page: what changes, what the shopper is
told in the chat, what the timeline records and who may do it."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conversations.models import Message
from orders import lifecycle
from orders.models import OrderEvent
from payments.models import Payment, Refund
from shops.models import Role
from tests.dashboard.test_orders import bag, chat_order, detail, paid  # noqa: F401
from tests.orders.conftest import buy, pay


def action(order, name: str) -> str:
    return reverse(f"dashboard:order_{name}", kwargs={"order_id": order.pk})


def told(order) -> list[str]:
    """What the shopper was sent in the order's conversation, oldest first."""
    return list(
        Message.objects.filter(
            conversation__customer_id=order.customer_id, direction="out"
        ).values_list("text", flat=True)
    )


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def act(manager_client, django_capture_on_commit_callbacks):
    """POSTs as a manager, running what waits for the commit (the provider's refund, the chat)
    as a worker would."""

    def post(order, name: str, data: dict):
        with django_capture_on_commit_callbacks(execute=True):
            return manager_client.post(action(order, name), data)

    return post


def test_shipping_records_the_tracking_and_tells_the_shopper(act, manager_client, paid):  # noqa: F811
    response = act(
        paid,
        "fulfil",
        {
            "fulfil-carrier": "Colissimo",
            "fulfil-tracking_number": "6A123456",
            "fulfil-tracking_url": "https://track.example/6A123456",
        },
    )

    assert response.status_code == 302 and response["Location"] == detail(paid)
    assert flash(response) == ["Order #1001 is marked shipped."]
    paid.refresh_from_db()
    assert (paid.fulfillment_status, paid.carrier, paid.tracking_number) == (
        "fulfilled",
        "Colissimo",
        "6A123456",
    )
    assert told(paid)[-1] == (
        "Bonne nouvelle\u00a0: la commande n°1001 est en route\u202f!\nSuivi\u00a0: 6A123456"
    )
    event = paid.timeline.get(type="order.fulfilled")
    assert (event.actor, event.actor_label) == (manager_client.user, manager_client.user.email)
    assert event.changes == {"fulfillment_status": ["unfulfilled", "fulfilled"]}
    page = manager_client.get(detail(paid)).content.decode()
    assert "Marked shipped" in page and "Colissimo · 6A123456" in page
    assert manager_client.user.email in page
    assert "Update tracking" in page  # shipping again replaces the tracking


def test_a_bad_tracking_link_is_an_error_beside_its_field(act, paid):  # noqa: F811
    response = act(paid, "fulfil", {"fulfil-tracking_url": "not a link at all"})

    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="field has-error">' in page and "Enter a valid URL." in page
    assert 'value="not a link at all"' in page
    paid.refresh_from_db()
    assert paid.fulfillment_status == "unfulfilled"
    assert not paid.timeline.filter(type="order.fulfilled").exists()


def test_a_part_refund_typed_as_a_person_writes_it(act, manager_client, paid):  # noqa: F811
    response = act(paid, "refund", {"refund-amount": "10,00", "refund-reason": "Strap frayed"})

    assert response.status_code == 302
    assert flash(response) == ["Refund of 10,00\xa0€ requested for order #1001."]
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_total) == ("partially_refunded", 1000)
    assert told(paid)[-1] == "Nous avons remboursé 10,00\xa0€ pour la commande n°1001."
    asked = paid.timeline.get(type="order.refund_requested")
    assert asked.actor_label == manager_client.user.email
    assert asked.details["amount"] == 1000 and asked.details["reason"] == "Strap frayed"
    confirmed = paid.timeline.get(type="order.refunded")
    assert confirmed.actor_label == "Payment provider"
    assert confirmed.changes == {"payment_status": ["paid", "partially_refunded"]}
    page = manager_client.get(detail(paid)).content.decode()
    assert "Payment: Paid → Partially refunded" in page
    assert "Refund requested" in page and "Strap frayed" in page
    assert "Up to 39,98\xa0€." in page  # what is left
    assert 'value="39,98"' in page


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("50,00", "At most 49,98\xa0€ can be refunded."),
        ("abc", "Enter an amount, such as 24,90."),
        ("0", "Enter an amount above zero."),
        ("-5", "The amount cannot be negative."),
        ("", "This field is required."),
    ],
)
def test_refund_amounts_that_cannot_be_are_errors_and_nothing_is_written(
    act,
    paid,  # noqa: F811
    typed,
    error,
):
    events = OrderEvent.objects.count()

    response = act(paid, "refund", {"refund-amount": typed})

    assert response.status_code == 400
    page = response.content.decode()
    field = page[page.index('<div class="field has-error">') :]
    assert field.index('name="refund-amount"') < field.index(error) < field.index("</div>")
    assert f'value="{typed}"' in page or not typed
    assert Refund.objects.count() == 0 and OrderEvent.objects.count() == events
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_total) == ("paid", 0)


def test_a_refund_the_provider_services_refuse_is_a_form_error(act, paid):  # noqa: F811
    # The payment was reversed at the provider since the page was loaded.
    Payment.objects.filter(order=paid).update(state="failed")

    response = act(paid, "refund", {"refund-amount": "5,00"})

    assert response.status_code == 400
    page = response.content.decode()
    assert '<div class="form-errors" role="alert">' in page
    assert "No successful payment to refund." in page
    assert Refund.objects.count() == 0


def test_cancelling_a_paid_order_refunds_it_then_cancels(act, manager_client, paid):  # noqa: F811
    response = act(paid, "cancel", {"cancel-reason": "Out of fabric"})

    assert response.status_code == 302
    assert flash(response) == ["Order #1001 is cancelled."]
    paid.refresh_from_db()
    assert (paid.status, paid.payment_status, paid.refunded_total) == (
        "cancelled",
        "refunded",
        4998,
    )
    assert told(paid)[-2:] == [
        "La commande n°1001 a été annulée par Maison Rouge.",
        "Nous avons remboursé 49,98\xa0€ pour la commande n°1001.",
    ]
    events = list(paid.timeline.values_list("type", "actor_label"))
    user = manager_client.user.email
    assert events[-3:] == [
        ("order.refund_requested", user),
        ("order.cancelled", user),
        ("order.refunded", "Payment provider"),
    ]
    page = manager_client.get(detail(paid)).content.decode()
    assert 'id="actions-title"' not in page  # nothing left to do


def test_cancelling_an_unpaid_order_gives_the_stock_back(act, shop, bag):  # noqa: F811
    order = chat_order(shop, bag, 3)
    bag.refresh_from_db()
    assert bag.stock == 97

    response = act(order, "cancel", {})

    assert response.status_code == 302
    order.refresh_from_db()
    bag.refresh_from_db()
    assert (order.status, order.payment_status, bag.stock) == ("cancelled", "voided", 100)
    assert Refund.objects.count() == 0
    assert told(order)[-1] == "La commande n°1001 a été annulée par Maison Rouge."


def test_a_stale_action_changes_nothing_and_says_why(act, paid):  # noqa: F811
    lifecycle.order_fulfil(order=paid)

    response = act(paid, "cancel", {})

    assert response.status_code == 302
    assert flash(response)[0].startswith("Nothing was changed:")
    paid.refresh_from_db()
    assert (paid.status, Refund.objects.count()) == ("confirmed", 0)


def test_the_actions_offered_follow_the_orders_status(owner_client, shop, bag):  # noqa: F811
    def offered(order) -> set[str]:
        page = owner_client.get(detail(order)).content.decode()
        return {name for name in ("fulfil", "refund", "cancel") if action(order, name) in page}

    order = chat_order(shop, bag, 1)
    assert offered(order) == {"cancel"}  # awaiting payment
    pay(order)
    assert offered(order) == {"fulfil", "refund", "cancel"}
    lifecycle.order_fulfil(order=order)
    assert offered(order) == {"fulfil", "refund"}  # shipped: tracking can change, no cancel
    lifecycle.order_record_refund(order=order, amount=order.total)
    assert offered(order) == {"fulfil"}
    lifecycle.order_mark_delivered(order=order)
    assert offered(order) == set()


def test_the_confirmations_say_what_the_shopper_is_told(owner_client, shop, bag, paid):  # noqa: F811
    page = owner_client.get(detail(paid)).content.decode()

    assert (
        'data-confirm="Mark #1001 shipped? Léa Martin is told in the chat that it is on its way, '
        'with the tracking number and link you entered."'
    ) in page
    assert (
        'data-confirm="Cancel #1001 and refund 49,98\xa0€ to Léa Martin? The items go back in '
        "stock. Léa Martin is told in the chat that Maison Rouge cancelled the order, then of "
        'the refund."'
    ) in page
    assert "is told in the chat how much was refunded" in page
    not_from_a_chat = buy(shop, bag, 1, key="api")
    page = owner_client.get(detail(not_from_a_chat)).content.decode()
    assert "Nobody is told: this order did not come from a chat." in page


def test_agents_see_no_actions_and_may_not_act(agent_client, paid):  # noqa: F811
    page = agent_client.get(detail(paid)).content.decode()

    assert 'id="actions-title"' not in page
    assert "data-confirm" not in page.replace('id="confirm-dialog"', "")
    for name, data in (
        ("fulfil", {}),
        ("refund", {"refund-amount": "1,00"}),
        ("cancel", {}),
    ):
        assert agent_client.post(action(paid, name), data).status_code == 403
    paid.refresh_from_db()
    assert (paid.status, paid.fulfillment_status, paid.refunded_total) == (
        "confirmed",
        "unfulfilled",
        0,
    )
    assert Refund.objects.count() == 0


def test_an_action_url_opened_in_the_browser_leads_to_the_order(dashboard_client, paid):  # noqa: F811
    response = dashboard_client(Role.AGENT).get(action(paid, "refund"))

    assert response.status_code == 302 and response["Location"] == detail(paid)


def test_the_api_is_named_on_the_timeline(api, paid, django_capture_on_commit_callbacks):  # noqa: F811
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/orders/{paid.pk}/cancel/", {"reason": "ERP"})

    assert response.status_code == 200
    labels = set(paid.timeline.filter(source="api").values_list("type", "actor_label"))
    assert labels == {
        ("order.refund_requested", "Integrator API"),
        ("order.cancelled", "Integrator API"),
    }
