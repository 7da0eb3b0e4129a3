from dataclasses import dataclass
from functools import cache, lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from catalog.models import Category, Product, ProductImage, StockAdjustment, Variant
from catalog.search import (
    COLOUR_OPTION_KEYS,
    COLOURS,
    SIZE_OPTION_KEYS,
    search_products,
    search_terms,
    word_pattern,
)
from config.compiled_query import BIGINT, CompiledPrefetch, CompiledQuery
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
        .prefetch_related(*_variants_and_images())
    )
    if category_id is not None:
        products = products.filter(category_id=category_id)
    if active is not None:
        products = products.filter(active=active)
    if query:
        products = search_products(products, query, language=shop.language)
    return products


def _variants_and_images() -> tuple[Prefetch, Prefetch]:
    """product_list's prefetches (new objects each time: Django annotates a Prefetch's queryset
    as it runs it)."""
    return (
        Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
    )


def _active_product_query(shop_id: int, product_id: int, *, images: bool) -> QuerySet[Product]:
    # product_list(...).filter(pk=…).first(), written out: first() orders an unordered queryset
    # by pk and takes one row.
    products = product_list(shop=shop_id, active=True)
    if not images:
        products = products.prefetch_related(None).prefetch_related(_variants_and_images()[0])
    return products.filter(pk=product_id).order_by("pk")[:1]


# A tap on a product reads it by id with what the bot shows: compiled once per connection
# (config/compiled_query.py), its variants' and images' IN lists too. The shop's filter is in
# the compiled SQL: another shop's product id finds nothing.
_active_product_with_images = CompiledQuery(
    lambda shop_id, product_id: _active_product_query(shop_id, product_id, images=True),
    shop_id=-7_402_001,
    product_id=-7_402_002,
)
_active_product_without_images = CompiledQuery(
    lambda shop_id, product_id: _active_product_query(shop_id, product_id, images=False),
    shop_id=-7_402_003,
    product_id=-7_402_004,
)


def active_product(*, shop: Shop, product_id: int, images: bool = True) -> Product | None:
    """The shop's active product `product_id` as product_list(active=True) loads it (variants
    and, unless images=False, images prefetched), or None: what
    `product_list(shop=shop, active=True).filter(pk=product_id).first()` returns, without
    building the queryset each time."""
    product_id = int(product_id)
    if product_id not in BIGINT:
        return None
    query = _active_product_with_images if images else _active_product_without_images
    return query.first(shop_id=shop.pk, product_id=product_id)


_active_variant = CompiledQuery(
    lambda shop_id, variant_id: (
        # Variant is ordered (position, id): first() is [:1].
        Variant.objects.for_shop(shop_id)
        .select_related("product")
        .filter(pk=variant_id, product__active=True)[:1]
    ),
    shop_id=-7_402_005,
    variant_id=-7_402_006,
)


def active_variant(*, shop: Shop, variant_id: int) -> Variant | None:
    """The shop's variant `variant_id` with its product, if the product is active, or None
    (compiled once per connection, like active_product)."""
    variant_id = int(variant_id)
    if variant_id not in BIGINT:
        return None
    return _active_variant.first(shop_id=shop.pk, variant_id=variant_id)


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


@cache
def _variants_of_colour(colour: str, vendor: str) -> QuerySet[Variant]:
    """The variants whose options name `colour` (in the outer product's subquery): the same
    for every search of that colour on that database, so built once (never run itself: a
    subquery copies the query it is given)."""
    words = COLOURS[colour]
    in_options = Q()
    for key in COLOUR_OPTION_KEYS:
        in_options |= Q(**{f"options__{key}__iregex": word_pattern(words)})
    return Variant.objects.filter(in_options, product=OuterRef("pk"))


def _narrowed(products: QuerySet[Product], search: ShopperSearch) -> QuerySet[Product]:
    """`products` narrowed to the search's size, price and colour."""
    if search.size or search.max_price is not None:
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
        products = products.filter(Exists(fitting))
    if search.colour in COLOURS:
        words = COLOURS[search.colour]
        products = products.filter(
            Q(search_document__iregex=word_pattern(words))
            | Exists(_variants_of_colour(search.colour, connection.vendor))
        )
    return products


@lru_cache(maxsize=1024)
def _active_products_of_colour(vendor: str, shop_id: int, colour: str) -> QuerySet[Product]:
    """A shop's active products narrowed to `colour` ("" for any), without prefetches: the
    same queryset for every such search, so built once per shop and colour (never run
    itself: each search chains its words onto a copy). Its shop's filter is in it."""
    products = product_list(shop=shop_id, active=True).prefetch_related(None)
    return _narrowed(products, ShopperSearch(colour=colour))


def _searches(
    *, shop: Shop, search: ShopperSearch, prefetch: bool = True
) -> list[QuerySet[Product]]:
    """The querysets a shopper's search tries in turn: the first that finds anything answers.
    Every word first; when that finds nothing ("sac à main" where the shop says "sac cabas"),
    the products matching the most words (not tried for one word: it would be the same).
    `prefetch=False`: without product_list's prefetches (the caller loads them)."""
    if search.is_empty:
        return [product_list(shop=shop, active=True).none()]
    if search.size or search.max_price is not None:
        products = _narrowed(product_list(shop=shop, active=True), search)
        if not prefetch:
            products = products.prefetch_related(None)
    elif prefetch:
        products = _narrowed(product_list(shop=shop, active=True), search)
    else:
        products = _active_products_of_colour(connection.vendor, shop.pk, search.colour)
    if search.query.strip():
        tries = [search_products(products, search.query, language=shop.language)]
        if len(search_terms(search.query)) > 1:
            tries.append(
                search_products(products, search.query, language=shop.language, every_word=False)
            )
    else:
        tries = [products.order_by("created_at", "id")]
    if search.sort == "price":
        in_stock = Q(variants__track_stock=False) | Q(variants__stock__gt=0)
        cheapest = Min("variants__price", filter=in_stock)
        tries = [found.alias(cheapest=cheapest).order_by("cheapest", "id") for found in tries]
    return tries


def product_search(*, shop: Shop, search: ShopperSearch) -> QuerySet[Product]:
    """Active products for a shopper's sentence, best match first (title matches before
    description matches), or cheapest first for sort="price". A size or a price narrows to
    products with a variant in stock that fits; a colour to products whose text or variant
    options name it, in either language."""
    *first, last = _searches(shop=shop, search=search)
    for found in first:
        if found.exists():
            return found
    return last


# The variants and images of a page of found products: the search's own SQL changes with the
# shopper's words, these do not (config/compiled_query.py).
_found_prefetch = CompiledPrefetch(
    lambda: Product.objects.prefetch_related(*_variants_and_images())
)


def product_search_page(
    *, shop: Shop, search: ShopperSearch, start: int, count: int
) -> list[Product]:
    """`list(product_search(shop=…, search=…)[start : start + count])`, the same products in
    the same order with the same prefetches, in fewer queries: the page is read directly
    (no EXISTS first: a first page that finds something answers that question), and the
    variants and images come from compiled queries."""
    tries = _searches(shop=shop, search=search, prefetch=False)
    for number, found in enumerate(tries):
        page = list(found[start : start + count])
        if page or number == len(tries) - 1:
            break
        # An empty later page of a search that does find something is its answer, as
        # product_search would give it; the next search is tried only when this one finds
        # nothing at all (on the first page, an empty page says so).
        if start and found.exists():
            break
    _found_prefetch.run(page)
    return page


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
