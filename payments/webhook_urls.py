"""Mounted at /webhooks/stripe/ (config/urls.py): the URLs to register in Stripe's dashboard,
the platform's account's and each shop's own (shown on the shop's payment settings page)."""

from django.urls import path

from payments import webhooks

urlpatterns = [
    path("", webhooks.stripe_webhook, name="webhook-stripe"),
    path("<int:shop_id>/", webhooks.stripe_shop_webhook, name="webhook-stripe-shop"),
]
