"""The inbox's commerce sidebar (issue 9, part 4), mounted by dashboard/urls.py: the panel
beside a conversation, its product picker, and what an agent does from it."""

from django.urls import path

from conversations import sidebar_views as views

CONVERSATION = "inbox/<int:conversation_id>/"

urlpatterns = [
    path(f"{CONVERSATION}sidebar/", views.sidebar_panel, name="inbox_sidebar"),
    path(f"{CONVERSATION}sidebar/products/", views.sidebar_products, name="inbox_sidebar_products"),
    path(f"{CONVERSATION}send/product/", views.send_product, name="inbox_send_product"),
    path(f"{CONVERSATION}send/category/", views.send_category, name="inbox_send_category"),
    path(f"{CONVERSATION}cart/add/", views.cart_add, name="inbox_cart_add"),
    path(f"{CONVERSATION}cart/<int:variant_id>/", views.cart_line, name="inbox_cart_line"),
    path(f"{CONVERSATION}payment-request/", views.payment_request, name="inbox_payment_request"),
    path(f"{CONVERSATION}orders/<int:order_id>/", views.sidebar_order, name="inbox_order"),
    path(
        f"{CONVERSATION}orders/<int:order_id>/fulfil/",
        views.order_fulfil,
        name="inbox_order_fulfil",
    ),
    path(
        f"{CONVERSATION}orders/<int:order_id>/refund/",
        views.order_refund,
        name="inbox_order_refund",
    ),
    path(
        f"{CONVERSATION}orders/<int:order_id>/cancel/",
        views.order_cancel,
        name="inbox_order_cancel",
    ),
]
