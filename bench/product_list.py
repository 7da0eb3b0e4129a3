"""Benchmark: the product list API (`GET /api/v1/products/`) against the cheapest possible list.

Seeds one shop with N products (4 variants and 1 image each by default) in a throwaway
database, then measures in this process, through `django.test.Client` and the full middleware
stack (so: framework + database cost; no network, no WSGI server, no connection setup):

  api list     GET /api/v1/products/?page_size=50            Bearer key: auth, throttle,
                                                             filters, cursor page, serializer
  api search   GET /api/v1/products/?page_size=50&q=rouge    the same plus full-text search
  bare         GET /bench/bare/?shop=…&limit=50              plain Django view: one .values()
                                                             query of ids and titles, JsonResponse

and reports requests/s, p50/p99 latency, SQL queries per request and the throughput of each
API scenario as a ratio of the bare view's.
"""

import argparse
import gc
import time
from unittest import mock

from django.http import JsonResponse
from django.urls import path

import bench

DESCRIPTION = "GET /api/v1/products/ (list, search) vs a bare .values() view"

BARE_PATH = "/bench/bare/"
NOUNS = ["Robe", "Chemise", "Veste", "Echarpe", "Pantalon"]
COLOURS = ["rouge", "bleu", "vert", "noir"]  # the default search term matches 1 product in 4
SIZES = ["S", "M", "L", "XL", "XXL", "3XL"]

# Assigned by _install_urlconf() once Django is set up: the site's URLs plus the bare view.
# ROOT_URLCONF points at this module while measuring.
urlpatterns: list = []


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 (got {value})")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--products", type=_positive, default=200, help="products in the shop (200)"
    )
    parser.add_argument("--variants", type=int, default=4, help="variants per product (4)")
    parser.add_argument("--images", type=int, default=1, help="images per product (1)")
    parser.add_argument("--page-size", type=_positive, default=50, help="products per page (50)")
    parser.add_argument("--query", default="rouge", help="search term of 'api search' (rouge)")
    parser.add_argument(
        "--iterations", type=_positive, default=300, help="measured requests per scenario (300)"
    )
    parser.add_argument(
        "--warmup", type=int, default=30, help="unmeasured requests per scenario first (30)"
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        default=3,
        help="the scenarios take turns in this many rounds, so background noise hits all (3)",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=12.0,
        help="time budget of each scenario; it stops early past it (12)",
    )
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before measuring (as a server could after start-up): shows what the "
        "garbage collector's full collections cost the p99",
    )
    parser.add_argument(
        "--sql", action="store_true", help="print the SQL of one request of each scenario"
    )


def run(args: argparse.Namespace) -> int:
    with bench.environment():
        return _run(args)


# --- The baseline ---------------------------------------------------------------------------


def bare_view(request):
    """The cheapest possible list: one .values() query, ids and titles, no auth, no DRF."""
    from catalog.models import Product

    rows = list(
        Product.objects.filter(shop_id=int(request.GET["shop"]))
        .order_by("-created_at", "-id")
        .values("id", "title")[: int(request.GET.get("limit", 50))]
    )
    return JsonResponse({"results": rows})


def _install_urlconf() -> None:
    from config.urls import urlpatterns as site_urlpatterns

    urlpatterns[:] = [path(BARE_PATH.lstrip("/"), bare_view), *site_urlpatterns]


# --- Data -----------------------------------------------------------------------------------


def _jpeg(size=(640, 480), colour=(200, 30, 40)) -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def seed(*, products: int, variants: int, images: int):
    """One shop of `products` products, each with `variants` variants and `images` images.

    Products go through `product_create` (so their search documents are real). The first image
    goes through `image_add` (cleaned, thumbnails cut in process); the other image rows point at
    the same files, as the list only reads their names and sizes.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection, transaction

    from catalog.models import ProductImage
    from catalog.services import category_create, image_add, product_create
    from shops.services import shop_create

    shop = shop_create(
        name="Bench Boutique", owner_email="bench@example.com", currency="EUR", language="fr"
    )
    with transaction.atomic():
        category = category_create(shop=shop, name="Vêtements")
        created = []
        for n in range(products):
            noun, colour = NOUNS[n % len(NOUNS)], COLOURS[n % len(COLOURS)]
            created.append(
                product_create(
                    shop=shop,
                    title=f"{noun} {colour} {n}",
                    description=f"{noun} en lin, coupe droite, couleur {colour}. Modèle {n}.",
                    category=category,
                    tags=["lin", colour],
                    variants=[
                        {
                            "sku": f"{noun[:3].upper()}-{n}-{v}",
                            "name": f"{colour.capitalize()} {SIZES[v % len(SIZES)]}",
                            "options": {"size": SIZES[v % len(SIZES)], "colour": colour},
                            "price": 2990 + 500 * v,
                            "stock": 10 + v,
                        }
                        for v in range(variants)
                    ],
                )
            )
    if images and created:
        with transaction.atomic():  # thumbnails are cut on commit, in this process
            first = image_add(
                product=created[0], upload=SimpleUploadedFile("p.jpg", _jpeg()), alt="photo"
            )
        first.refresh_from_db()
        ProductImage.objects.bulk_create(
            ProductImage(
                shop=shop,
                product=product,
                image=first.image.name,
                width=first.width,
                height=first.height,
                card=first.card.name,
                square=first.square.name,
                alt="photo",
                position=position,
            )
            for product in created
            for position in range(images)
            if (product.pk, position) != (first.product_id, 0)
        )
    # Fresh planner statistics, as autovacuum would have by then in production. Without them
    # PostgreSQL may plan the search differently mid-run, once autovacuum gets to the tables.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return shop


# --- Measuring ------------------------------------------------------------------------------


def _run(args: argparse.Namespace) -> int:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from shops.rest.throttling import ApiKeyRateThrottle
    from shops.services import api_key_create

    started = time.perf_counter()
    shop = seed(products=args.products, variants=args.variants, images=args.images)
    seeded_in = time.perf_counter() - started
    _install_urlconf()

    throttle_keys = []

    def api_client() -> Client:
        # A key of its own per scenario, so each starts with an empty throttle history. Ids
        # restart in each throwaway database: forget any history a shared cache (Redis) kept.
        key, raw_key = api_key_create(shop=shop, name="bench")
        throttle_keys.append(
            ApiKeyRateThrottle.cache_format % {"scope": ApiKeyRateThrottle.scope, "ident": key.pk}
        )
        cache.delete(throttle_keys[-1])
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    page = {"page_size": args.page_size}
    scenarios = [  # (name, client, url, params)
        ("api list", api_client(), "/api/v1/products/", page),
        ("api search", api_client(), "/api/v1/products/", {**page, "q": args.query}),
        ("bare .values()", Client(), BARE_PATH, {"shop": shop.pk, "limit": args.page_size}),
    ]

    def request(client: Client, url: str, params: dict):
        response = client.get(url, params)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} {params}: {response.status_code} {response.content!r}")
        return response

    results = {}
    with (
        override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]),
        # The throttle runs in full (cache read and write) but never refuses a request.
        mock.patch.object(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "1000000/min"}),
    ):
        for name, client, url, params in scenarios:
            response = request(client, url, params)
            results[name] = {
                "rows": len(response.json()["results"]),
                "bytes": len(response.content),
                "timing": bench.Timing(),
            }
        if args.gc_freeze:
            gc.collect()
            gc.freeze()
        rounds = max(1, args.rounds)
        per_round = [
            args.iterations // rounds + (i < args.iterations % rounds) for i in range(rounds)
        ]
        for round_index, iterations in enumerate(per_round):
            for name, client, url, params in scenarios:
                timing = bench.measure(
                    lambda c=client, u=url, p=params: request(c, u, p),
                    iterations=iterations,
                    warmup=args.warmup if round_index == 0 else 0,
                    max_seconds=args.max_seconds / rounds,
                )
                results[name]["timing"].samples += timing.samples
                results[name]["timing"].elapsed += timing.elapsed
        # Queries are counted apart from the timed runs: capturing them slows requests down.
        for name, client, url, params in scenarios:
            counts = set()
            for _ in range(3):
                with CaptureQueriesContext(connection) as captured:
                    request(client, url, params)
                counts.add(len(captured))
            results[name]["queries"] = "-".join(str(n) for n in sorted(counts))
            if args.sql:
                print(f"\n--- SQL of one '{name}' request")
                for query in captured.captured_queries:
                    print(f"{query['sql']}\n")

    if args.gc_freeze:
        gc.unfreeze()
    cache.delete_many(throttle_keys)
    _report(args, results, seeded_in)
    return 0


def _report(args, results, seeded_in: float) -> None:
    for label, value in bench.describe_platform():
        print(f"{label:9} {value}")
    print(
        f"data      1 shop, {args.products} products x {args.variants} variants, "
        f"{args.images} image(s) each (seeded in {seeded_in:.1f} s); "
        f"page size {args.page_size}; search q={args.query!r}"
    )
    print(
        "method    in process, django.test.Client through the full middleware stack: "
        "framework + database\n"
        "          cost, without network, WSGI server or connection setup; "
        f"{args.warmup} warm-up requests, scenarios\n"
        f"          interleaved in {max(1, args.rounds)} rounds; query counts from 3 "
        "separate requests each;\n"
        f"          garbage collector {'frozen after seeding' if args.gc_freeze else 'as is'}\n"
    )
    bare = results["bare .values()"]["timing"].per_second
    rows = []
    for name, result in results.items():
        timing: bench.Timing = result["timing"]
        rows.append(
            [
                name,
                timing.iterations,
                result["rows"],
                f"{result['bytes'] / 1024:.1f}",
                result["queries"],
                timing.per_second,
                timing.percentile_ms(50),
                timing.percentile_ms(99),
                f"{timing.per_second / bare:.3f}" if bare else "-",
            ]
        )
    bench.print_table(
        ["scenario", "requests", "rows", "KiB", "queries", "req/s", "p50 ms", "p99 ms", "x bare"],
        rows,
    )
    api = results["api list"]["timing"].per_second
    if api and bare:
        print(
            f"\nreal/bare throughput: list {api / bare:.3f} (the bare view is "
            f"{bare / api:.1f}x faster), search "
            f"{results['api search']['timing'].per_second / bare:.3f}"
        )
    short = [n for n, r in results.items() if r["timing"].iterations < args.iterations]
    if short:
        print(f"note: stopped early by --max-seconds {args.max_seconds}: {', '.join(short)}")
