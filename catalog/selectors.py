from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Category, Product, ProductImage, StockAdjustment, Variant
from catalog.search import (
    COLOUR_OPTION_KEYS,
    COLOURS,
    SIZE_OPTION_KEYS,
    search_products,
    word_pattern,
)
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
        products = search_products(products, query, language=shop.language)
    return products


@dataclass(frozen=True)
class ShopperSearch:
    """What a shopper asked for in a sentence (conversations/understanding.py reads it):
    words to match, and the attributes read from the sentence. `max_price` is in the shop
    currency's minor units; `sort` is "price" for the cheapest first, "" for best match."""

    query: str = ""
    colour: str = ""
    size: str = ""
    max_price: int | None = None
    sort: str = ""

    @property
    def is_empty(self) -> bool:
        return not (
            self.query.strip()
            or self.colour
            or self.size
            or self.max_price is not None
            or self.sort
        )


def product_search(*, shop: Shop, search: ShopperSearch) -> QuerySet[Product]:
    """Active products for a shopper's sentence, best match first (title matches before
    description matches), or cheapest first for sort="price". A size or a price narrows to
    products with a variant in stock that fits; a colour to products whose text or variant
    options name it, in either language."""
    products = product_list(shop=shop, active=True)
    if search.is_empty:
        return products.none()
    fitting = Variant.objects.filter(product=OuterRef("pk")).filter(
        Q(track_stock=False) | Q(stock__gt=0)
    )
    if search.size:
        size = Q()
        for key in SIZE_OPTION_KEYS:
            size |= Q(**{f"options__{key}__iexact": search.size})
        fitting = fitting.filter(size)
    if search.max_price is not None:
        fitting = fitting.filter(price__lte=search.max_price)
    if search.size or search.max_price is not None:
        products = products.filter(Exists(fitting))
    if search.colour in COLOURS:
        words = COLOURS[search.colour]
        in_options = Q()
        for key in COLOUR_OPTION_KEYS:
            in_options |= Q(**{f"options__{key}__iregex": word_pattern(words)})
        products = products.filter(
            Q(search_document__iregex=word_pattern(words))
            | Exists(Variant.objects.filter(in_options, product=OuterRef("pk")))
        )
    if search.query.strip():
        # Every word first; when that finds nothing ("sac à main" where the shop says "sac
        # cabas"), the products matching the most words.
        found = search_products(products, search.query, language=shop.language)
        if not found.exists():
            found = search_products(
                products, search.query, language=shop.language, every_word=False
            )
        products = found
    else:
        products = products.order_by("created_at", "id")
    if search.sort == "price":
        in_stock = Q(variants__track_stock=False) | Q(variants__stock__gt=0)
        cheapest = Min("variants__price", filter=in_stock)
        products = products.alias(cheapest=cheapest).order_by("cheapest", "id")
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
