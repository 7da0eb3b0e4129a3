"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from orders import dashboard_views as views

urlpatterns = [
    path("orders/", views.order_list, name="order_list"),
    path("orders/<int:order_id>/", views.order_detail, name="order_detail"),
    path("orders/<int:order_id>/fulfil/", views.order_fulfil, name="order_fulfil"),
    path("orders/<int:order_id>/refund/", views.order_refund, name="order_refund"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
]
