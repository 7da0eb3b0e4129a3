from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from catalog.models import Category, Product, ProductImage, StockAdjustment, Variant
from catalog.search import search_products
from shops.models import Shop


def category_list(*, shop: Shop) -> QuerySet[Category]:
    return Category.objects.for_shop(shop)


def category_admin_list(*, shop: Shop) -> QuerySet[Category]:
    """Categories in display order, each with how many products it holds."""
    return (
        category_list(shop=shop)
        .annotate(product_count=Count("products"))
        .order_by("position", "id")
    )


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


LOW_STOCK_THRESHOLD = 3


@dataclass(frozen=True)
class ProductFilters:
    """What the dashboard's product list (and its CSV export) is narrowed to. Built from the
    query string by `ProductFilters.from_query`, so the list and the export agree."""

    query: str = ""
    category_id: int | None = None
    uncategorised: bool = False
    active: bool | None = None
    stock: str = ""  # "low" (1..LOW_STOCK_THRESHOLD left in a variant), "out" (one sold out)
    sort: str = "-created_at"

    SORTS = {
        "-created_at": ("-created_at", "-id"),
        "created_at": ("created_at", "id"),
        "title": ("title", "id"),
        "-title": ("-title", "-id"),
        "-updated_at": ("-updated_at", "-id"),
    }

    @classmethod
    def from_query(cls, params) -> "ProductFilters":
        def integer(name: str) -> int | None:
            value = params.get(name, "")
            return int(value) if value.isdigit() else None

        category = params.get("category", "")
        active = {"yes": True, "no": False}.get(params.get("active", ""))
        stock = params.get("stock", "")
        sort = params.get("sort", "")
        return cls(
            query=params.get("q", "").strip()[:200],
            category_id=integer("category"),
            uncategorised=category == "none",
            active=active,
            stock=stock if stock in ("low", "out") else "",
            sort=sort if sort in cls.SORTS else "-created_at",
        )


def product_admin_list(*, shop: Shop, filters: ProductFilters) -> QuerySet[Product]:
    """The brand's product list: filtered, sorted, with variants and images prefetched
    (a constant number of queries whatever the page size)."""
    products = product_list(shop=shop, query=filters.query or None, category_id=filters.category_id)
    if filters.uncategorised:
        products = products.filter(category__isnull=True)
    if filters.active is not None:
        products = products.filter(active=filters.active)
    if filters.stock == "out":
        products = products.filter(
            Exists(Variant.objects.filter(product=OuterRef("pk"), track_stock=True, stock=0))
        )
    elif filters.stock == "low":
        products = products.filter(
            Exists(
                Variant.objects.filter(
                    product=OuterRef("pk"),
                    track_stock=True,
                    stock__gt=0,
                    stock__lte=LOW_STOCK_THRESHOLD,
                )
            )
        )
    return products.order_by(*ProductFilters.SORTS[filters.sort])


def stock_adjustments_for_product(*, product: Product, limit: int = 20) -> list[StockAdjustment]:
    """The latest stock changes of a product's variants, newest first, with who made them."""
    return list(
        StockAdjustment.objects.for_shop(product.shop_id)
        .filter(variant__product=product)
        .select_related("variant", "actor")
        .order_by("-created_at", "-id")[:limit]
    )
