"""Reads of the CSV imports (catalog.imports writes them)."""

from django.db.models import QuerySet

from catalog.models import CatalogImport
from shops.models import Shop


def catalog_import_list(*, shop: Shop) -> QuerySet[CatalogImport]:
    """Past imports, newest first, without the heavy columns (the file, its errors)."""
    return (
        CatalogImport.objects.for_shop(shop)
        .select_related("created_by")
        .defer("content", "errors", "summary")
        .order_by("-created_at", "-id")
    )


def catalog_import_detail_queryset() -> QuerySet[CatalogImport]:
    """An import's pages never need the file itself (up to 5 MB)."""
    return CatalogImport.objects.select_related("created_by").defer("content")
