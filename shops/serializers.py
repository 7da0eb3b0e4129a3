from rest_framework import serializers

from shops.models import ApiKey, Shop
from shops.rest.serializers import StrictModelSerializer


class ShopSerializer(StrictModelSerializer):
    translations = serializers.JSONField(
        required=False,
        help_text=(
            "The bot's delivery and returns answers in the shop's other languages, by language "
            "code: {'en': {'delivery_info': '…', 'returns_info': '…'}}. A shopper of that "
            "language gets them; omitted texts read as the shop's own (`delivery_info`, "
            "`returns_info`)."
        ),
    )

    languages = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text=(
            "The languages the shop offers its shoppers besides its own (`language`), as codes "
            "of: en, fr, zh-hans. A shopper speaking one is answered in it, others in the "
            "shop's language; `translations` and the catalogue's translations are written for "
            "them."
        ),
    )

    class Meta:
        model = Shop
        fields = [
            "id",
            "name",
            "slug",
            "currency",
            "language",
            "languages",
            "timezone",
            "contact_email",
            "contact_phone",
            "delivery_info",
            "returns_info",
            "translations",
            "created_at",
        ]
        read_only_fields = ["id", "slug", "created_at"]


class ApiKeySerializer(StrictModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "read_only", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_at", "last_used_at", "revoked_at"]


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="Shown this once; store it safely.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
