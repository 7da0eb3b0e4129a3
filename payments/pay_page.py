"""What the hosted test page needs beyond the payment: the shopper's language, the way back to
their conversation, the details the chat left for the page to ask, and recording them.

The contract with checkout (orders/checkout.py): an order placed with
`checkout_complete(require_details=False)` keeps whatever the chat did not collect blank
(contact_name, contact_phone, shipping_address). The page asks exactly those, in the card form,
and records them on the order before the card is charged; it never asks one twice.
"""

import re

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from channels_adapters.models import ChannelAccount, ChannelKind
from orders.details import order_details_fill
from orders.models import Order, ShippingRate
from orders.transitions import OrderStatus
from payments.models import Payment
from payments.pay_forms import ADDRESS, NAME_AND_PHONE, SHIPPING_RATE

TELEGRAM_USERNAME = re.compile(r"^@?([A-Za-z0-9_]{5,32})$")
PHONE_NUMBER = re.compile(r"^\+?[\d\s().-]{8,24}$")


def shopper_language(order: Order) -> str:
    """The customer's own language when the platform told us (Telegram's language_code,
    Messenger's locale), else the shop's."""
    known = {code for code, _ in settings.LANGUAGES}
    customer = order.customer
    spoken = (customer.language if customer else "")[:2].lower()
    return spoken if spoken in known else order.shop.language


def back_to_chat_url(account: ChannelAccount | None) -> str:
    """A link that opens the conversation the payment link came from ("" when the channel has
    none: an SMS shopper goes back to their messages app)."""
    if account is None:
        return ""
    if account.kind == ChannelKind.WEBCHAT:
        path = reverse("webchat-page", kwargs={"slug": account.shop.slug})
        return settings.SOUK_PUBLIC_URL.rstrip("/") + path
    if account.kind == ChannelKind.TELEGRAM:
        # Connecting a bot names the account "@<bot username>" (channels_adapters/setup.py).
        match = TELEGRAM_USERNAME.match(account.name)
        return f"https://t.me/{match.group(1)}" if match else ""
    if account.kind == ChannelKind.MESSENGER:
        return f"https://m.me/{account.external_id}" if account.external_id.isdigit() else ""
    if account.kind == ChannelKind.WHATSAPP:
        # The account's id is Meta's phone number id; the number itself is its display name.
        if not PHONE_NUMBER.match(account.name):
            return ""
        return "https://wa.me/" + "".join(ch for ch in account.name if ch.isdigit())
    if account.kind == ChannelKind.SMS:
        return f"sms:{account.external_id}"
    return ""


def delivery_options(order: Order) -> list[ShippingRate]:
    """The shop's delivery options when the chat left the choice to the page (none chosen)."""
    if order.shipping_rate_id:
        return []
    return list(ShippingRate.objects.for_shop(order.shop).filter(is_active=True))


def details_to_ask(order: Order, rates: list[ShippingRate] = ()) -> tuple[str, ...]:
    """The detail fields the order still lacks (the flag the page's form is built from)."""
    ask = tuple(name for name in NAME_AND_PHONE if not getattr(order, name).strip())
    if rates:
        ask += (SHIPPING_RATE,)
    rate = order.shipping_rate
    needs_address = rate is None or rate.needs_address
    if needs_address and not order.shipping_address:
        ask += ADDRESS
    return ask


def order_details_record(*, order: Order, payment: Payment, details: dict) -> int:
    """Writes what the page collected on the unpaid order; what the order already has wins
    (a detail is never asked twice, so never overwritten either). A delivery option chosen on
    the page sets the shipping cost and the total, and the payment's amount with them (as a
    Telegram invoice's shipping query does). Returns the amount to charge."""
    with transaction.atomic():
        locked = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
        if locked.status != OrderStatus.PENDING:
            return payment.amount
        if "total" in order_details_fill(order=locked, **details):
            Payment.objects.filter(pk=payment.pk).update(amount=locked.total)
        return locked.total
