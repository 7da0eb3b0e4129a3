"""The test provider's hosted pay page (/pay/test/<token>/): what Stripe Checkout is to the
Stripe provider. The token in the URL is the only key to the payment: unguessable, and
the page shows nothing but the amount, the shop and the order number.

The card number typed here is checked against the public test numbers and then dropped:
never stored, never logged (only the last four digits of a test card are kept).
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orders.transitions import OrderStatus
from payments import services
from payments.models import Payment, PaymentState, Provider
from payments.providers.registry import provider_for
from payments.providers.sandbox import CARDS, NotATestCard, sandbox_card
from shops.money import format_amount


def _payment(token: str) -> Payment:
    payment = (
        Payment.objects.select_related("order__shop")
        .filter(page_token=token, provider=Provider.TEST)
        .first()
    )
    if payment is None or len(token) < 32:
        raise Http404("No such payment.")
    return payment


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


@never_cache
@require_http_methods(["GET", "POST"])
def test_pay(request, token: str):
    payment = _payment(token)
    order, provider = payment.order, provider_for(Provider.TEST)
    error = ""
    expired = order.status == OrderStatus.CANCELLED or payment.state == PaymentState.CANCELLED
    if request.method == "POST" and not expired and payment.state != PaymentState.SUCCEEDED:
        step = request.POST.get("step")
        if step == "authenticate" and payment.state == PaymentState.REQUIRES_ACTION:
            approve = request.POST.get("decision") == "approve"
            services.payment_outcome_record(
                payment=payment, outcome=provider.authenticate(payment, approve=approve)
            )
            return redirect(request.path)
        if step == "pay" and payment.state in (PaymentState.PENDING, PaymentState.FAILED):
            number = request.POST.get("card_number", "")
            try:
                sandbox_card(number)
            except NotATestCard as exc:
                error = str(exc)
            else:
                if payment.state == PaymentState.FAILED:  # another card: a new attempt
                    payment = services.payment_link_again(payment=payment)
                save = request.POST.get("save_card") == "on"
                outcome = provider.pay_on_page(payment, number, save=save)
                services.payment_outcome_record(payment=payment, outcome=outcome)
                return redirect("payments:test-pay", payment.page_token)
        elif step not in ("pay", "authenticate"):
            error = "Please use the form below."
    payment.refresh_from_db()
    shop = order.shop
    context = {
        "payment": payment,
        "order": order,
        "shop": shop,
        "amount": format_amount(payment.amount, payment.currency, shop.language),
        "expired": expired,
        "error": error,
        "test_cards": [
            " ".join(c.number[i : i + 4] for i in range(0, 16, 4)) for c in CARDS.values()
        ],
    }
    status = 400 if error else 200
    return render(request, "payments/test_pay.html", context, status=status)
