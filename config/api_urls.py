"""/api/v1/: every app's endpoints on one router."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from catalog.api import CategoryViewSet, ImageViewSet, ProductViewSet, VariantViewSet
from channels_adapters.api import ChannelViewSet
from conversations.api import ConversationViewSet
from conversations.customers_api import CustomerViewSet
from orders.api import OrderViewSet, ShippingRateViewSet
from shops.api import ApiKeyViewSet, CurrentShopView
from shops.webhooks.api import WebhookEndpointViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("products", ProductViewSet, basename="product")
router.register("variants", VariantViewSet, basename="variant")
router.register("categories", CategoryViewSet, basename="category")
router.register("images", ImageViewSet, basename="image")
router.register("api-keys", ApiKeyViewSet, basename="api-key")
router.register("channels", ChannelViewSet, basename="channel")
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("customers", CustomerViewSet, basename="customer")
router.register("orders", OrderViewSet, basename="order")
router.register("shipping-rates", ShippingRateViewSet, basename="shipping-rate")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("shop/", CurrentShopView.as_view(), name="current-shop"),
    *router.urls,
]
