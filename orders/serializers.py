"""How orders and shipping rates look in the API and in integrators' webhooks (one shape)."""

from rest_framework import serializers

from catalog.serializers import TranslationsField
from orders.models import Order, OrderLine, ShippingRate
from orders.translations import RATE_TEXT_FIELDS
from shops.rest.serializers import (
    MinorUnitsField,
    PositionField,
    StrictModelSerializer,
    StrictSerializer,
)


class OrderLineSerializer(serializers.ModelSerializer):
    line_total = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "variant",
            "sku",
            "product_title",
            "variant_name",
            "unit_price",
            "quantity",
            "line_total",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)
    channel = serializers.CharField(source="channel_kind", read_only=True)
    channel_id = serializers.IntegerField(read_only=True, allow_null=True)
    customer = serializers.IntegerField(source="customer_id", read_only=True, allow_null=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "payment_status",
            "fulfillment_status",
            "currency",
            "subtotal",
            "shipping_total",
            "total",
            "refunded_total",
            "customer",
            "channel",
            "channel_id",
            "contact_name",
            "contact_phone",
            "shipping_address",
            "shipping_method",
            "tracking_number",
            "tracking_url",
            "cancel_reason",
            "reserved_until",
            "created_at",
            "updated_at",
            "paid_at",
            "fulfilled_at",
            "cancelled_at",
            "lines",
        ]
        read_only_fields = fields


def order_payload(order: Order) -> dict:
    """The order as GET /api/v1/orders/{id}/ returns it (webhook `data`)."""
    return dict(OrderSerializer(order).data)


class FulfilSerializer(StrictSerializer):
    tracking_number = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tracking_url = serializers.URLField(max_length=500, required=False, allow_blank=True)


class CancelSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class RefundSerializer(StrictSerializer):
    amount = MinorUnitsField(
        required=False,
        min_value=1,
        help_text="Minor units; omit to refund everything not refunded yet.",
    )
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ShippingRateSerializer(StrictModelSerializer):
    amount = MinorUnitsField(required=False, default=0)
    free_above = MinorUnitsField(required=False, allow_null=True, default=None)
    position = PositionField()
    translations = TranslationsField(RATE_TEXT_FIELDS)

    class Meta:
        model = ShippingRate
        fields = [
            "id",
            "name",
            "translations",
            "kind",
            "amount",
            "free_above",
            "is_active",
            "position",
            "delivery_days_min",
            "delivery_days_max",
        ]
        # The rules between fields (free_above needs its threshold) are in orders/shipping.py.
