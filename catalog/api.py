"""REST endpoints of the catalog. Thin: validate with a serializer, act through a service."""

import json

import django_filters
from django.db import DataError, connection
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import Category, Product, ProductImage, StockSource, Variant
from catalog.serializers import (
    CategorySerializer,
    ImageUpdateSerializer,
    ImageUploadSerializer,
    ProductImageSerializer,
    ProductSerializer,
    StockAdjustmentSerializer,
    VariantDetailSerializer,
)
from shops.rest.errors import Conflict
from shops.rest.filters import IdFilter, ShopFilterSet
from shops.rest.parsers import CheckedFormParser, LimitedJSONParser, LimitedMultiPartParser
from shops.rest.views import ShopScopedViewSet


class CategoryViewSet(ShopScopedViewSet):
    """Categories, in the order shoppers see them (`position`)."""

    model = Category
    serializer_class = CategorySerializer
    ordering_fields = ["position", "name", "created_at"]
    ordering = ["position", "id"]

    def scoped_queryset(self, shop):
        return selectors.category_list(shop=shop)

    def perform_create(self, serializer):
        serializer.instance = services.category_create(shop=self.shop, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.category_update(
            category=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.category_delete(category=instance)


class ProductFilter(ShopFilterSet):
    category = IdFilter(field_name="category_id")
    active = django_filters.BooleanFilter()
    tag = django_filters.CharFilter(method="filter_tag", help_text="Products carrying this tag.")

    class Meta:
        model = Product
        fields = ["category", "active", "tag"]

    def filter_tag(self, queryset, name, value):
        if connection.vendor == "postgresql":
            return queryset.filter(tags__contains=[value])
        # SQLite has no JSON containment; its JSON is text, where a tag appears quoted.
        return queryset.filter(tags__icontains=json.dumps(value))


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("q", str, description="Full-text search: 'red dress 38'.")]
    )
)
class ProductViewSet(ShopScopedViewSet):
    """Products with their variants (price in minor units, stock) and images."""

    model = Product
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["created_at", "updated_at", "title"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        query = self.request.query_params.get("q") if self.action == "list" else None
        return selectors.product_list(shop=shop, query=query)

    def perform_create(self, serializer):
        product = services.product_create(shop=self.shop, **serializer.validated_data)
        serializer.instance = self._written(product)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        services.product_update(product=serializer.instance, **data)
        serializer.instance = self._written(serializer.instance)

    def _written(self, product: Product) -> Product:
        """The product as stored, whatever the request's `?q=` says: the write has happened,
        so the answer must describe it rather than fail to find it."""
        return selectors.product_list(shop=self.shop).get(pk=product.pk)

    def perform_destroy(self, instance):
        services.product_delete(product=instance)


class VariantViewSet(ShopScopedViewSet):
    """Variants on their own: create one for a product, change price or stock, delete it."""

    model = Variant
    serializer_class = VariantDetailSerializer
    conflicting_actions = ("adjust_stock",)
    filterset_fields = ["product"]
    ordering_fields = ["created_at", "sku", "stock", "price"]
    ordering = ["-created_at", "-id"]

    def scoped_queryset(self, shop):
        return selectors.variant_list(shop=shop)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.variant_create(product=data.pop("product"), **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("product", None)
        data.pop("id", None)
        serializer.instance = services.variant_update(variant=serializer.instance, **data)

    def perform_destroy(self, instance):
        services.variant_delete(variant=instance)

    @extend_schema(request=StockAdjustmentSerializer, responses=VariantDetailSerializer)
    @action(detail=True, methods=["post"], url_path="stock")
    def adjust_stock(self, request, pk=None):
        """Add (negative `delta`: remove) units atomically; 409 if stock would go below 0."""
        variant = self.get_object()
        payload = StockAdjustmentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            services.variant_stock_adjust_logged(
                variant=variant, delta=payload.validated_data["delta"], source=StockSource.API
            )
        except services.StockWouldGoNegative as exc:
            raise Conflict(str(exc)) from exc
        except DataError as exc:
            # The only value this write can take out of range is the stock it adds up to; the
            # service's transaction has rolled back.
            delta = payload.validated_data["delta"]
            raise Conflict(
                f"Stock of {variant.sku} is {variant.stock}; adding {delta} would go over the "
                "largest stock a variant can hold."
            ) from exc
        return Response(self.get_serializer(variant).data)


class ImageViewSet(ShopScopedViewSet):
    """Product images. Upload as multipart (`product`, `image`, optional `alt`, `position`)."""

    model = ProductImage
    serializer_class = ProductImageSerializer
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser, CheckedFormParser]
    filterset_fields = ["product"]
    ordering_fields = ["position", "created_at"]
    ordering = ["-created_at", "-id"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def scoped_queryset(self, shop):
        return selectors.image_list(shop=shop)

    @extend_schema(request={"multipart/form-data": ImageUploadSerializer})
    def create(self, request, *args, **kwargs):
        payload = ImageUploadSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        image = services.image_add(
            product=data["product"],
            upload=data["image"],
            alt=data.get("alt", ""),
            position=data.get("position"),
        )
        image.refresh_from_db()
        return Response(self.get_serializer(image).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ImageUpdateSerializer)
    def partial_update(self, request, *args, **kwargs):
        image = self.get_object()
        payload = ImageUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        image = services.image_update(image=image, **payload.validated_data)
        return Response(self.get_serializer(image).data)

    def perform_destroy(self, instance):
        services.image_delete(image=instance)
