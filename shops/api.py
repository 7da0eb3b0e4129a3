"""The calling shop's own settings, and its API keys."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.response import Response

from shops import selectors, services
from shops.models import ApiKey
from shops.rest.views import ShopScopedViewSet
from shops.serializers import ApiKeyCreatedSerializer, ApiKeySerializer, ShopSerializer


class CurrentShopView(generics.RetrieveUpdateAPIView):
    """The shop the API key belongs to: name, currency, language, time zone, contact."""

    serializer_class = ShopSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user.shop

    def perform_update(self, serializer):
        # The dashboard's settings page writes through the same service: one set of rules.
        serializer.instance = services.shop_update(
            shop=serializer.instance, **serializer.validated_data
        )


class ApiKeyViewSet(ShopScopedViewSet):
    """List, create (the key is in the response, once) and revoke (DELETE) the shop's API keys."""

    model = ApiKey
    serializer_class = ApiKeySerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at", "-id"]
    filterset_fields = ["read_only"]

    def scoped_queryset(self, shop):
        return selectors.api_key_list(shop=shop)

    @extend_schema(responses={201: ApiKeyCreatedSerializer})
    def create(self, request, *args, **kwargs):
        payload = self.get_serializer(data=request.data)
        payload.is_valid(raise_exception=True)
        api_key, raw_key = services.api_key_create(
            shop=self.shop,
            name=payload.validated_data["name"],
            read_only=payload.validated_data.get("read_only", False),
        )
        api_key.key = raw_key
        return Response(ApiKeyCreatedSerializer(api_key).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ApiKeySerializer})
    def destroy(self, request, *args, **kwargs):
        """Revokes the key: it stops working at once; it stays listed with `revoked_at`."""
        instance = services.api_key_revoke(api_key=self.get_object())
        return Response(ApiKeySerializer(instance).data, status=status.HTTP_200_OK)
