from rest_framework import serializers

from channels_adapters.models import ChannelAccount, ChannelKind
from channels_adapters.setup import webhook_url
from shops.rest.serializers import StrictSerializer


class ChannelSerializer(serializers.ModelSerializer):
    webhook_url = serializers.SerializerMethodField()

    class Meta:
        model = ChannelAccount
        fields = [
            "id",
            "kind",
            "external_id",
            "name",
            "status",
            "last_error",
            "webhook_url",
            "created_at",
        ]
        read_only_fields = fields

    def get_webhook_url(self, account: ChannelAccount) -> str:
        return webhook_url(account)


class ChannelConnectSerializer(StrictSerializer):
    kind = serializers.ChoiceField(
        choices=[c for c in ChannelKind.choices if c[0] != ChannelKind.WEBCHAT]
    )
    external_id = serializers.CharField(max_length=64, required=False, default="")
    name = serializers.CharField(max_length=120, required=False, default="")
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=1000),
        help_text="telegram: token [, payment_provider_token]; messenger, whatsapp: "
        "access_token; sms: account_sid, auth_token. Stored encrypted, never returned.",
    )
