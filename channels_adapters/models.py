"""Channel accounts (a shop's page, bot, number…), inbound webhook events as received, and
outbound messages as they go out. Rows carry shop_id like every tenant row."""

import re

from django.db import models
from django.db.models import Q
from django.utils import timezone

from channels_adapters import registry
from shops.crypto import EncryptedJSONField
from shops.tenancy import ShopOwned

# The registered kinds as an enum, for code that iterates them or wants their labels
# (`ChannelKind(kind).label`, `ChannelKind.choices`). Built from the registry: a new channel
# adds no member here and no migration (ChannelAccount.kind has no model-level choices).
ChannelKind = models.TextChoices(
    "ChannelKind", [(c.kind.upper(), (c.kind, c.label)) for c in registry.CHANNELS]
)


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ERROR = "error", "Error"
    DISABLED = "disabled", "Disabled"


class ChannelAccount(ShopOwned):
    # One of registry.kinds(), checked by the services, forms and serializers that write it.
    kind = models.CharField(max_length=registry.KIND_MAX_LENGTH)
    # The platform's id: page id, Telegram bot id, WhatsApp phone number id, SMS number.
    external_id = models.CharField(max_length=64)
    name = models.CharField(max_length=120, blank=True)
    # Tokens and secrets, encrypted with FIELD_ENCRYPTION_KEY; never returned by the API.
    credentials = EncryptedJSONField(default=dict)
    # SHA-256 of the secret Telegram echoes in X-Telegram-Bot-Api-Secret-Token.
    webhook_secret_digest = models.CharField(max_length=64, blank=True)
    status = models.CharField(
        max_length=10, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # Webhooks are routed by (kind, external id): one shop per page, bot or number.
            models.UniqueConstraint(
                fields=["kind", "external_id"],
                condition=~Q(kind="webchat"),
                name="channel_account_routes_to_one_shop",
            ),
            models.UniqueConstraint(
                fields=["shop"],
                condition=Q(kind="webchat"),
                name="channel_account_one_webchat_per_shop",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or self.external_id}"

    def get_kind_display(self) -> str:
        """The channel's name for people, from the registry (templates call it by this name)."""
        return registry.label(self.kind)


class InboundEvent(ShopOwned):
    """A platform event exactly as received, stored before the webhook is acknowledged.
    The unique (channel, event id) makes a redelivery a no-op."""

    # The unique (channel, event id) below serves every lookup by channel: an index on the
    # foreign key alone would only be one more to write on every webhook.
    channel = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    event_id = models.CharField(max_length=128)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "event_id"], name="inbound_event_once_per_channel"
            )
        ]
        indexes = [
            # The sweeper's scan: unprocessed events, oldest first.
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="inbound_event_unprocessed",
            )
        ]


class OutboundStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboundMessage(ShopOwned):
    """One normalized message on its way to a recipient, rendered into the channel's payloads
    when queued. Messages of one conversation go out in `id` order, one at a time; a message
    split into several payloads resumes at `next_payload` after a failure, so nothing is sent
    twice and nothing skipped.

    A message that must wait (a 429, a platform error, an open circuit) keeps its own time:
    `next_attempt_at` is when it may be tried again (the outbound sweeper picks conversations
    up by it), `give_up_at` when transient failures stop being retried (the send budget, or
    sooner the end of the channel's messaging window). `attempts` counts failed sends only:
    a 429 is not a failure."""

    channel = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    recipient = models.CharField(max_length=128)
    # Messages with the same key are delivered in order (the conversation's id).
    conversation_key = models.CharField(max_length=64)
    message = models.JSONField()
    payloads = models.JSONField()
    next_payload = models.PositiveSmallIntegerField(default=0)
    platform_message_ids = models.JSONField(default=list)
    status = models.CharField(
        max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # None on rows queued before deadlines existed: created_at + the send budget.
    give_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["conversation_key", "id"],
                condition=Q(status="queued"),
                name="outbound_queued_in_order",
            ),
            # The outbound sweeper's scan: queued messages that are due.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="queued"),
                name="outbound_queued_due",
            ),
        ]


# {{1}}, {{2}}… in a WhatsApp template's body, as Meta writes positional parameters.
TEMPLATE_PLACEHOLDER = re.compile(r"\{\{\s*(\d+)\s*\}\}")


class WhatsAppTemplate(ShopOwned):
    """A message template approved for a WhatsApp number (in Meta's WhatsApp Manager), as the
    shop registered it here: outside the 24-hour window it is the only message the composer
    can send. `name` and `language` are Meta's; `body_text` is the approved body with its
    {{1}}, {{2}}… placeholders, `param_labels` what each one asks the agent for."""

    channel = models.ForeignKey(
        ChannelAccount, on_delete=models.CASCADE, related_name="whatsapp_templates"
    )
    name = models.CharField(max_length=512)
    language = models.CharField(max_length=15)
    body_text = models.TextField(max_length=1024)
    param_labels = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "language", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "name", "language"], name="whatsapp_template_once_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"

    @property
    def param_count(self) -> int:
        numbers = [int(n) for n in TEMPLATE_PLACEHOLDER.findall(self.body_text)]
        return max(numbers, default=0)

    @property
    def labels(self) -> list[str]:
        """A label for each placeholder, in order ("Value 2" where none was given)."""
        given = list(self.param_labels or [])
        return [
            (given[i] if i < len(given) and given[i] else f"Value {i + 1}")
            for i in range(self.param_count)
        ]

    def filled(self, params: list[str] | tuple[str, ...]) -> str:
        """The body as the shopper reads it with `params` in its placeholders."""

        def value(match: re.Match) -> str:
            index = int(match.group(1)) - 1
            return params[index] if 0 <= index < len(params) else match.group(0)

        return TEMPLATE_PLACEHOLDER.sub(value, self.body_text)
