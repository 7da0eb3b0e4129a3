"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from conversations import customer_views

urlpatterns = [
    path("customers/", customer_views.customer_list, name="customer_list"),
    path("customers/<int:customer_id>/", customer_views.customer_detail, name="customer_detail"),
]
