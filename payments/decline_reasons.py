"""Why a payment failed, in the shopper's language. Providers explain a decline in English
(Stripe's `message`); the shopper is told from its code instead, in words of our own that the
.po files translate, so a French reply never quotes "Your card was declined"."""

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from payments.models import Payment, PaymentState

DECLINED = _("Your card was declined.")

# Stripe's decline codes and error codes, and the test provider's (payments/providers).
REASONS = {
    "card_declined": DECLINED,
    "generic_decline": DECLINED,
    "do_not_honor": DECLINED,
    "lost_card": DECLINED,
    "stolen_card": DECLINED,
    "fraudulent": DECLINED,
    "refused": DECLINED,
    "insufficient_funds": _("Your card has insufficient funds."),
    "expired_card": _("Your card has expired."),
    "incorrect_cvc": _("Your card's security code is incorrect."),
    "processing_error": _("The bank could not process the payment. Please try again."),
    "authentication_required": _("Your bank asks you to confirm this payment."),
    "authentication_failed": _("The payment was not authenticated."),
    "expired": _("The payment page expired before it was used."),
    # A wallet (WeChat Pay…) refused the payment: nothing about a card.
    "payment_method_provider_decline": _("Your payment app declined the payment."),
}
FAILED = _("The payment failed.")


def decline_reason(code: str, language: str) -> str:
    with translation.override(language):
        return str(REASONS.get(code, FAILED))


def last_decline_reason(order_id: int, language: str) -> str:
    payment = (
        Payment.objects.filter(order_id=order_id, state=PaymentState.FAILED).order_by("-id").first()
    )
    return decline_reason(payment.failure_code if payment else "", language)
