from django.utils.functional import lazy
from rest_framework import serializers

from channels_adapters import registry
from channels_adapters.models import ChannelAccount
from channels_adapters.setup import webhook_url
from shops.rest.serializers import StrictSerializer


class ChannelSerializer(serializers.ModelSerializer):
    # The registered kinds, so the OpenAPI document lists them as an enum.
    kind = serializers.ChoiceField(choices=registry.choices(), read_only=True)
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = registry.choices()

    def get_webhook_url(self, account: ChannelAccount) -> str:
        return webhook_url(account)


def _credentials_help() -> str:
    """Each connectable channel's credential keys, as its adapter declares them ("[optional]")."""
    parts = []
    for kind, _label in registry.connectable_choices():
        fields = registry.adapter_for(kind).connect_fields
        keys = [f.name if f.required else f"[{f.name}]" for f in fields if f.name != "external_id"]
        parts.append(f"{kind}: {', '.join(keys)}")
    return "; ".join(parts) + ". Stored encrypted, never returned."


class ChannelConnectSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=[])
    external_id = serializers.CharField(max_length=64, required=False, default="")
    name = serializers.CharField(max_length=120, required=False, default="")
    credentials = serializers.DictField(
        child=serializers.CharField(max_length=1000),
        # Lazy: listing the keys imports every adapter, which only the schema needs.
        help_text=lazy(_credentials_help, str)(),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Asked of the registry when used, not when imported: a channel is one registry line.
        self.fields["kind"].choices = registry.connectable_choices()
