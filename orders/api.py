"""/api/v1/orders/ and /api/v1/shipping-rates/: integrators read orders, ship them with
tracking, cancel and refund them; brands configure how orders reach shoppers."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from orders import lifecycle
from orders.models import EventSource, Order, ShippingRate
from orders.serializers import (
    CancelSerializer,
    FulfilSerializer,
    OrderSerializer,
    RefundSerializer,
    ShippingRateSerializer,
)
from orders.shipping import (
    shipping_rate_create,
    shipping_rate_delete,
    shipping_rate_list,
    shipping_rate_update,
)
from orders.transitions import InvalidTransition
from shops.rest.errors import Conflict
from shops.rest.filters import DateTimeFilter, ShopFilterSet
from shops.rest.views import ShopScopedReadOnlyViewSet, ShopScopedViewSet


class OrderFilter(ShopFilterSet):
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    channel = django_filters.CharFilter(field_name="channel_kind")

    class Meta:
        model = Order
        fields = [
            "status",
            "payment_status",
            "fulfillment_status",
            "channel",
            "customer",
            "created_after",
            "created_before",
        ]


class OrderViewSet(ShopScopedReadOnlyViewSet):
    """Orders, newest first, with their lines. Writes are actions: fulfil, cancel, refund."""

    model = Order
    serializer_class = OrderSerializer
    conflicting_actions = ("fulfil", "cancel", "refund")
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "number", "total"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        return Order.objects.for_shop(shop).prefetch_related("lines")

    def _conflict(self, exc: Exception):
        raise Conflict(str(exc))

    @extend_schema(request=FulfilSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def fulfil(self, request, pk=None):
        """Mark a paid order shipped, with optional tracking; the shopper is told in the chat."""
        body = FulfilSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            order = lifecycle.order_fulfil(
                order=self.get_object(), source=EventSource.API, **body.validated_data
            )
        except InvalidTransition as exc:
            self._conflict(exc)
        return Response(self.get_serializer(self._fresh(order)).data)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an order not shipped yet. A paid order is refunded in full first."""
        from payments.services import PaymentError, order_cancel_and_refund

        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            order = order_cancel_and_refund(
                order=self.get_object(),
                reason=body.validated_data.get("reason", ""),
                source=EventSource.API,
            )
        except (InvalidTransition, PaymentError) as exc:
            self._conflict(exc)
        return Response(self.get_serializer(self._fresh(order)).data)

    @extend_schema(request=RefundSerializer, responses={202: OrderSerializer})
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Refund all (no amount) or part of a paid order through the provider that took the
        payment. 202: the provider confirms asynchronously; the order then shows it."""
        from payments.services import PaymentError, refund_create

        body = RefundSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = self.get_object()
        try:
            refund_create(order=order, source=EventSource.API, **body.validated_data)
        except PaymentError as exc:
            self._conflict(exc)
        return Response(
            self.get_serializer(self._fresh(order)).data, status=status.HTTP_202_ACCEPTED
        )

    def _fresh(self, order: Order) -> Order:
        return self.get_queryset().get(pk=order.pk)


class ShippingRateViewSet(ShopScopedViewSet):
    """How orders reach shoppers: flat, free above an amount, or pickup. Amounts in minor
    units of the shop's currency."""

    model = ShippingRate
    serializer_class = ShippingRateSerializer
    ordering_fields = ["position", "name"]
    ordering = ["position", "id"]

    def scoped_queryset(self, shop):
        return shipping_rate_list(shop=shop)

    def perform_create(self, serializer):
        serializer.instance = shipping_rate_create(shop=self.shop, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = shipping_rate_update(
            rate=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        shipping_rate_delete(rate=instance)
