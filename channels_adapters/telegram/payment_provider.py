"""Telegram's native invoices as a payment provider: the provider the Telegram channel brings
(the adapter's `payment_provider`), stored on its payments under the channel's kind.

The invoice is a chat message and the payment happens inside Telegram (payments/invoices.py
answers its questions); what the provider side does is refund. Telegram collects the card
through the shop's payment provider (the `payment_provider_token` of the channel, a Stripe
account in practice): a refund goes through that provider with the charge id Telegram reported
(`provider_payment_charge_id`).

This module implements payments' provider contract, so it imports payments; only payments
imports it (payments/providers/registry.py, through the adapter's dotted path): the adapter
itself imports no other app.
"""

from payments.models import Payment, PaymentMethod, Refund
from payments.providers.base import PENDING, Outcome, PaymentProvider, ProviderRefused
from payments.selectors import stripe_secret_key


class TelegramInvoiceProvider(PaymentProvider):
    name = "telegram"  # the channel's kind, as its payments store it
    supports_saved_cards = False  # Telegram keeps no card we could charge off session

    def link_create(self, payment: Payment, *, customer_ref: str = "") -> str:
        raise ProviderRefused("Telegram invoices are sent in the chat, not as links.")

    def charge_saved(self, payment: Payment, method: PaymentMethod) -> Outcome:
        raise ProviderRefused("Telegram invoices cannot charge a saved card.")

    def refresh(self, payment: Payment) -> Outcome:
        # Telegram tells us once, with successful_payment; there is nothing to re-read.
        return Outcome(PENDING)

    def refund(self, payment: Payment, refund: Refund) -> str:
        # The channel's provider token is the shop's Stripe account in practice: its own key
        # when it entered one, else the platform's.
        if not payment.provider_charge_ref or not stripe_secret_key(shop_id=payment.shop_id):
            raise ProviderRefused(
                "Refund this Telegram payment from your payment provider's dashboard: "
                "Souk has no key for the provider that took it."
            )
        from payments.providers.stripe import _calling_stripe, stripe_client

        params = {"charge": payment.provider_charge_ref, "amount": refund.amount}
        with _calling_stripe("refund create"):
            created = stripe_client(payment.shop_id).v1.refunds.create(
                params=params, options={"idempotency_key": refund.idempotency_key}
            )
        return created.id
