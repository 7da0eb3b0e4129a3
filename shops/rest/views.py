from rest_framework import exceptions, viewsets

from shops import untrusted
from shops.models import Shop


class ShopScopedMixin:
    """The base of every tenant API endpoint: the queryset is the calling key's shop's, always.

    Subclasses define `scoped_queryset(shop)` (usually a selector). Objects of another shop are
    not in the queryset, so retrieving, changing or deleting them is a 404.
    """

    model = None  # the model served, for the OpenAPI schema
    # Actions that answer 409 when the object's state forbids them (documented by the schema).
    conflicting_actions: tuple[str, ...] = ()
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

    def filter_queryset(self, queryset):
        """Filters and `?ordering=` select what a list shows. On one object (retrieve, a write,
        an action) they are ignored: a write never fails, or answers 404, because of a query
        string the schema does not offer there."""
        if self.action != "list":
            return queryset
        _check_query_string(self.request)
        return super().filter_queryset(queryset)

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        if getattr(self.request, "user", None) is not None and hasattr(self.request.user, "shop"):
            context["shop"] = self.request.user.shop
        return context


class ShopScopedViewSet(ShopScopedMixin, viewsets.ModelViewSet):
    """A tenant-scoped endpoint with the full create/read/update/delete set."""


class ShopScopedReadOnlyViewSet(ShopScopedMixin, viewsets.ReadOnlyModelViewSet):
    """A tenant-scoped endpoint that lists and retrieves (actions may add writes)."""


def _check_query_string(request) -> None:
    """Query values reach SQL (filters, search) and PostgreSQL refuses NUL in text: a 400 here
    rather than a 500 there."""
    for key, values in request.query_params.lists():
        for value in (key, *values):
            try:
                untrusted.clean_text(value, field=key)
            except untrusted.UntrustedInput as exc:
                raise exceptions.ValidationError({key: [str(exc)]}) from None
