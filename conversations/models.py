"""Shoppers, their identity on each channel, their conversations with a shop and every message
exchanged, in and out."""

from django.conf import settings
from django.db import models

from channels_adapters.models import ChannelAccount, OutboundMessage
from shops.tenancy import ShopOwned


class Customer(ShopOwned):
    name = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    # What the bot learnt to offer first next time, e.g. {"size": "38"}.
    preferences = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name or self.phone or f"Customer {self.pk}"


class CustomerIdentity(ShopOwned):
    """Who a customer is on one channel: their PSID, chat id, WhatsApp id or phone number."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    channel = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="identity_one_per_channel_user"
            )
        ]


class Conversation(ShopOwned):
    """A customer talking to the shop on one channel. `bot_state` is where the bot stands
    (what it asked, the last menu, for SMS numbers); with `handed_off` set a person answers
    and the bot stays silent."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="conversations")
    identity = models.OneToOneField(
        CustomerIdentity, on_delete=models.CASCADE, related_name="conversation"
    )
    channel = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="+")
    handed_off = models.BooleanField(default=False)
    handed_off_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    opted_out = models.BooleanField(default=False)
    bot_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["shop", "-last_message_at"])]


class Direction(models.TextChoices):
    INBOUND = "in", "From the customer"
    OUTBOUND = "out", "To the customer"


class Message(ShopOwned):
    """The conversation's log: every event the customer sent and every message sent to them."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=20)
    text = models.TextField(blank=True)
    body = models.JSONField()
    outbound = models.OneToOneField(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set when a person (not the bot) wrote it.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["conversation", "id"])]
