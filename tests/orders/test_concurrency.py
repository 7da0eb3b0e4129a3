"""50 shoppers race for the last 10 units, on PostgreSQL, each in its own thread and database
connection: exactly 10 orders are paid, stock ends at 0, and nobody is charged without an
order. (SQLite serialises writers, so it would prove nothing: this test needs PostgreSQL and
fails under REQUIRE_SERVICES=1 when it is missing.)"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from catalog.models import Variant
from catalog.services import product_create
from conversations.models import Customer
from orders import stock
from orders.models import Order
from payments.models import SandboxCharge
from tests.orders.conftest import buy, pay

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

BUYERS = 50
UNITS = 10


def test_fifty_buyers_race_for_the_last_ten_units(require_postgres, shop):
    variant = product_create(
        shop=shop,
        title="Édition limitée",
        variants=[{"sku": "LTD-1", "name": "Unique", "price": 12000, "stock": UNITS}],
    ).variants.get()
    customers = [Customer.objects.create(shop=shop, name=f"Buyer {i}") for i in range(BUYERS)]
    start = threading.Barrier(BUYERS)

    def attempt(customer) -> str:
        try:
            start.wait()  # all at once
            try:
                order = buy(shop, variant, 1, customer=customer, key=str(customer.pk))
            except stock.NotEnoughStock:
                return "sold out"
            paid = pay(order)
            return "paid" if paid.state == "succeeded" else paid.state
        finally:
            connection.close()  # each thread had its own connection

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        outcomes = list(pool.map(attempt, customers))

    assert outcomes.count("paid") == UNITS
    assert outcomes.count("sold out") == BUYERS - UNITS
    assert Variant.objects.get(pk=variant.pk).stock == 0
    paid = Order.objects.filter(payment_status="paid")
    assert paid.count() == UNITS
    assert sorted(paid.values_list("number", flat=True)) == sorted(
        set(paid.values_list("number", flat=True))
    )
    # Every charge belongs to a paid order; no charge without one.
    charges = SandboxCharge.objects.filter(outcome="succeeded")
    assert charges.count() == UNITS
    assert {c.idempotency_key for c in charges} == {
        f"souk-payment-{p.pk}" for o in paid for p in o.payments.filter(state="succeeded")
    }
