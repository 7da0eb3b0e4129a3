from django.conf import settings
from django.db.models import Prefetch, QuerySet

from catalog.models import Category, Product, ProductImage, Variant
from catalog.search import search_products
from shops.models import Shop


def category_list(*, shop: Shop) -> QuerySet[Category]:
    return Category.objects.for_shop(shop)


def product_list(
    *,
    shop: Shop,
    query: str | None = None,
    category_id: int | None = None,
    active: bool | None = None,
) -> QuerySet[Product]:
    """Products with their variants and images loaded in a constant number of queries."""
    products = (
        Product.objects.for_shop(shop)
        .defer("search_document")
        .select_related("category")
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        )
    )
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if active is not None:
        products = products.filter(active=active)
    if query:
        products = search_products(products, query)
    return products


def variant_list(*, shop: Shop) -> QuerySet[Variant]:
    return Variant.objects.for_shop(shop).select_related("product")


def image_list(*, shop: Shop) -> QuerySet[ProductImage]:
    return ProductImage.objects.for_shop(shop)


def public_media_url(file) -> str:
    """The absolute URL platforms and shoppers fetch a stored file from ("" if none)."""
    if not file:
        return ""
    url = file.url
    return url if url.startswith("http") else f"{settings.SOUK_PUBLIC_URL}{url}"
