"""Giving back stock nobody paid for: checkouts abandoned and unpaid orders, once their
reservation expires (the beat task runs this every minute)."""

import logging

from django.db import transaction
from django.utils import timezone

from orders import stock
from orders.events import order_event
from orders.live import cart_announce
from orders.models import Checkout, CheckoutStatus, Order, ReservationState
from orders.transitions import OrderStatus, PaymentStatus, transition

logger = logging.getLogger(__name__)

BATCH = 200


def reservations_expire(*, now=None) -> int:
    """Expires what is due, a batch at a time, skipping rows another worker holds (a payment
    being recorded right now wins). Returns how many checkouts and orders expired."""
    now = now or timezone.now()
    expired = 0
    with transaction.atomic():
        checkouts = Checkout.objects.select_for_update(skip_locked=True).filter(
            status=CheckoutStatus.OPEN, expires_at__lt=now
        )[:BATCH]
        for checkout in checkouts:
            stock.give_back(list(checkout.reservations.filter(state=ReservationState.HELD)))
            checkout.status = CheckoutStatus.EXPIRED
            checkout.save(update_fields=["status", "updated_at"])
            cart_announce(shop_id=checkout.shop_id, customer_id=checkout.customer_id)
            expired += 1
    with transaction.atomic():
        orders = (
            Order.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("shop")
            .filter(status=OrderStatus.PENDING, reserved_until__lt=now)[:BATCH]
        )
        for order in orders:
            stock.give_back(list(order.reservations.filter(state=ReservationState.HELD)))
            transition(order, "status", OrderStatus.CANCELLED)
            transition(order, "payment_status", PaymentStatus.VOIDED)
            order.cancel_reason = "Not paid in time"
            order.cancelled_at = now
            order.reserved_until = None
            order.save()
            order_event(order, "order.cancelled", reason="expired", by="system")
            expired += 1
    if expired:
        logger.info("expired %s stock reservations", expired)
    return expired
