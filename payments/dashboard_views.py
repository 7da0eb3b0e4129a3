"""Dashboard: the shop's payment provider (settings/payments/). The brand picks the test
provider or Stripe and enters its Stripe keys once: they are checked with Stripe, stored
encrypted and never shown again (only their hints)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from payments import selectors, services
from payments.dashboard_forms import PaymentSettingsForm
from payments.stripe_events import PAYMENT_EVENTS, RECORDED_EVENTS
from shops.dashboard_access import dashboard_view

SECRET_FIELDS = ("stripe_secret_key", "stripe_webhook_secret")


@never_cache
@sensitive_post_parameters(*SECRET_FIELDS)  # error reports never carry the keys
@dashboard_view("payments.manage", post="payments.manage")
def payment_settings(request):
    shop = request.shop
    if request.method == "POST":
        form = PaymentSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.shop_payment_settings_update(
                    shop=shop, updated_by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Payment settings saved.")
                return redirect("dashboard:payment_settings")
    else:
        form = PaymentSettingsForm(initial={"provider": services.default_provider(shop_id=shop.pk)})
    context = {
        "form": form,
        "current": selectors.shop_payment_settings(shop_id=shop.pk),
        "provider_now": services.default_provider(shop_id=shop.pk),
        "platform_stripe": bool(settings.STRIPE_SECRET_KEY),
        "webhook_url": settings.SOUK_PUBLIC_URL
        + reverse("webhook-stripe-shop", kwargs={"shop_id": shop.pk}),
        "payment_events": sorted(PAYMENT_EVENTS),
        "recorded_events": sorted(RECORDED_EVENTS),
    }
    return render(request, "payments/dashboard/settings.html", context)


@dashboard_view(None, post="payments.manage")
def payment_stripe_remove(request):
    if services.shop_payment_settings_stripe_remove(shop=request.shop, updated_by=request.user):
        messages.success(
            request, "Your Stripe keys were removed. New payments use the test provider."
        )
    return redirect("dashboard:payment_settings")
