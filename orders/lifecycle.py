"""An order's life after it is placed: paid, payment failed, cancelled, shipped, delivered,
refunded. Every status change goes through orders.transitions; every change that matters
outside is announced with orders.events after commit. Callers pass the order; each function
locks it (select_for_update) for the length of one short transaction.
"""

from django.db import transaction
from django.utils import timezone

from orders import stock
from orders.events import order_event
from orders.models import Order, ReservationState, StockReservation
from orders.transitions import (
    FulfillmentStatus,
    InvalidTransition,
    OrderStatus,
    PaymentStatus,
    can,
    transition,
)


class PaidTooLate(Exception):
    """The money came in after the reservation expired and the stock is gone: the caller
    refunds it."""

    def __init__(self, order: Order):
        self.order = order
        super().__init__(f"Order #{order.number} was paid after its stock was released.")


def _locked(order: Order) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)


def order_mark_paid(*, order: Order) -> Order:
    """The payment succeeded. Idempotent (a second call changes nothing). Raises PaidTooLate
    when the order had expired and its stock could not be reserved again."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.payment_status == PaymentStatus.PAID:
            return locked
        if locked.status == OrderStatus.CANCELLED:
            released = list(
                StockReservation.objects.filter(order=locked, state=ReservationState.RELEASED)
            )
            if locked.payment_status != PaymentStatus.VOIDED or not stock.retake(released):
                raise PaidTooLate(locked)
            locked.cancel_reason = ""
            locked.cancelled_at = None
        transition(locked, "payment_status", PaymentStatus.PAID)
        transition(locked, "status", OrderStatus.CONFIRMED)
        StockReservation.objects.filter(order=locked, state=ReservationState.HELD).update(
            state=ReservationState.COMMITTED
        )
        locked.paid_at = timezone.now()
        locked.reserved_until = None
        locked.save()
        order_event(locked, "order.paid")
    return locked


def order_mark_payment_failed(*, order: Order, reason: str = "") -> Order:
    """A declined card: the order stays open (stock still reserved) so the shopper can pay
    another way before the reservation expires."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.payment_status != PaymentStatus.AWAITING:
            return locked  # already failed, paid or voided: nothing to add
        transition(locked, "payment_status", PaymentStatus.FAILED)
        locked.save(update_fields=["payment_status", "updated_at"])
        order_event(locked, "order.payment_failed", reason=reason)
    return locked


def order_mark_awaiting(*, order: Order) -> Order:
    """A new payment attempt started after a failure."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.payment_status == PaymentStatus.FAILED:
            transition(locked, "payment_status", PaymentStatus.AWAITING)
            locked.save(update_fields=["payment_status", "updated_at"])
    return locked


def order_can_cancel(order: Order) -> bool:
    """Not shipped, and its status may still become cancelled."""
    return order.fulfillment_status == FulfillmentStatus.UNFULFILLED and can(
        order, "status", OrderStatus.CANCELLED
    )


def order_cancel(
    *, order: Order, reason: str = "", by: str = "shop", actor=None, source: str | None = None
) -> Order:
    """Cancels an order not yet shipped. An unpaid order gives its stock back; a paid one
    must be refunded first or alongside (payments.services.order_cancel_and_refund).
    `actor` and `source` say who, for the order's timeline (orders/events.py)."""
    with transaction.atomic():
        locked = _locked(order)
        if locked.status == OrderStatus.CANCELLED:
            return locked
        if locked.fulfillment_status != FulfillmentStatus.UNFULFILLED:
            raise InvalidTransition("status", f"{locked.status} and shipped", "cancelled")
        transition(locked, "status", OrderStatus.CANCELLED)
        if can(locked, "payment_status", PaymentStatus.VOIDED):
            transition(locked, "payment_status", PaymentStatus.VOIDED)
        # Unpaid: the reserved units; paid: the units sold. Either way back on the shelf.
        reservations = StockReservation.objects.filter(order=locked)
        stock.give_back(list(reservations.exclude(state=ReservationState.RELEASED)))
        locked.cancel_reason = reason[:200]
        locked.cancelled_at = timezone.now()
        locked.reserved_until = None
        locked.save()
        order_event(locked, "order.cancelled", reason=reason, by=by, actor=actor, source=source)
    return locked


def order_can_fulfil(order: Order) -> bool:
    """Paid and not cancelled; shipping again replaces the tracking details."""
    return order.status == OrderStatus.CONFIRMED and can(
        order, "fulfillment_status", FulfillmentStatus.FULFILLED
    )


def order_fulfil(
    *,
    order: Order,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    actor=None,
    source: str | None = None,
) -> Order:
    with transaction.atomic():
        locked = _locked(order)
        if locked.status != OrderStatus.CONFIRMED:
            raise InvalidTransition("status", locked.status, "shipped")
        transition(locked, "fulfillment_status", FulfillmentStatus.FULFILLED)
        locked.carrier = carrier[:60]
        locked.tracking_number = tracking_number[:100]
        locked.tracking_url = tracking_url[:500]
        locked.fulfilled_at = timezone.now()
        locked.save()
        order_event(
            locked,
            "order.fulfilled",
            carrier=locked.carrier,
            tracking_number=locked.tracking_number,
            tracking_url=locked.tracking_url,
            actor=actor,
            source=source,
        )
    return locked


def order_mark_delivered(*, order: Order, actor=None, source: str | None = None) -> Order:
    with transaction.atomic():
        locked = _locked(order)
        transition(locked, "fulfillment_status", FulfillmentStatus.DELIVERED)
        transition(locked, "status", OrderStatus.COMPLETED)
        locked.save()
        order_event(locked, "order.delivered", actor=actor, source=source)
    return locked


def order_record_refund(*, order: Order, amount: int) -> Order:
    """Money given back (the payments app calls this once the provider confirmed)."""
    with transaction.atomic():
        locked = _locked(order)
        refunded = locked.refunded_total + amount
        if amount <= 0 or refunded > locked.total:
            raise ValueError(f"cannot refund {amount}: {locked.total - locked.refunded_total} left")
        full = refunded == locked.total
        wanted = PaymentStatus.REFUNDED if full else PaymentStatus.PARTIALLY_REFUNDED
        transition(locked, "payment_status", wanted)
        locked.refunded_total = refunded
        locked.save(update_fields=["payment_status", "refunded_total", "updated_at"])
        order_event(locked, "order.refunded", amount=amount)
    return locked
