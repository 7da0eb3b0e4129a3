"""What the hosted test page needs beyond the payment: the shopper's language, the way back to
their conversation, the details the chat left for the page to ask, and recording them.

The contract with checkout (orders/checkout.py): an order placed with
`checkout_complete(require_details=False)` keeps whatever the chat did not collect blank
(contact_name, contact_phone, shipping_address). The page asks exactly those, in the card form,
and records them on the order before the card is charged; it never asks one twice.
"""

from django.db import transaction

from channels_adapters.base import AccountContext
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for, is_kind, kinds_with
from orders.details import order_details_fill
from orders.models import Order, ShippingRate
from orders.transitions import OrderStatus
from payments.models import Payment
from payments.pay_forms import ADDRESS, NAME_AND_PHONE, SHIPPING_RATE
from shops.languages import souk_language, spoken_languages


def shopper_language(order: Order) -> str:
    """The customer's own language when the platform told us (Telegram's language_code,
    Messenger's locale) and the shop speaks it (its own or one it offers), else the shop's:
    the language the chat answered in."""
    customer = order.customer
    spoken = souk_language(customer.language if customer else "")
    return spoken if spoken in spoken_languages(order.shop) else order.shop.language


def channel_wallet(order: Order) -> str:
    """The wallet the order's channel pays with in its own browser, as Stripe names the
    payment method ("wechat_pay" for WeChat), "" when none or the channel is gone. Asked of
    the channel's adapter: payments never names a channel."""
    kind = order.channel_kind or (order.channel.kind if order.channel_id else "")
    if not is_kind(kind):
        return ""
    return adapter_for(kind).capabilities.wallet


def page_wallet(order: Order, user_agent: str) -> str:
    """The wallet the hosted page offers beside the card: the order's channel's, else the one
    of the app whose browser opened the page (a link forwarded into WeChat), else ""."""
    wallet = channel_wallet(order)
    if wallet:
        return wallet
    for kind in kinds_with("wallet"):
        adapter = adapter_for(kind)
        if adapter.opens_pages(user_agent):
            return adapter.capabilities.wallet
    return ""


def back_to_chat_url(account: ChannelAccount | None) -> str:
    """A link that opens the conversation the payment link came from, as its channel's adapter
    writes it ("" when the channel has none: an app without links to a chat)."""
    if account is None:
        return ""
    context = AccountContext(
        id=account.pk,
        kind=account.kind,
        external_id=account.external_id,
        credentials={},  # a link never needs the secrets
    )
    return adapter_for(account.kind).chat_link(
        context, shop_slug=account.shop.slug, name=account.name
    )


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
