"""Where Stripe Checkout sends the shopper back (/pay/done/, the success and cancel URLs of
every session). The page only says to go back to the chat; when Stripe appended the session
id, the payment is re-read from Stripe in a task, so the chat hears of it even before (or
without) the webhook. Nothing here trusts the query string: the task asks Stripe."""

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from payments.models import Payment, PaymentState, Provider


@never_cache
@require_GET
def stripe_done(request):
    session_id = request.GET.get("session_id", "")
    paid = False
    if session_id.startswith("cs_") and len(session_id) <= 120:
        payment = (
            Payment.objects.filter(provider=Provider.STRIPE, provider_ref=session_id)
            .only("pk", "state")
            .first()
        )
        if payment is not None:
            from payments.tasks import stripe_payment_refresh

            if payment.state != PaymentState.SUCCEEDED:
                stripe_payment_refresh.delay(payment.pk)
            paid = True  # Stripe only sends the shopper to the success URL once paid
    return render(request, "payments/stripe_done.html", {"paid": paid})
