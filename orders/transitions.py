"""The order's three statuses and, for each, the only moves allowed.

An order has an order status (is the sale on?), a payment status (has the money come in?) and
a fulfilment status (has the parcel left?). Every change goes through `transition()`, which
refuses any move not in the table: a bug or a stale request raises `InvalidTransition` instead
of silently rewriting history.
"""

from django.db import models


class OrderStatus(models.TextChoices):
    PENDING = "pending", "Awaiting payment"  # stock reserved until the reservation expires
    CONFIRMED = "confirmed", "Confirmed"  # paid: the shop prepares it
    COMPLETED = "completed", "Completed"  # delivered or collected
    CANCELLED = "cancelled", "Cancelled"


class PaymentStatus(models.TextChoices):
    AWAITING = "awaiting", "Awaiting payment"
    FAILED = "failed", "Payment failed"  # the shopper may try again while stock is reserved
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    VOIDED = "voided", "Voided"  # never paid: cancelled or expired


class FulfillmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    FULFILLED = "fulfilled", "Shipped"
    DELIVERED = "delivered", "Delivered"


ALLOWED: dict[str, dict[str, frozenset[str]]] = {
    "status": {
        OrderStatus.PENDING: frozenset({OrderStatus.CONFIRMED, OrderStatus.CANCELLED}),
        OrderStatus.CONFIRMED: frozenset({OrderStatus.COMPLETED, OrderStatus.CANCELLED}),
        OrderStatus.COMPLETED: frozenset(),
        # A payment that lands after the reservation expired revives the order, but only when
        # its stock could be reserved again (otherwise the payment is refunded).
        OrderStatus.CANCELLED: frozenset({OrderStatus.CONFIRMED}),
    },
    "payment_status": {
        PaymentStatus.AWAITING: frozenset(
            {PaymentStatus.PAID, PaymentStatus.FAILED, PaymentStatus.VOIDED}
        ),
        PaymentStatus.FAILED: frozenset(
            {PaymentStatus.AWAITING, PaymentStatus.PAID, PaymentStatus.VOIDED}
        ),
        PaymentStatus.PAID: frozenset({PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}),
        PaymentStatus.PARTIALLY_REFUNDED: frozenset(
            {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
        ),
        PaymentStatus.REFUNDED: frozenset(),
        PaymentStatus.VOIDED: frozenset({PaymentStatus.PAID}),  # the late payment above
    },
    "fulfillment_status": {
        FulfillmentStatus.UNFULFILLED: frozenset({FulfillmentStatus.FULFILLED}),
        # Shipping again replaces the tracking details (a second parcel, a corrected number).
        FulfillmentStatus.FULFILLED: frozenset(
            {FulfillmentStatus.FULFILLED, FulfillmentStatus.DELIVERED}
        ),
        FulfillmentStatus.DELIVERED: frozenset(),
    },
}


class InvalidTransition(Exception):
    """A status change the tables above forbid."""

    def __init__(self, field: str, current: str, wanted: str):
        self.field, self.current, self.wanted = field, current, wanted
        label = field.replace("_", " ")
        super().__init__(f"An order's {label} cannot go from '{current}' to '{wanted}'.")


def transition(order, field: str, wanted: str) -> None:
    """Sets `order.<field>` to `wanted`, or raises InvalidTransition. The caller saves."""
    current = getattr(order, field)
    if wanted not in ALLOWED[field][current]:
        raise InvalidTransition(field, current, wanted)
    setattr(order, field, wanted)


def can(order, field: str, wanted: str) -> bool:
    return wanted in ALLOWED[field][getattr(order, field)]
