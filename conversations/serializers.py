from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from conversations.models import Conversation, Customer, CustomerIdentity, Message
from conversations.services import person_webhook_data
from shops.rest.serializers import StrictSerializer


class ConversationSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "customer",
            "customer_name",
            "channel",
            "channel_kind",
            "handed_off",
            "handed_off_at",
            "opted_out",
            "created_at",
            "last_message_at",
        ]
        read_only_fields = fields


class AuthorSerializer(serializers.Serializer):
    """The person of the shop's team who wrote a message (as in conversation.* webhooks)."""

    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class MessageSerializer(serializers.ModelSerializer):
    delivery = serializers.SerializerMethodField()
    author = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "direction", "kind", "text", "body", "delivery", "author", "created_at"]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer(allow_null=True))
    def get_author(self, message: Message) -> dict | None:
        """Who of the team wrote it; null for the shopper's messages and the bot's (or an
        integrator's, sent with an API key)."""
        return person_webhook_data(message.author)

    def get_delivery(self, message: Message) -> dict | None:
        """For messages to the customer: queued, sent or failed (and why)."""
        if message.outbound is None:
            return None
        return {"status": message.outbound.status, "error": message.outbound.error_code or None}


class AgentReplySerializer(StrictSerializer):
    text = serializers.CharField(max_length=4000)


class CustomerIdentitySerializer(serializers.ModelSerializer):
    channel_kind = serializers.CharField(source="channel.kind", read_only=True)

    class Meta:
        model = CustomerIdentity
        fields = ["channel", "channel_kind", "external_id"]
        read_only_fields = fields


class CustomerSerializer(serializers.ModelSerializer):
    identities = CustomerIdentitySerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "language",
            "identities",
            "created_at",
            "last_seen_at",
        ]
        read_only_fields = fields
