"""Mounted at /webhooks/stripe/ (config/urls.py): the URL to register in Stripe's dashboard."""

from django.urls import path

from payments import webhooks

urlpatterns = [
    path("", webhooks.stripe_webhook, name="webhook-stripe"),
]
