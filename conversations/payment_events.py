"""A native invoice's payment questions (`Capabilities.native_invoice`), answered in the
conversation's name: shipping options for an invoice address, the pre-checkout yes/no (within
the platform's deadline, 10 seconds on Telegram: a few queries, then the answer right after
commit), and the successful payment. The decisions are the payments app's
(payments/invoices.py); this module only carries them to and from the channel's adapter, whose
own payment provider (named after its kind) took the money."""

from django.db import transaction

from channels_adapters import messages as m
from channels_adapters.models import ChannelAccount
from channels_adapters.registry import adapter_for
from channels_adapters.setup import account_context
from payments import invoices

PAYMENT_EVENTS = (m.ShippingQuery, m.PreCheckout, m.PaymentSucceeded)


def payment_event_handle(*, account: ChannelAccount, event: m.InboundEvent) -> None:
    adapter, context = adapter_for(account.kind), account_context(account)
    invoice = {"shop_id": account.shop_id, "provider": account.kind, "payload": event.payload}
    if isinstance(event, m.ShippingQuery):
        answer = invoices.shipping_options(**invoice)
        transaction.on_commit(
            lambda: adapter.answer_shipping_query(
                context, event.query_id, options=answer.options, error=answer.error
            )
        )
    elif isinstance(event, m.PreCheckout):
        answer = invoices.pre_checkout_check(
            **invoice,
            currency=event.currency,
            total=event.total_amount,
            option_id=event.shipping_option_id,
            details=event.order_info,
        )
        transaction.on_commit(
            lambda: adapter.answer_pre_checkout_query(context, event.query_id, error=answer.error)
        )
    elif isinstance(event, m.PaymentSucceeded):
        invoices.payment_received(
            **invoice,
            total=event.total_amount,
            platform_charge_id=event.telegram_charge_id,
            provider_charge_id=event.provider_charge_id,
        )
