"""The three status tables: allowed moves happen, forbidden ones are errors, never silent."""

import pytest

from orders import lifecycle
from orders.models import Order
from orders.transitions import ALLOWED, InvalidTransition, transition
from tests.orders.conftest import buy, pay

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", list(ALLOWED))
def test_every_status_has_a_row_and_only_known_targets(field):
    choices = {c for c, _ in Order._meta.get_field(field).choices}
    assert set(ALLOWED[field]) == choices
    for targets in ALLOWED[field].values():
        assert targets <= choices


def test_forbidden_moves_raise_and_change_nothing():
    order = Order(status="completed", payment_status="refunded", fulfillment_status="delivered")
    with pytest.raises(InvalidTransition, match="cannot go from 'completed' to 'pending'"):
        transition(order, "status", "pending")
    with pytest.raises(InvalidTransition):
        transition(order, "payment_status", "paid")
    with pytest.raises(InvalidTransition):
        transition(order, "fulfillment_status", "unfulfilled")
    assert (order.status, order.payment_status, order.fulfillment_status) == (
        "completed",
        "refunded",
        "delivered",
    )


def test_an_unpaid_order_cannot_ship(shop, hot):
    order = buy(shop, hot["tracked"])
    with pytest.raises(InvalidTransition):
        lifecycle.order_fulfil(order=order, tracking_number="X")
    order.refresh_from_db()
    assert order.fulfillment_status == "unfulfilled"


def test_a_shipped_order_cannot_be_cancelled(shop, hot, django_capture_on_commit_callbacks):
    order = buy(shop, hot["tracked"])
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    lifecycle.order_fulfil(order=order, tracking_number="6A123")
    with pytest.raises(InvalidTransition):
        lifecycle.order_cancel(order=order)
    order.refresh_from_db()
    assert (order.status, order.fulfillment_status) == ("confirmed", "fulfilled")
