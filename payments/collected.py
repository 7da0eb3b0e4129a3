"""Recording what a provider's page collected when its payment succeeds (Stripe Checkout:
name, phone, address, delivery option), in the transaction that records the payment
(payments.services.payment_outcome_record), before the order is marked paid: the receipt and
the shopper's next checkout (conversations/checkout_flow.py reads the last paid order) see
them. A redelivered or late event finds the payment already succeeded and writes nothing.

Amount integrity: the order's total must be what the provider charged, or a refund of "the
whole order" would ask for more (or less) than was taken. The delivery option chosen on
Stripe's page adds its cost to the order (its `shipping_cost`), which normally makes the two
equal. Should they still differ (a rate edited between the page and the payment is priced as
the page showed it; anything else would be a bug), the charge wins: the shipping becomes the
amount charged above the goods, the total the amount charged, and the order's timeline says
what was expected and what was charged (`order.amount_reconciled`), for the brand to check.
"""

import logging

from orders.details import order_details_fill
from orders.events import order_event
from orders.models import Order, ShippingRate
from orders.transitions import PaymentStatus
from payments.models import Payment
from payments.providers.base import CollectedDetails

logger = logging.getLogger(__name__)

# Voided too: an order that expired as it was paid is sold again if its stock still is there.
UNPAID = (PaymentStatus.AWAITING, PaymentStatus.FAILED, PaymentStatus.VOIDED)


def collected_details_record(*, payment: Payment, collected: CollectedDetails) -> None:
    """Called inside payment_outcome_record's transaction with the payment's row locked; sets
    `payment.amount` to what was charged (the caller saves the payment)."""
    charged = collected.amount_charged
    if charged is not None:
        payment.amount = charged  # what a refund of this payment may give back
    order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
    if order.payment_status not in UNPAID:
        return  # paid by another attempt: this one is refunded, the order keeps its details
    rate = None
    if collected.shipping_rate_id is not None:
        # Even a rate switched off since: the shopper chose it and paid for it.
        rate = ShippingRate.objects.filter(
            shop_id=order.shop_id, pk=collected.shipping_rate_id
        ).first()
    order_details_fill(
        order=order,
        contact_name=collected.contact_name,
        contact_phone=collected.contact_phone,
        shipping_address=collected.shipping_address,
        shipping_rate=rate,
        # The rate's own name (the shop's language): the page showed the shopper's.
        shipping_method=rate.name if rate else collected.shipping_method,
        shipping_total=collected.shipping_amount,
    )
    if charged is not None and charged != order.total:
        _reconcile(order, charged)


def _reconcile(order: Order, charged: int) -> None:
    expected = order.total
    order.shipping_total = max(charged - order.subtotal, 0)
    order.total = charged
    order.save(update_fields=["shipping_total", "total", "updated_at"])
    logger.warning(
        "order %s: the provider charged %s where the order came to %s; total set to the charge",
        order.pk,
        charged,
        expected,
    )
    order_event(order, "order.amount_reconciled", expected=expected, charged=charged)
