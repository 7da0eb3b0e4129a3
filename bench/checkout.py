"""Benchmark: many shoppers checking out hot products at once, with the test provider, on
PostgreSQL. Each shopper, in its own thread and database connection: a cart with 1 or 2 units
of one of a few hot products → checkout (stock reserved) → order placed → payment page →
test card 4242 → paid (the services the chat and the pay page call, without HTTP).

Printed: completed checkouts per second and latency per shopper (p50/p99) under contention,
against a baseline of the same flow run by one shopper at a time on products nobody else
wants (same process, same database); shoppers turned away because the stock ran out; and
oversells — units paid beyond the stock — which must be 0. Also the SQL queries one
checkout takes, start to paid.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import bench

DESCRIPTION = "concurrent shoppers checking out hot products (test provider, PostgreSQL)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--shoppers", type=int, default=400, help="shoppers in the rush (400)")
    parser.add_argument("--threads", type=int, default=16, help="shoppers at once (16)")
    parser.add_argument("--products", type=int, default=3, help="hot products (3)")
    parser.add_argument(
        "--stock", type=int, default=150, help="units of each hot product (150): sells out"
    )
    parser.add_argument(
        "--baseline", type=int, default=60, help="shoppers in the one-at-a-time baseline (60)"
    )


def _seed(shop, *, products: int, stock: int, prefix: str):
    from catalog.services import product_create

    return [
        product_create(
            shop=shop,
            title=f"{prefix} {i}",
            variants=[{"sku": f"{prefix}-{i}", "name": "Unique", "price": 2499, "stock": stock}],
        ).variants.get()
        for i in range(products)
    ]


def _shopper(shop, variant, quantity: int, n: int) -> str:
    """One shopper from an empty cart to a paid order. Returns paid / sold out / failed."""
    from conversations.models import Customer
    from orders import checkout as checkouts
    from orders import stock
    from orders.services import cart_add, cart_open
    from payments import services as payments
    from payments.models import Payment
    from payments.providers.registry import provider_for

    customer = Customer.objects.create(shop=shop, name=f"Shopper {n}")
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    try:
        cart_add(cart=cart, variant=variant, quantity=quantity)
        checkout = checkouts.checkout_start(
            cart=cart,
            customer=customer,
            contact_name=customer.name,
            contact_phone="+33612345678",
            shipping_address={"text": "1 rue de Rivoli, 75001 Paris"},
        )
    except stock.NotEnoughStock:
        return "sold out"
    order = checkouts.checkout_complete(checkout=checkout)
    payment = payments.payment_link_start(order=order)  # the page is made by the (eager) task
    payment = Payment.objects.select_related("order").get(pk=payment.pk)
    outcome = provider_for("test").pay_on_page(payment, "4242424242424242", save=True)
    paid = payments.payment_outcome_record(payment=payment, outcome=outcome)
    return "paid" if paid.state == "succeeded" else "failed"


def _rush(shop, variants, *, shoppers: int, threads: int):
    from django.db import connection

    latencies: list[float] = []
    outcomes: list[tuple[str, int, int]] = []  # (outcome, variant id, quantity)
    lock = threading.Lock()
    rng = random.Random(7)
    plan = [(rng.choice(variants), rng.choice((1, 1, 1, 2)), n) for n in range(shoppers)]

    def one(job):
        variant, quantity, n = job
        try:
            started = time.perf_counter()
            outcome = _shopper(shop, variant, quantity, n)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                outcomes.append((outcome, variant.pk, quantity))
        finally:
            connection.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, plan))
    return outcomes, latencies, time.perf_counter() - started


def _queries_for_one(shop, variant) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _shopper(shop, variant, 1, 10**6)
    return len(captured)


def run(args: argparse.Namespace) -> int:
    with bench.environment():
        from django.db import connection

        if connection.vendor != "postgresql":
            print("skipped: concurrent checkout needs PostgreSQL (set DATABASE_URL)")
            return 0
        from catalog.models import Variant
        from orders.models import Order
        from shops.services import shop_create

        shop = shop_create(
            name="Bench Checkout",
            slug="bench-checkout",
            owner_email="bench-checkout@souk.test",
            currency="EUR",
            language="en",
            timezone_name="Europe/Paris",
        )
        hot = _seed(shop, products=args.products, stock=args.stock, prefix="HOT")
        calm = _seed(shop, products=1, stock=10**6, prefix="CALM")
        queries = _queries_for_one(shop, calm[0])

        # Baseline: one shopper at a time, no contention.
        timing = bench.Timing()
        for n in range(args.baseline):
            started = time.perf_counter()
            _shopper(shop, calm[0], 1, n)
            timing.samples.append(time.perf_counter() - started)
        timing.elapsed = sum(timing.samples)

        outcomes, latencies, elapsed = _rush(
            shop, hot, shoppers=args.shoppers, threads=args.threads
        )
        rush = bench.Timing(samples=latencies, elapsed=elapsed)
        paid = [o for o in outcomes if o[0] == "paid"]
        sold_out = sum(1 for o in outcomes if o[0] == "sold out")
        failed = sum(1 for o in outcomes if o[0] == "failed")
        oversold = 0
        for variant in hot:
            units = sum(q for _, vid, q in paid if vid == variant.pk)
            left = Variant.objects.get(pk=variant.pk).stock
            oversold += max(0, units - args.stock) + max(0, -left)
            if units + left != args.stock:
                oversold += abs(args.stock - units - left)  # stock and sales disagree
        paid_orders = Order.objects.filter(
            shop=shop, payment_status="paid", lines__variant__in=hot
        ).distinct()

        for name, value in bench.describe_platform():
            print(f"{name:<10}{value}")
        print(
            f"\n{args.shoppers} shoppers, {args.threads} at a time, for {args.products} products "
            f"of {args.stock} units each (test provider, card 4242; each shopper from cart to "
            f"paid); baseline: {args.baseline} shoppers one at a time on a product nobody else "
            f"wants. One checkout, cart to paid: {queries} SQL queries.\n"
        )
        bench.print_table(
            [
                "scenario",
                "shoppers",
                "paid",
                "sold out",
                "checkouts/s",
                "p50 ms",
                "p99 ms",
                "x base",
            ],
            [
                [
                    "one at a time",
                    timing.iterations,
                    timing.iterations,
                    0,
                    timing.per_second,
                    timing.percentile_ms(50),
                    timing.percentile_ms(99),
                    1.0,
                ],
                [
                    "rush",
                    len(outcomes),
                    len(paid),
                    sold_out,
                    len(paid) / elapsed,
                    rush.percentile_ms(50),
                    rush.percentile_ms(99),
                    (len(paid) / elapsed) / timing.per_second,
                ],
            ],
        )
        print(
            f"\noversells: {oversold} (units paid beyond stock, or stock and sales disagreeing); "
            f"failed: {failed}; paid orders in the database: {paid_orders.count()}"
        )
        return 1 if oversold or failed else 0
