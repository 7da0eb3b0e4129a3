"""An integrator's endpoint and every delivery made to it (registered in shops.models)."""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from shops.crypto import EncryptedJSONField
from shops.tenancy import ShopOwned


class WebhookEndpoint(ShopOwned):
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, help_text="The event types sent to this URL.")
    # "whsec_…", encrypted with FIELD_ENCRYPTION_KEY; shown once, in the create response.
    secret = EncryptedJSONField()
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "created_at"])]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(ShopOwned):
    """One event for one endpoint. `event_id` is the same for every endpoint of an event: it is
    what receivers deduplicate on. The last attempt is in the `last_*`/`response_body` columns,
    every attempt in `attempt_log`."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    # The whole envelope as sent ({"id", "type", "created_at", "shop", "data"}), so every
    # retry sends the same event.
    payload = models.JSONField(encoder=DjangoJSONEncoder)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.TextField(blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["endpoint", "-created_at"]),
            # The sweeper's scan: pending deliveries that are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhook_delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"
