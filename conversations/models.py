"""Shoppers, their identity on each channel, their conversations with a shop and every message
exchanged, in and out."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from channels_adapters.models import ChannelAccount, OutboundMessage
from shops.models import Shop
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


class ConversationStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class Conversation(ShopOwned):
    """A customer talking to the shop on one channel. `bot_state` is where the bot stands
    (what it asked, the last menu, for SMS numbers); with `handed_off` set a person answers
    and the bot stays silent.

    In the inbox: `last_message_at` is the shopper's latest message, so the conversation is
    unread while it is newer than `agent_last_seen_at` (when someone of the team last opened
    it). Resolved conversations reopen when the shopper writes again."""

    # The (shop, …) indexes below serve every read by shop. Every inbound message moves
    # last_message_at, which they hold, so PostgreSQL writes the row anew in every index
    # (no HOT update): an index on the foreign key alone would be one more each time.
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", db_index=False)
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
    status = models.CharField(
        max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.OPEN
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    agent_last_seen_at = models.DateTimeField(null=True, blank=True)
    labels = models.ManyToManyField(
        "Label", through="ConversationLabel", related_name="conversations", blank=True
    )

    class Meta:
        indexes = [
            models.Index(fields=["shop", "-last_message_at"]),
            # The inbox's default view (open conversations, newest first) and its filters.
            models.Index(fields=["shop", "status", "-last_message_at"], name="conversation_inbox"),
            models.Index(
                fields=["shop", "-last_message_at"],
                condition=Q(handed_off=True),
                name="conversation_needs_person",
            ),
        ]


class Direction(models.TextChoices):
    INBOUND = "in", "From the customer"
    OUTBOUND = "out", "To the customer"


class Message(ShopOwned):
    """The conversation's log: every event the customer sent and every message sent to them."""

    # The (conversation, id) index below serves every read by conversation; one on the
    # foreign key alone would be written for every message and never read.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
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


# --- The inbox: labels, private notes, canned replies, business hours ---------------------------


class LabelColour(models.TextChoices):
    """A fixed palette: every colour has a readable text colour in the dashboard's CSS."""

    GREY = "grey", "Grey"
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"


class Label(ShopOwned):
    name = models.CharField(max_length=40)
    colour = models.CharField(max_length=10, choices=LabelColour.choices, default=LabelColour.GREY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("shop", Lower("name"), name="label_name_once_per_shop")
        ]

    def __str__(self) -> str:
        return self.name


class ConversationLabel(ShopOwned):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    label = models.ForeignKey(Label, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "label"], name="conversation_label_once"
            )
        ]


class ConversationNote(ShopOwned):
    """A private note in a conversation: the team reads it, the shopper never does. With
    `event` set it records what someone did instead (took over, assigned, resolved…), so the
    transcript says who did what and when."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    event = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class CannedReply(ShopOwned):
    """A saved answer. The composer offers it when the agent types "/" and the shortcut
    (stored without the slash: "delai" is typed "/delai")."""

    shortcut = models.CharField(max_length=30)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["shortcut", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "shortcut"], name="canned_reply_shortcut_once_per_shop"
            )
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class InboxSettings(ShopOwned):
    """When the team answers. `hours` maps a weekday ("0" Monday … "6" Sunday) to the opening
    and closing time in the shop's time zone, e.g. {"0": ["09:00", "18:00"]}; a day not in it
    is closed. `away_message` is added to what the bot tells a shopper who asks for a person
    while nobody is there."""

    hours = models.JSONField(default=dict, blank=True)
    away_message = models.TextField(blank=True, max_length=500)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop"], name="inbox_settings_one_per_shop")]
