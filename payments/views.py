"""The test provider's hosted pay page (/pay/test/<token>/): what Stripe Checkout is to the
Stripe provider. The token in the URL is the only key to the payment: unguessable, and
the page shows nothing but the amount, the shop, the order and its expiry.

The page speaks the shopper's language, carries the shop's name and logo, and leads back to
the conversation. The card number typed here is checked against the public test numbers and
then dropped: never stored, never logged (only the last four digits of a test card are kept).
"""

from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from orders.transitions import OrderStatus
from orders.translations import rate_name
from payments import services
from payments.decline_reasons import decline_reason
from payments.models import Payment, PaymentState, Provider
from payments.pay_forms import PayForm
from payments.pay_page import (
    back_to_chat_url,
    delivery_options,
    details_to_ask,
    order_details_record,
    page_wallet,
    shopper_language,
)
from payments.providers.registry import provider_for
from payments.providers.sandbox import CARDS
from shops.money import format_amount


def _payment(token: str) -> Payment:
    payment = (
        Payment.objects.select_related(
            "order__shop", "order__customer", "order__channel__shop", "order__shipping_rate"
        )
        .filter(page_token=token, provider=Provider.TEST)
        .first()
    )
    if payment is None or len(token) < 32:
        raise Http404("No such payment.")
    return payment


def _decline_message(payment: Payment) -> str:
    # The provider answers in English; the shopper reads their own language.
    return decline_reason(payment.failure_code, translation.get_language())


def _rate_label(order, rate, language: str) -> str:
    cost = rate.cost_for(order.subtotal)
    price = format_amount(cost, order.currency, language) if cost else _("free")
    total = format_amount(order.subtotal + cost, order.currency, language)
    return _("%(rate)s · %(price)s (total %(total)s)") % {
        "rate": rate_name(rate, language),
        "price": price,
        "total": total,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def test_pay(request, token: str):
    payment = _payment(token)
    with translation.override(shopper_language(payment.order)):
        return _page(request, payment)


def _page(request, payment: Payment):
    order, provider = payment.order, provider_for(Provider.TEST)
    language = translation.get_language()
    expired = order.status == OrderStatus.CANCELLED or payment.state == PaymentState.CANCELLED
    rates = delivery_options(order)
    ask = details_to_ask(order, rates)
    choices = tuple((rate, _rate_label(order, rate, language)) for rate in rates)
    wallet = page_wallet(order, request.headers.get("User-Agent", ""))
    form = PayForm(ask=ask, language=language, rates=choices)
    error = ""
    if request.method == "POST" and not expired and payment.state != PaymentState.SUCCEEDED:
        step = request.POST.get("step")
        if step == "authenticate" and payment.state == PaymentState.REQUIRES_ACTION:
            approve = request.POST.get("decision") == "approve"
            services.payment_outcome_record(
                payment=payment, outcome=provider.authenticate(payment, approve=approve)
            )
            return redirect(request.path)
        if step == "pay" and payment.state in (PaymentState.PENDING, PaymentState.FAILED):
            # The wallet's buttons sit in the same form: the details it holds are still read.
            by_wallet = bool(wallet) and request.POST.get("wallet") in ("approve", "decline")
            form = PayForm(
                request.POST, ask=ask, language=language, rates=choices, card=not by_wallet
            )
            if form.is_valid():
                if payment.state == PaymentState.FAILED:  # another try: a new attempt
                    payment = services.payment_link_again(payment=payment)
                payment.amount = order_details_record(
                    order=order, payment=payment, details=form.details()
                )
                if by_wallet:
                    approve = request.POST["wallet"] == "approve"
                    outcome = provider.pay_with_wallet(payment, approve=approve)
                else:
                    data = form.cleaned_data
                    outcome = provider.pay_on_page(
                        payment, data["card_number"], save=data["save_card"]
                    )
                services.payment_outcome_record(payment=payment, outcome=outcome)
                return redirect("payments:test-pay", payment.page_token)
        elif step not in ("pay", "authenticate"):
            error = _("Please use the form below.")
    payment.refresh_from_db()
    shop = order.shop
    reserved_until = order.reserved_until and timezone.localtime(
        order.reserved_until, timezone=ZoneInfo(shop.timezone)
    )
    context = {
        "payment": payment,
        "order": order,
        "shop": shop,
        "language": language,
        "logo_url": shop.logo.url if shop.logo else "",
        "amount": format_amount(payment.amount, payment.currency, language),
        "subtotal": format_amount(order.subtotal, order.currency, language),
        "shipping": format_amount(order.shipping_total, order.currency, language)
        if order.shipping_total
        else "",
        "reserved_until": reserved_until,
        "expired": expired,
        "error": error,
        "decline": _decline_message(payment) if payment.state == PaymentState.FAILED else "",
        "form": form,
        "wallet": wallet,
        "back_url": back_to_chat_url(order.channel),
        "test_cards": [
            " ".join(c.number[i : i + 4] for i in range(0, 16, 4)) for c in CARDS.values()
        ],
    }
    status = 400 if error or form.errors else 200
    return render(request, "payments/test_pay.html", context, status=status)
