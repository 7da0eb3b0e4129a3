"""Benchmark: the dashboard's analytics page and overview on a busy shop.

Seeds one shop with 10,000 conversations over five channels, 100,000 messages (a tenth of the
outgoing ones written by three agents), 10,000 orders (most paid, some refunded) and the
funnel's steps, all spread over 60 days, with bulk_create (a few seconds), in a throwaway
database: PostgreSQL when DATABASE_URL names one, else a temporary SQLite file. Then renders,
in this process, through `django.test.Client` and the full middleware stack as a signed-in
owner:

  analytics today / 7d / 30d   GET /dashboard/analytics/?period=…   figures, funnel,
                                                                     attribution, charts
  overview                     GET /dashboard/                      the shell's figures
  bare                         GET /bench/bare/                     baseline: one indexed
                                                                     count, no template

and prints p50/p95 latency and the SQL queries per request. The target: under 300 ms.

    .venv/bin/python -m bench inbox_overview
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/souk .venv/bin/python -m bench inbox_overview
"""

import argparse
import contextlib
import random
from datetime import timedelta

from django.http import JsonResponse
from django.urls import path

import bench

DESCRIPTION = "dashboard analytics and overview on 100,000 messages and 10,000 orders"

BARE_PATH = "/bench/bare-count/"
KINDS = ("telegram", "messenger", "whatsapp", "sms", "webchat")
DAYS = 60
TARGET_MS = 300

urlpatterns: list = []


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--messages", type=int, default=100_000, help="messages (100,000)")
    parser.add_argument("--orders", type=int, default=10_000, help="orders (10,000)")
    parser.add_argument("--conversations", type=int, default=10_000, help="conversations (10,000)")
    parser.add_argument("--iterations", type=int, default=30, help="requests per page (30)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured requests first (3)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="time budget per page (30)")
    parser.add_argument(
        "--explain",
        action="store_true",
        help="print each query of the 30-day page with its time (PostgreSQL: EXPLAIN ANALYZE)",
    )


def run(args: argparse.Namespace) -> int:
    with bench.environment():
        return _run(args)


def bare_view(request):
    """The cheapest dashboard-ish answer: one indexed count of the shop's orders."""
    from orders.models import Order

    return JsonResponse({"orders": Order.objects.filter(shop_id=int(request.GET["shop"])).count()})


def _install_urlconf() -> None:
    from config.urls import urlpatterns as site_urlpatterns

    urlpatterns[:] = [path(BARE_PATH.lstrip("/"), bare_view), *site_urlpatterns]


# --- Data -----------------------------------------------------------------------------------


@contextlib.contextmanager
def _dates_as_given(*models):
    """bulk_create with the created_at we choose (auto_now_add would overwrite it)."""
    fields = [model._meta.get_field("created_at") for model in models]
    for field in fields:
        field.auto_now_add = False
    try:
        yield
    finally:
        for field in fields:
            field.auto_now_add = True


def seed(*, conversations: int, messages: int, orders: int):
    from django.db import connection, transaction
    from django.utils import timezone

    from channels_adapters.models import ChannelAccount
    from conversations.models import (
        Conversation,
        Customer,
        CustomerIdentity,
        Direction,
        Message,
    )
    from orders.models import FunnelEvent, FunnelStep, Order
    from orders.transitions import OrderStatus, PaymentStatus
    from shops.models import Membership, Role, User
    from shops.services import shop_create

    rng = random.Random(9)
    now = timezone.now()

    def when(max_days: float = DAYS):
        return now - timedelta(seconds=rng.uniform(0, max_days * 86400))

    shop = shop_create(
        name="Bench Boutique", owner_email="bench@example.com", currency="EUR", language="fr"
    )
    owner = User.objects.get(email="bench@example.com")
    agents = [
        User.objects.create_user(f"agent{n}@example.com", "bench-password", full_name=f"Agent {n}")
        for n in range(3)
    ]
    Membership.objects.bulk_create(Membership(shop=shop, user=a, role=Role.AGENT) for a in agents)
    with transaction.atomic(), _dates_as_given(Conversation, Message, Order, FunnelEvent):
        accounts = [
            ChannelAccount.objects.create(
                shop=shop, kind=kind, external_id=f"bench-{kind}", credentials={}
            )
            for kind in KINDS
        ]
        customers = Customer.objects.bulk_create(
            Customer(shop=shop, name=f"Client {n}", phone=f"+336{n:08d}")
            for n in range(conversations)
        )
        identities = CustomerIdentity.objects.bulk_create(
            CustomerIdentity(
                shop=shop, customer=c, channel=accounts[n % len(accounts)], external_id=str(n)
            )
            for n, c in enumerate(customers)
        )
        started = [when() for _ in identities]
        chats = Conversation.objects.bulk_create(
            Conversation(
                shop=shop,
                customer_id=i.customer_id,
                identity=i,
                channel=i.channel,
                created_at=started[n],
                last_message_at=min(now, started[n] + timedelta(hours=rng.uniform(0, 72))),
                handed_off=n % 17 == 0,
            )
            for n, i in enumerate(identities)
        )
        per_chat = max(1, messages // len(chats))
        batch = []
        for n, chat in enumerate(chats):
            for k in range(per_chat):
                outbound = k % 2 == 1
                batch.append(
                    Message(
                        shop=shop,
                        conversation=chat,
                        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
                        kind="text",
                        text="Bonjour, avez-vous la robe en 38 ?",
                        body={"type": "text", "text": "Bonjour"},
                        author=agents[n % 3] if outbound and n % 5 == 0 and k > 4 else None,
                        created_at=chat.created_at + timedelta(minutes=5 * k),
                    )
                )
            if len(batch) >= 5000:
                Message.objects.bulk_create(batch)
                batch = []
        Message.objects.bulk_create(batch)
        steps = []
        for n, chat in enumerate(chats):
            reached = (
                (FunnelStep.PRODUCT_VIEWED, FunnelStep.ADDED_TO_CART, FunnelStep.CHECKOUT_STARTED)
                if n % 3 == 0
                else (FunnelStep.PRODUCT_VIEWED,)
                if n % 3 == 1
                else ()
            )
            if n % 5 == 0:
                reached += (FunnelStep.HANDED_OFF,)
            for offset, name in enumerate(reached):
                steps.append(
                    FunnelEvent(
                        shop=shop,
                        channel_kind=chat.channel.kind,
                        conversation_id=chat.pk,
                        customer_id=chat.customer_id,
                        step=name,
                        created_at=chat.created_at + timedelta(minutes=3 + 4 * offset),
                    )
                )
        FunnelEvent.objects.bulk_create(steps, batch_size=5000)
        rows = []
        for n in range(orders):
            chat = chats[(n * 3) % len(chats)]
            placed = min(now, chat.created_at + timedelta(minutes=30))
            paid = n % 10 < 8
            total = 2000 + (n % 40) * 250
            refunded = total if n % 50 == 0 else (500 if n % 20 == 0 else 0)
            rows.append(
                Order(
                    shop=shop,
                    number=1001 + n,
                    customer_id=chat.customer_id,
                    channel=chat.channel,
                    channel_kind=chat.channel.kind,
                    status=OrderStatus.CONFIRMED if paid else OrderStatus.PENDING,
                    payment_status=(
                        (PaymentStatus.REFUNDED if refunded == total else PaymentStatus.PAID)
                        if paid
                        else PaymentStatus.AWAITING
                    ),
                    currency="EUR",
                    subtotal=total,
                    total=total,
                    refunded_total=refunded if paid else 0,
                    created_at=placed,
                    paid_at=placed + timedelta(minutes=2) if paid else None,
                )
            )
        Order.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return shop, owner


# --- Measuring ------------------------------------------------------------------------------


def _queries(client, url: str) -> list[tuple[str, object, float]]:
    """The SQL of one request (statement, parameters, seconds). Counted by an execute wrapper:
    the request's start clears Django's own query log."""
    import time

    from django.db import connection

    seen: list[tuple[str, object, float]] = []

    def record(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seen.append((sql, params, time.perf_counter() - started))

    with connection.execute_wrapper(record):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return seen


def _explain(client, url: str) -> None:
    from django.db import connection

    print(f"\nqueries of {url}:")
    for sql, params, seconds in _queries(client, url):
        print(f"  {seconds * 1000:7.1f} ms  {sql[:200]}")
        if connection.vendor == "postgresql" and sql.startswith("SELECT"):
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                for (line,) in cursor.fetchall()[:40]:
                    print(f"      {line}")


def _run(args: argparse.Namespace) -> int:
    import time

    from django.test import Client, override_settings

    _install_urlconf()
    started = time.perf_counter()
    shop, owner = seed(conversations=args.conversations, messages=args.messages, orders=args.orders)
    from conversations.models import Message
    from orders.models import FunnelEvent, Order

    print(
        f"seeded {Message.objects.count():,} messages, {Order.objects.count():,} orders, "
        f"{FunnelEvent.objects.count():,} funnel steps in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(owner)
    pages = [
        ("analytics today", "/dashboard/analytics/?period=today"),
        ("analytics 7d", "/dashboard/analytics/?period=7d"),
        ("analytics 30d", "/dashboard/analytics/?period=30d"),
        ("overview", "/dashboard/"),
        ("bare count", f"{BARE_PATH}?shop={shop.pk}"),
    ]
    rows, slow = [], []
    with override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["testserver"]):
        for name, url in pages:
            queries = len(_queries(client, url))
            timing = bench.measure(
                lambda url=url: client.get(url),
                iterations=args.iterations,
                warmup=args.warmup,
                max_seconds=args.max_seconds,
            )
            p50, p95 = timing.percentile_ms(50), timing.percentile_ms(95)
            if name != "bare count" and p95 > TARGET_MS:
                slow.append(name)
            rows.append((name, timing.iterations, p50, p95, queries))
        if args.explain:
            _explain(client, "/dashboard/analytics/?period=30d")
    for label, value in bench.describe_platform():
        print(f"{label:9} {value}")
    print()
    bench.print_table(("page", "requests", "p50 ms", "p95 ms", "queries"), rows)
    print(f"\ntarget: every page under {TARGET_MS} ms at p95" + (f"; over: {slow}" if slow else ""))
    return 0
