from rest_framework import serializers

from shops.models import WebhookDelivery, WebhookEndpoint
from shops.rest.serializers import StrictModelSerializer


class WebhookEndpointSerializer(StrictModelSerializer):
    # The shape is checked here; which URLs and event types are allowed, by the service.
    url = serializers.URLField(max_length=2000, help_text="https:// (http only for localhost).")
    events = serializers.ListField(
        child=serializers.CharField(max_length=40),
        max_length=20,
        help_text="Event types to receive, e.g. ['order.paid', 'conversation.handoff'].",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "events", "description", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="Signs every delivery. Shown this once; store it safely."
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "response_body",
            "error",
            "duration_ms",
            "attempt_log",
            "payload",
            "created_at",
            "delivered_at",
        ]
        read_only_fields = fields
