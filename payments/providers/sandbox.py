"""The test provider: the default when no Stripe key is set, so the demo sells end to end.

It behaves like Stripe's test mode, with a hosted pay page served by Souk itself
(payments/views.py) that accepts only Stripe's public test card numbers:

  4242 4242 4242 4242   succeeds (and can be saved, then charged off session)
  4000 0000 0000 0002   declined
  4000 0000 0000 9995   declined, insufficient funds
  4000 0027 6000 3184   needs authentication, on the page and on every saved-card charge
  4000 0000 0000 0341   can be saved, but charging it later is declined

Anything else is refused as "not a test card": a real card number is never accepted, kept or
logged. `SandboxCharge` is the provider's own ledger (as Stripe keeps one): a charge retried
with the same idempotency key returns the first result.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from payments.models import Payment, PaymentMethod, Refund, SandboxCharge
from payments.providers.base import (
    DECLINED,
    PENDING,
    REQUIRES_ACTION,
    SUCCEEDED,
    Outcome,
    PaymentProvider,
    ProviderRefused,
    SavedCard,
)


@dataclass(frozen=True)
class SandboxCard:
    number: str
    on_page: str  # what happens when paid on the hosted page
    off_session: str  # what happens when charged later, saved
    decline_code: str = ""


CARDS = {
    card.number: card
    for card in (
        SandboxCard("4242424242424242", SUCCEEDED, SUCCEEDED),
        SandboxCard("4000000000000002", DECLINED, DECLINED, "card_declined"),
        SandboxCard("4000000000009995", DECLINED, DECLINED, "insufficient_funds"),
        SandboxCard("4000002760003184", REQUIRES_ACTION, REQUIRES_ACTION),
        SandboxCard("4000000000000341", SUCCEEDED, DECLINED, "card_declined"),
    )
}
DECLINE_MESSAGES = {
    "card_declined": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "authentication_failed": "The payment was not authenticated.",
    # Stripe's code when a wallet's provider refuses the payment.
    "payment_method_provider_decline": "The payment app declined the payment.",
}
WALLET_DECLINED = "payment_method_provider_decline"


class NotATestCard(ValueError):
    pass


def sandbox_card(number: str) -> SandboxCard:
    digits = "".join(ch for ch in number if ch.isdigit())
    card = CARDS.get(digits)
    if card is None:
        raise NotATestCard("This is a test shop: use a test card such as 4242 4242 4242 4242.")
    return card


def _method_id(card: SandboxCard) -> str:
    # The last four digits identify the test card's behaviour; the rest makes it unique.
    return f"pm_test_{card.number[-4:]}_{secrets.token_hex(6)}"


def _card_of(method_id: str) -> SandboxCard | None:
    last4 = method_id.removeprefix("pm_test_")[:4]
    return next((c for c in CARDS.values() if c.number.endswith(last4)), None)


class SandboxProvider(PaymentProvider):
    name = "test"
    collects_details = True  # payments/pay_forms.py: one form, filled by the browser

    def link_create(self, payment: Payment, *, customer_ref: str = "") -> str:
        if not payment.page_token:
            payment.page_token = secrets.token_urlsafe(32)
            payment.save(update_fields=["page_token", "updated_at"])
        path = reverse("payments:test-pay", args=[payment.page_token])
        return settings.SOUK_PUBLIC_URL.rstrip("/") + path

    def pay_on_page(self, payment: Payment, number: str, *, save: bool) -> Outcome:
        """The hosted page's form was submitted (raises NotATestCard)."""
        card = sandbox_card(number)
        return self._charge(payment, card, card.on_page, save=save, action_path="test-pay")

    def pay_with_wallet(self, payment: Payment, *, approve: bool) -> Outcome:
        """The page's wallet button (WeChat Pay on Stripe: a QR code or a confirmation in the
        app): paid or declined as the shopper chose. A wallet payment is single-use, so
        nothing is saved; the ledger keeps it without card digits."""
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    idempotency_key=payment.idempotency_key,
                    amount=payment.amount,
                    currency=payment.currency,
                    card_last4="",
                    outcome=SUCCEEDED if approve else DECLINED,
                )
        except IntegrityError:  # the same key again: the first charge's answer, nothing new
            return self.refresh(payment)
        return self._outcome(payment, charge, WALLET_DECLINED)

    def authenticate(self, payment: Payment, *, approve: bool) -> Outcome:
        """The shopper answered the authentication step (3-D Secure) on the page."""
        charge = SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).first()
        if charge is None or charge.outcome != REQUIRES_ACTION:
            return self.refresh(payment)
        charge.outcome = SUCCEEDED if approve else DECLINED
        charge.save(update_fields=["outcome"])
        if not approve:
            return Outcome(
                DECLINED,
                provider_ref=f"ch_test_{charge.pk}",
                decline_code="authentication_failed",
                decline_message=DECLINE_MESSAGES["authentication_failed"],
            )
        return self.refresh(payment)

    def charge_saved(self, payment: Payment, method: PaymentMethod) -> Outcome:
        card = _card_of(method.provider_method_id)
        if card is None:
            raise ProviderRefused(f"unknown test payment method {method.provider_method_id}")
        return self._charge(payment, card, card.off_session, save=False, action_path="test-pay")

    def _charge(self, payment, card, result, *, save, action_path) -> Outcome:
        saving = save and result in (SUCCEEDED, REQUIRES_ACTION)
        try:
            with transaction.atomic():
                charge = SandboxCharge.objects.create(
                    idempotency_key=payment.idempotency_key,
                    amount=payment.amount,
                    currency=payment.currency,
                    card_last4=card.number[-4:],
                    outcome=result,
                    saved_method_id=_method_id(card) if saving else "",
                    customer_ref=f"cus_test_{payment.order.customer_id or 0}" if saving else "",
                )
        except IntegrityError:  # the same key again: the first charge's answer, nothing new
            return self.refresh(payment)
        return self._outcome(payment, charge, card.decline_code)

    def _outcome(self, payment: Payment, charge: SandboxCharge, decline_code: str) -> Outcome:
        ref = f"ch_test_{charge.pk}"
        if charge.outcome == SUCCEEDED:
            saved = None
            if charge.saved_method_id:  # the card is kept once the payment went through
                saved = SavedCard(
                    provider_customer_id=charge.customer_ref,
                    provider_method_id=charge.saved_method_id,
                    brand="visa",
                    last4=charge.card_last4,
                    exp_month=12,
                    exp_year=2034,
                )
            return Outcome(SUCCEEDED, provider_ref=ref, charge_ref=ref, saved_card=saved)
        if charge.outcome == REQUIRES_ACTION:
            return Outcome(REQUIRES_ACTION, provider_ref=ref, action_url=self.link_create(payment))
        code = decline_code or "card_declined"
        return Outcome(
            DECLINED, provider_ref=ref, decline_code=code, decline_message=DECLINE_MESSAGES[code]
        )

    def refresh(self, payment: Payment) -> Outcome:
        charge = SandboxCharge.objects.filter(idempotency_key=payment.idempotency_key).first()
        if charge is None:
            return Outcome(PENDING)
        if not charge.card_last4:  # paid with the page's wallet button
            return self._outcome(payment, charge, WALLET_DECLINED)
        card = next((c for c in CARDS.values() if c.number.endswith(charge.card_last4)), None)
        return self._outcome(payment, charge, card.decline_code if card else "")

    def refund(self, payment: Payment, refund: Refund) -> str:
        with transaction.atomic():
            charge = SandboxCharge.objects.select_for_update().filter(
                idempotency_key=payment.idempotency_key, outcome=SUCCEEDED
            )
            charge = charge.first()
            if charge is None:
                raise ProviderRefused("nothing was charged for this payment")
            if refund.idempotency_key in charge.refund_keys:
                return f"re_test_{refund.pk}"  # the same key again: nothing refunded twice
            if charge.refunded + refund.amount > charge.amount:
                raise ProviderRefused("refund larger than what is left of the charge")
            charge.refunded += refund.amount
            charge.refund_keys = [*charge.refund_keys, refund.idempotency_key]
            charge.save(update_fields=["refunded", "refund_keys"])
        return f"re_test_{refund.pk}"
