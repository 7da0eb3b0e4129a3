"""Tenant scoping, in one place.

Every tenant-owned model inherits `ShopOwned`; every read of tenant data starts from
`Model.objects.for_shop(shop)` (selectors) or `ShopScopedViewSet` (API), so an object of another
shop is simply not found: callers answer 404 and never learn that it exists.
"""

from django.db import models
from django.http import Http404

from shops.models import Shop


class ShopScopedQuerySet(models.QuerySet):
    def for_shop(self, shop: Shop) -> "ShopScopedQuerySet":
        return self.filter(shop=shop)


class ShopOwned(models.Model):
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")

    objects = ShopScopedQuerySet.as_manager()

    class Meta:
        abstract = True


def get_for_shop_or_404(queryset: ShopScopedQuerySet, *, shop: Shop, **lookup) -> models.Model:
    try:
        return queryset.for_shop(shop).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from exc
