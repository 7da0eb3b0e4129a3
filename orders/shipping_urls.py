"""Dashboard → Settings → Shipping, mounted under /dashboard/ in the `dashboard` namespace."""

from django.urls import path

from orders import shipping_views

urlpatterns = [
    path("settings/shipping/", shipping_views.shipping_list, name="shipping_list"),
    path("settings/shipping/new/", shipping_views.shipping_create, name="shipping_create"),
    path("settings/shipping/<int:rate_id>/", shipping_views.shipping_edit, name="shipping_edit"),
    path(
        "settings/shipping/<int:rate_id>/active/",
        shipping_views.shipping_active,
        name="shipping_active",
    ),
    path(
        "settings/shipping/<int:rate_id>/move/", shipping_views.shipping_move, name="shipping_move"
    ),
    path(
        "settings/shipping/<int:rate_id>/delete/",
        shipping_views.shipping_delete,
        name="shipping_delete",
    ),
]
