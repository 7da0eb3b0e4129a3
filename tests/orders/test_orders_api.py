"""Integrators' view of orders, customers and shipping rates."""

import pytest

from orders.models import ShippingRate
from payments.models import Refund, SandboxCharge
from tests.conftest import client_for
from tests.orders.conftest import buy, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(shop, hot, django_capture_on_commit_callbacks):
    order = buy(shop, hot["tracked"], 2)
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    return order


def test_list_filter_and_retrieve(api, shop, hot, paid):
    unpaid = buy(shop, hot["tracked"], 1, key="other")
    listed = api.get("/api/v1/orders/").json()["results"]
    assert [o["number"] for o in listed] == [unpaid.number, paid.number]

    only_paid = api.get("/api/v1/orders/", {"payment_status": "paid"}).json()["results"]
    assert [o["id"] for o in only_paid] == [paid.pk]
    since = api.get("/api/v1/orders/", {"created_after": "2999-01-01T00:00:00Z"}).json()
    assert since["results"] == []

    body = api.get(f"/api/v1/orders/{paid.pk}/").json()
    assert body["number"] == 1001 and body["total"] == 4998 and body["currency"] == "EUR"
    assert body["lines"] == [
        {
            "id": paid.lines.get().pk,
            "variant": hot["tracked"].pk,
            "sku": "SAC-1",
            "product_title": "Sac cabas",
            "variant_name": "Naturel",
            "unit_price": 2499,
            "quantity": 2,
            "line_total": 4998,
        }
    ]


def test_fulfil_with_tracking(api, paid):
    response = api.post(
        f"/api/v1/orders/{paid.pk}/fulfil/",
        {"tracking_number": "6A12345678", "tracking_url": "https://track.example.com/6A12345678"},
    )
    assert response.status_code == 200, response.json()
    assert response.json()["fulfillment_status"] == "fulfilled"
    assert response.json()["tracking_number"] == "6A12345678"


def test_fulfil_an_unpaid_order_is_a_conflict(api, shop, hot):
    order = buy(shop, hot["tracked"])
    response = api.post(f"/api/v1/orders/{order.pk}/fulfil/", {})
    assert response.status_code == 409
    assert "cannot go from" in response.json()["message"]


def test_partial_then_full_refund(api, paid, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/orders/{paid.pk}/refund/", {"amount": 1000})
    assert response.status_code == 202
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_total) == ("partially_refunded", 1000)

    too_much = api.post(f"/api/v1/orders/{paid.pk}/refund/", {"amount": 999999})
    assert too_much.status_code == 409 and "between 1 and 3998" in too_much.json()["message"]

    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"/api/v1/orders/{paid.pk}/refund/", {"reason": "Damaged"})
    paid.refresh_from_db()
    assert (paid.payment_status, paid.refunded_total) == ("refunded", 4998)
    assert [r.amount for r in Refund.objects.order_by("id")] == [1000, 3998]
    assert SandboxCharge.objects.get().refunded == 4998


@pytest.mark.parametrize("amount", [0, -5, "10", 1.5])
def test_bad_refund_amounts_are_400(api, paid, amount):
    response = api.post(f"/api/v1/orders/{paid.pk}/refund/", {"amount": amount})
    assert response.status_code == 400
    assert "amount" in response.json()["fields"]
    assert not Refund.objects.exists()


def test_cancel_a_paid_order_refunds_it_and_restocks(
    api, paid, hot, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/orders/{paid.pk}/cancel/", {"reason": "Out of fabric"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    paid.refresh_from_db()  # the provider confirmed the refund after the answer
    assert (paid.payment_status, paid.refunded_total) == ("refunded", 4998)
    hot["tracked"].refresh_from_db()
    assert hot["tracked"].stock == 10


def test_read_only_key_cannot_act(shop, paid):
    reader = client_for(shop, read_only=True)
    assert reader.get(f"/api/v1/orders/{paid.pk}/").status_code == 200
    assert reader.post(f"/api/v1/orders/{paid.pk}/fulfil/", {}).status_code == 403


def test_another_shops_orders_customers_and_rates_are_404(other_api, shop, paid):
    rate = ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490)
    for path in (
        f"/api/v1/orders/{paid.pk}/",
        f"/api/v1/customers/{paid.customer_id}/",
        f"/api/v1/customers/{paid.customer_id}/orders/",
        f"/api/v1/shipping-rates/{rate.pk}/",
    ):
        assert other_api.get(path).status_code == 404, path
    for action in ("fulfil", "cancel", "refund"):
        assert other_api.post(f"/api/v1/orders/{paid.pk}/{action}/", {}).status_code == 404
    assert other_api.patch(f"/api/v1/shipping-rates/{rate.pk}/", {"amount": 1}).status_code == 404
    assert other_api.get("/api/v1/orders/").json()["results"] == []
    assert other_api.get("/api/v1/customers/").json()["results"] == []
    paid.refresh_from_db()
    assert paid.fulfillment_status == "unfulfilled"


def test_customers_and_their_orders(api, paid):
    customers = api.get("/api/v1/customers/").json()["results"]
    assert [c["id"] for c in customers] == [paid.customer_id]
    orders = api.get(f"/api/v1/customers/{paid.customer_id}/orders/").json()["results"]
    assert [o["number"] for o in orders] == [1001]


def test_shipping_rates_crud_and_validation(api):
    created = api.post(
        "/api/v1/shipping-rates/",
        {"name": "Colissimo", "kind": "free_above", "amount": 490, "free_above": 6000},
    )
    assert created.status_code == 201, created.json()
    missing = api.post("/api/v1/shipping-rates/", {"name": "X", "kind": "free_above"})
    assert missing.status_code == 400 and "free_above" in missing.json()["fields"]
    negative = api.post("/api/v1/shipping-rates/", {"name": "X", "amount": -1})
    assert negative.status_code == 400 and "amount" in negative.json()["fields"]
    unknown = api.post("/api/v1/shipping-rates/", {"name": "X", "price": 1})
    assert unknown.status_code == 400 and "price" in unknown.json()["fields"]
    assert ShippingRate.objects.count() == 1


def test_integrators_receive_signed_order_events(
    api, shop, hot, django_capture_on_commit_callbacks
):
    from tests.fakes.receiver import FakeReceiver

    with FakeReceiver() as receiver:
        hook = api.post(
            "/api/v1/webhooks/",
            {"url": receiver.endpoint_url(), "events": ["order.created", "order.paid"]},
        )
        assert hook.status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            order = buy(shop, hot["tracked"], 2)
        with django_capture_on_commit_callbacks(execute=True):
            pay(order)

    events = [r.json for r in receiver.requests]
    assert [e["type"] for e in events] == ["order.created", "order.paid"]
    paid = events[-1]["data"]
    assert (paid["number"], paid["payment_status"], paid["total"]) == (1001, "paid", 4998)
    assert paid["lines"][0]["sku"] == "SAC-1"
    assert all(r.headers["souk-signature"].startswith("t=") for r in receiver.requests)
