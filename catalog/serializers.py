from rest_framework import serializers

from catalog.models import Category, Product, ProductImage, Variant
from catalog.selectors import public_media_url
from catalog.translations import (
    CATEGORY_FIELDS,
    PRODUCT_FIELDS,
    VARIANT_FIELDS,
    TranslationError,
    translations_clean,
)
from shops.money import format_amount
from shops.rest.serializers import (
    MAX_POSITION,
    MinorUnitsField,
    PositionField,
    ShopScopedPrimaryKeyRelatedField,
    StrictIntegerField,
    StrictModelSerializer,
    StrictSerializer,
)

MAX_OPTIONS = 3
MAX_TAGS = 20


def _absolute_media_url(file) -> str | None:
    return public_media_url(file) or None


class TranslationsField(serializers.JSONField):
    """The text in the shop's other languages, {"en": {"title": "…"}}; checked against the
    shop's language (catalog/translations.py)."""

    def __init__(self, fields: dict[str, int], **kwargs):
        self.translatable = fields
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            "The same texts in the shop's other languages, by language code: "
            + "{'en': {"
            + ", ".join(f"'{name}': '…'" for name in fields)
            + "}}. Omitted texts read as the shop's own.",
        )
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        shop = self.context.get("shop")
        try:
            return translations_clean(
                data, fields=self.translatable, shop_language=shop.language if shop else ""
            )
        except TranslationError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class CategorySerializer(StrictModelSerializer):
    position = PositionField()
    translations = TranslationsField(CATEGORY_FIELDS)

    class Meta:
        model = Category
        fields = ["id", "name", "translations", "position", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]


class VariantSerializer(StrictModelSerializer):
    """A variant inside a product. On update, `id` (or `sku`) names the variant to change."""

    id = serializers.IntegerField(required=False)
    price = MinorUnitsField(help_text="Minor units of the shop's currency: 1999 is 19.99.")
    stock = StrictIntegerField(min_value=0, max_value=10**9, required=False)
    position = PositionField()
    options = serializers.DictField(
        child=serializers.CharField(max_length=60), required=False, help_text="e.g. {'size': '38'}"
    )
    price_display = serializers.SerializerMethodField()
    translations = TranslationsField(VARIANT_FIELDS)

    class Meta:
        model = Variant
        fields = [
            "id",
            "sku",
            "name",
            "translations",
            "options",
            "price",
            "price_display",
            "stock",
            "track_stock",
            "position",
        ]

    def validate_options(self, value: dict) -> dict:
        if len(value) > MAX_OPTIONS:
            raise serializers.ValidationError(f"At most {MAX_OPTIONS} options (e.g. size, colour).")
        for key in value:
            if not 0 < len(key) <= 30:
                raise serializers.ValidationError("Option names are 1 to 30 characters.")
        return value

    def get_price_display(self, variant: Variant) -> str:
        shop = self.context.get("shop")
        return format_amount(variant.price, shop.currency, shop.language) if shop else ""


class ProductImageSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    thumbnails = serializers.SerializerMethodField()

    class Meta:
        model = ProductImage
        fields = ["id", "product", "url", "width", "height", "alt", "position", "thumbnails"]
        read_only_fields = fields

    def get_url(self, image: ProductImage) -> str | None:
        return _absolute_media_url(image.image)

    def get_thumbnails(self, image: ProductImage) -> dict:
        """Null until the thumbnail task has run (moments after upload)."""
        return {
            "card": _absolute_media_url(image.card),
            "square": _absolute_media_url(image.square),
        }


# What an entry of `variants` must carry when it names no existing variant.
NEW_VARIANT_NEEDS = ("sku", "name", "price")


class ProductSerializer(StrictModelSerializer):
    category = ShopScopedPrimaryKeyRelatedField(Category, allow_null=True, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=MAX_TAGS, required=False
    )
    variants = VariantSerializer(many=True, required=False)
    images = ProductImageSerializer(many=True, read_only=True)
    currency = serializers.SerializerMethodField()
    translations = TranslationsField(PRODUCT_FIELDS)

    class Meta:
        model = Product
        fields = [
            "id",
            "title",
            "description",
            "translations",
            "category",
            "active",
            "tags",
            "currency",
            "variants",
            "images",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_currency(self, product: Product) -> str:
        shop = self.context.get("shop")
        return shop.currency if shop else ""

    def validate_variants(self, variants: list[dict]) -> list[dict]:
        """A PATCH validates variant entries partially (an update may send only `stock`), but
        an entry naming no existing variant creates one, which needs all it is made of."""
        if not self.partial or self.instance is None:
            return variants
        existing_skus = set(self.instance.variants.values_list("sku", flat=True))
        errors = []
        for data in variants:
            creates = not data.get("id") and data.get("sku") not in existing_skus
            missing = [name for name in NEW_VARIANT_NEEDS if creates and name not in data]
            errors.append({name: ["Required to create a new variant."] for name in missing})
        if any(errors):
            raise serializers.ValidationError(errors)
        return variants


class VariantDetailSerializer(VariantSerializer):
    """A variant on its own endpoint: it names its product (settable only on creation)."""

    id = serializers.IntegerField(read_only=True)
    product = ShopScopedPrimaryKeyRelatedField(Product)

    class Meta(VariantSerializer.Meta):
        fields = ["product", *VariantSerializer.Meta.fields, "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_product(self, product: Product) -> Product:
        if self.instance is not None and product.pk != self.instance.product_id:
            raise serializers.ValidationError("A variant cannot move to another product.")
        return product


class StockAdjustmentSerializer(StrictSerializer):
    delta = StrictIntegerField(
        min_value=-(10**9), max_value=10**9, help_text="Units to add; negative to remove."
    )


class ImageUploadSerializer(StrictSerializer):
    product = ShopScopedPrimaryKeyRelatedField(Product)
    image = serializers.FileField(help_text="JPEG, PNG or WebP; metadata is removed.")
    alt = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


class ImageUpdateSerializer(StrictSerializer):
    alt = serializers.CharField(max_length=200, required=False, allow_blank=True)
    position = PositionField()
