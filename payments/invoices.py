"""A channel's native invoice (`Capabilities.native_invoice`), payments' side: the invoice's
words, and the three moments the platform asks us about, as services.

  invoice_text       the invoice's title, description and price lines
  shipping_options   the shopper typed an address in the invoice: the shop's rates
  pre_checkout_check the shopper pressed Pay: can we still sell this, at this total? (fast:
                     a few queries; Telegram cancels the payment after 10 seconds)
  payment_received   the platform took the money: the order is paid

The invoice's payload names our payment (`invoice_payload`); the payment is the channel's own
provider's, named after the channel's kind (`provider`: payments/providers/registry.py finds
it through the channel's adapter). Each service takes what the platform sent, already
normalized by the channel's adapter (the details its payment sheet collected: `name`, `phone`,
`address`), and returns what to answer; the chat layer sends the answers through the adapter
(conversations/payment_events.py). Payments know no chat and name no channel.

Everything the shopper reads on the invoice and in the platform's payment sheet is in their
language: the items by their translated titles and variants (as the receipt names them), the
shipping options by their translated names (orders/translations.py), the shipping line and the
refusals through gettext.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from orders.models import Order, ReservationState, ShippingRate
from orders.selectors import shipping_rates
from orders.transitions import OrderStatus, PaymentStatus
from orders.translations import line_title, rate_name
from payments import services
from payments.models import Payment, PaymentKind, PaymentState
from payments.pay_page import shopper_language
from payments.providers import base
from shops.models import Shop

PAYLOAD_PREFIX = "souk:"


@dataclass(frozen=True)
class Answer:
    error: str = ""  # empty: yes
    options: tuple = ()  # shipping options: (id, title, ((label, amount),))


@dataclass(frozen=True)
class InvoiceText:
    title: str
    description: str
    prices: tuple[tuple[str, int], ...]  # (label, amount in minor units)


SOLD_OUT = _("Sorry, an item in this order has just sold out.")
CHANGED = _("This order has changed. Please start again from the chat.")
EXPIRED = _("This order has expired. Please order again from the chat.")
CANNOT_SHIP = _("We cannot ship there, sorry.")


def invoice_payload(payment: Payment) -> str:
    """What the invoice carries to name `payment` ("souk:<id>"), read back by the services."""
    return f"{PAYLOAD_PREFIX}{payment.pk}"


def payment_id_from_payload(payload: str) -> int | None:
    if not payload.startswith(PAYLOAD_PREFIX):
        return None
    rest = payload.removeprefix(PAYLOAD_PREFIX)
    return int(rest) if rest.isdigit() else None


def invoice_text(*, order: Order, language: str) -> InvoiceText:
    """The invoice's title, description and price lines in `language`."""
    lines = list(order.lines.select_related("variant__product"))
    shop_language = order.shop.language
    items = [f"{line.quantity} x {line_title(line, language, shop_language)}" for line in lines]
    with translation.override(language):
        title = pgettext("invoice_title", "{shop} #{number}").format(
            shop=order.shop.name, number=order.number
        )
    return InvoiceText(
        title=title,
        description=", ".join(items),
        prices=tuple((item, line.line_total) for item, line in zip(items, lines, strict=True)),
    )


def _refusal(text, language: str) -> str:
    with translation.override(language):
        return str(text)


def _shop_language(shop_id: int) -> str:
    # Only when the payload names no payment of ours: no order, so no shopper to ask.
    return Shop.objects.filter(pk=shop_id).values_list("language", flat=True).first() or ""


def _payment(payload: str, shop_id: int, provider: str) -> Payment | None:
    payment_id = payment_id_from_payload(payload)
    if payment_id is None:
        return None
    return (
        Payment.objects.select_related("order__shop", "order__customer")
        .filter(pk=payment_id, shop_id=shop_id, provider=provider, kind=PaymentKind.INVOICE)
        .first()
    )


def shipping_options(*, shop_id: int, provider: str, payload: str) -> Answer:
    payment = _payment(payload, shop_id, provider)
    if payment is None:
        return Answer(error=_refusal(EXPIRED, _shop_language(shop_id)))
    order = payment.order
    language = shopper_language(order)
    if order.status != OrderStatus.PENDING:
        return Answer(error=_refusal(EXPIRED, language))
    with translation.override(language):
        label = pgettext("invoice shipping", "Shipping")
    options = tuple(
        (str(rate.pk), rate_name(rate, language), ((label, rate.cost_for(order.subtotal)),))
        for rate in shipping_rates(shop=order.shop)
    )
    return Answer(options=options) if options else Answer(error=_refusal(CANNOT_SHIP, language))


def pre_checkout_check(
    *,
    shop_id: int,
    provider: str,
    payload: str,
    currency: str,
    total: int,
    option_id: str,
    details: dict,
) -> Answer:
    """Re-checks stock and price; records the chosen shipping and the details the invoice
    collected (`name`, `phone`, `address`: the adapter's reading of the payment sheet) on the
    order. One short transaction, no provider call."""
    payment = _payment(payload, shop_id, provider)
    if payment is None:
        return Answer(error=_refusal(EXPIRED, _shop_language(shop_id)))
    refused = _pre_checkout_refusal(payment, currency, total, option_id, details)
    return Answer(error=_refusal(refused, shopper_language(payment.order)) if refused else "")


def _pre_checkout_refusal(payment: Payment, currency, total, option_id, details):
    """Why the payment cannot go ahead (EXPIRED, SOLD_OUT, CHANGED), or None."""
    shop_id = payment.shop_id
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).get(pk=payment.order_id)
        if order.status != OrderStatus.PENDING or order.payment_status not in (
            PaymentStatus.AWAITING,
            PaymentStatus.FAILED,
        ):
            return EXPIRED
        held = order.reservations.filter(state=ReservationState.HELD)
        if held.count() != order.lines.count():
            return SOLD_OUT
        rate = None
        if option_id:
            rate = ShippingRate.objects.filter(
                pk=int(option_id) if option_id.isdigit() else 0, shop_id=shop_id, is_active=True
            ).first()
            if rate is None:
                return CHANGED
        shipping = rate.cost_for(order.subtotal) if rate else order.shipping_total
        if currency != order.currency or total != order.subtotal + shipping:
            return CHANGED
        if rate is not None:
            order.shipping_rate, order.shipping_method = rate, rate.name
        order.shipping_total, order.total = shipping, order.subtotal + shipping
        order.contact_name = (details.get("name") or order.contact_name)[:150]
        order.contact_phone = (details.get("phone") or order.contact_phone)[:32]
        order.shipping_address = details.get("address") or order.shipping_address
        order.save()
        Payment.objects.filter(pk=payment.pk).update(amount=order.total)
    return None


def payment_received(
    *,
    shop_id: int,
    provider: str,
    payload: str,
    total: int,
    platform_charge_id: str,
    provider_charge_id: str,
) -> Payment | None:
    """`platform_charge_id`: the platform's id of the payment; `provider_charge_id`: the id
    of the charge at the payment provider that took the card (what a refund names)."""
    payment = _payment(payload, shop_id, provider)
    if payment is None:
        return None
    if payment.state == PaymentState.SUCCEEDED:
        return payment
    Payment.objects.filter(pk=payment.pk).update(amount=total)
    outcome = base.Outcome(
        base.SUCCEEDED, provider_ref=platform_charge_id[:120], charge_ref=provider_charge_id[:120]
    )
    return services.payment_outcome_record(payment=payment, outcome=outcome)
