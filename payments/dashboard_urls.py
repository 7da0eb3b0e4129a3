"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from payments import dashboard_views

urlpatterns = [
    path("settings/payments/", dashboard_views.payment_settings, name="payment_settings"),
    path(
        "settings/payments/stripe/remove/",
        dashboard_views.payment_stripe_remove,
        name="payment_stripe_remove",
    ),
]
