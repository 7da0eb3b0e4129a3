"""/api/v1/webhooks/: the shop's webhook endpoints, their deliveries, and a test ping."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from shops.models import WebhookEndpoint
from shops.rest.pagination import CursorPagination
from shops.rest.views import ShopScopedViewSet
from shops.webhooks import selectors, services
from shops.webhooks.serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
)


class WebhookEndpointViewSet(ShopScopedViewSet):
    """Register URLs that receive signed events (docs/webhooks.md); the signing secret is in
    the create response only."""

    model = WebhookEndpoint
    serializer_class = WebhookEndpointSerializer
    filterset_fields = ["is_active"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        return selectors.webhook_endpoint_list(shop=shop)

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # The new instance holds the secret in clear: this response is the one that shows it.
        endpoint, _secret = services.webhook_endpoint_create(
            shop=self.shop, **payload.validated_data
        )
        return Response(
            WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED
        )

    def perform_update(self, serializer):
        serializer.instance = services.webhook_endpoint_update(
            endpoint=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.webhook_endpoint_delete(endpoint=instance)

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        """Deliveries to this endpoint, newest first, with the outcome of every attempt."""
        paginator = CursorPagination()  # the view's ordering: newest first
        page = paginator.paginate_queryset(
            selectors.webhook_delivery_list(endpoint=self.get_object()), request, view=self
        )
        return paginator.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        """Sends a `ping` event to this endpoint only; answers the delivery (follow it in
        /deliveries/)."""
        delivery = services.webhook_endpoint_ping(endpoint=self.get_object())
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
