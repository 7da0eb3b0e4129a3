from django.urls import path

from payments import stripe_views, views

app_name = "payments"

urlpatterns = [
    path("test/<str:token>/", views.test_pay, name="test-pay"),
    # Stripe Checkout's success and cancel URLs (payments/providers/stripe.py RETURN_PATH).
    path("done/", stripe_views.stripe_done, name="stripe-done"),
]
