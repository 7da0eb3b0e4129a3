"""Reservation, completion, expiry and late payments, at the service level."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Variant
from conversations.models import Customer
from orders import checkout as checkouts
from orders import stock
from orders.models import Checkout, Order, ReservationState, ShippingRate
from orders.reservations import reservations_expire
from orders.services import cart_add, cart_open
from payments.models import Refund, SandboxCharge
from tests.orders.conftest import buy, pay

pytestmark = pytest.mark.django_db


def stock_of(variant) -> int:
    return Variant.objects.get(pk=variant.pk).stock


def test_checkout_reserves_all_lines_or_none(shop, hot):
    customer = Customer.objects.create(shop=shop, name="Ana")
    cart = cart_open(shop=shop, owner_key="customer:ana")
    cart_add(cart=cart, variant=hot["tracked"], quantity=3)
    cart_add(cart=cart, variant=hot["untracked"], quantity=2)
    Variant.objects.filter(pk=hot["tracked"].pk).update(stock=2)

    with pytest.raises(stock.NotEnoughStock) as caught:
        checkouts.checkout_start(cart=cart, customer=customer)
    assert caught.value.available == 2
    assert stock_of(hot["tracked"]) == 2
    assert not Checkout.objects.exists()


def test_completing_the_same_checkout_twice_returns_the_same_order(shop, hot):
    customer = Customer.objects.create(shop=shop, name="Ana")
    cart = cart_open(shop=shop, owner_key="customer:ana")
    cart_add(cart=cart, variant=hot["tracked"], quantity=2)
    checkout = checkouts.checkout_start(
        cart=cart,
        customer=customer,
        contact_name="Ana",
        contact_phone="+33600000000",
        shipping_address={"text": "2 place du Marché, Lyon"},
    )
    first = checkouts.checkout_complete(checkout=checkout)
    second = checkouts.checkout_complete(checkout=checkout)
    assert first.pk == second.pk and Order.objects.count() == 1
    assert (first.number, first.subtotal, first.total) == (1001, 4998, 4998)
    assert stock_of(hot["tracked"]) == 8


def test_missing_details_are_named(shop, hot):
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490)
    cart = cart_open(shop=shop, owner_key="customer:x")
    cart_add(cart=cart, variant=hot["tracked"], quantity=1)
    checkout = checkouts.checkout_start(cart=cart)
    with pytest.raises(checkouts.MissingDetails) as caught:
        checkouts.checkout_complete(checkout=checkout)
    assert caught.value.missing == [
        "contact_name",
        "contact_phone",
        "shipping_rate",
        "shipping_address",
    ]
    assert not Order.objects.exists()


def test_shipping_rates_price_the_order(shop, hot):
    free_above = ShippingRate.objects.create(
        shop=shop, name="Colissimo", kind="free_above", amount=490, free_above=5000
    )
    small = buy(shop, hot["tracked"], 1, key="small", shipping_rate=free_above)
    big = buy(shop, hot["tracked"], 3, key="big", shipping_rate=free_above)
    assert (small.shipping_total, small.total) == (490, 2989)
    assert (big.shipping_total, big.total) == (0, 7497)
    assert (small.number, big.number) == (1001, 1002)


def test_order_numbers_are_per_shop(shop, other_shop, hot):
    from catalog.services import product_create

    other = product_create(
        shop=other_shop,
        title="Tote",
        variants=[{"sku": "T", "name": "T", "price": 100, "stock": 5}],
    ).variants.get()
    assert buy(shop, hot["tracked"]).number == 1001
    assert buy(other_shop, other).number == 1001
    assert buy(shop, hot["tracked"], key="2").number == 1002


def test_expired_checkouts_and_unpaid_orders_give_their_stock_back(
    shop, hot, django_capture_on_commit_callbacks
):
    order = buy(shop, hot["tracked"], 4)
    cart = cart_open(shop=shop, owner_key="customer:abandoned")
    cart_add(cart=cart, variant=hot["tracked"], quantity=3)
    abandoned = checkouts.checkout_start(cart=cart)
    assert stock_of(hot["tracked"]) == 3

    assert reservations_expire() == 0  # nothing due yet
    later = timezone.now() + timedelta(minutes=16)
    with django_capture_on_commit_callbacks(execute=True):
        assert reservations_expire(now=later) == 2
    assert stock_of(hot["tracked"]) == 10
    order.refresh_from_db()
    abandoned.refresh_from_db()
    assert (order.status, order.payment_status) == ("cancelled", "voided")
    assert abandoned.status == "expired"
    assert reservations_expire(now=later) == 0  # released exactly once


def test_payment_after_expiry_revives_the_order_when_stock_allows(
    shop, hot, django_capture_on_commit_callbacks
):
    order = buy(shop, hot["tracked"], 2)
    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire(now=timezone.now() + timedelta(minutes=16))
        pay(order)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("confirmed", "paid")
    assert stock_of(hot["tracked"]) == 8
    assert order.reservations.get().state == ReservationState.COMMITTED


def test_payment_after_expiry_is_refunded_when_the_stock_is_gone(
    shop, hot, django_capture_on_commit_callbacks
):
    order = buy(shop, hot["tracked"], 2)
    with django_capture_on_commit_callbacks(execute=True):
        reservations_expire(now=timezone.now() + timedelta(minutes=16))
    Variant.objects.filter(pk=hot["tracked"].pk).update(stock=1)  # sold to someone else
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == ("cancelled", "voided")
    refund = Refund.objects.get()
    assert (refund.state, refund.amount) == ("succeeded", order.total)
    assert SandboxCharge.objects.get().refunded == order.total  # the money went back
    assert stock_of(hot["tracked"]) == 1


def test_a_retried_saved_card_charge_charges_once(shop, hot, django_capture_on_commit_callbacks):
    from payments import services as payments
    from payments.models import Payment, PaymentMethod
    from payments.tasks import payment_charge_saved

    first = buy(shop, hot["tracked"])
    with django_capture_on_commit_callbacks(execute=True):
        pay(first)
    method = PaymentMethod.objects.get()
    second = buy(shop, hot["tracked"], customer=first.customer)
    with django_capture_on_commit_callbacks(execute=True):
        payment = payments.payment_saved_start(order=second, method=method)
    # A worker killed after charging but before acknowledging: the task runs again.
    Payment.objects.filter(pk=payment.pk).update(state="pending")
    payment_charge_saved.apply(args=[payment.pk])
    assert SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).count() == 1
    second.refresh_from_db()
    assert second.payment_status == "paid"


def test_checkout_completion_query_budget(shop, hot, django_assert_max_num_queries):
    ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490)
    customer = Customer.objects.create(shop=shop, name="Ana")
    cart = cart_open(shop=shop, owner_key="customer:ana")
    for variant in hot.values():
        cart_add(cart=cart, variant=variant, quantity=2)
    checkout = checkouts.checkout_start(
        cart=cart,
        customer=customer,
        contact_name="Ana",
        contact_phone="+33600000000",
        shipping_address={"text": "2 place du Marché, Lyon"},
        shipping_rate=ShippingRate.objects.get(),
    )
    checkout = Checkout.objects.get(pk=checkout.pk)
    with django_assert_max_num_queries(25) as captured:
        checkouts.checkout_complete(checkout=checkout)
    print(f"checkout completion: {len(captured)} queries")
