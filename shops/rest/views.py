from rest_framework import viewsets

from shops.models import Shop


class ShopScopedMixin:
    """The base of every tenant API endpoint: the queryset is the calling key's shop's, always.

    Subclasses define `scoped_queryset(shop)` (usually a selector). Objects of another shop are
    not in the queryset, so retrieving, changing or deleting them is a 404.
    """

    model = None  # the model served, for the OpenAPI schema
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    @property
    def shop(self) -> Shop:
        return self.request.user.shop

    def scoped_queryset(self, shop: Shop):
        raise NotImplementedError

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no request shop
            return self.model.objects.none()
        return self.scoped_queryset(self.shop)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if getattr(self.request, "user", None) is not None and hasattr(self.request.user, "shop"):
            context["shop"] = self.request.user.shop
        return context


class ShopScopedViewSet(ShopScopedMixin, viewsets.ModelViewSet):
    """A tenant-scoped endpoint with the full create/read/update/delete set."""


class ShopScopedReadOnlyViewSet(ShopScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A tenant-scoped endpoint that lists and retrieves (actions may add writes)."""
