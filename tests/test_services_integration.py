"""Against the real services CI provides: PostgreSQL, Redis and a Celery worker consuming from
Redis. Skipped on a zero-setup machine, failing in CI (REQUIRE_SERVICES=1) if one is missing."""

import threading
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import caches
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection

from catalog.models import ProductImage, Variant
from catalog.services import product_create, variant_adjust_stock
from config.celery import app as celery_app
from tests.conftest import PRODUCT_BODY, client_for, image_bytes


@pytest.fixture
def celery_worker(require_redis, transactional_db):
    """A real worker thread consuming the Redis broker, running tasks as production does."""
    assert not celery_app.conf.task_always_eager
    with start_worker(
        celery_app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def test_runs_on_postgresql(require_postgres, db):
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


def test_cache_is_redis_and_shared_between_clients(require_redis):
    cache = caches["default"]
    assert "Redis" in type(cache).__name__
    cache.set("integration-probe", 41)
    assert cache.incr("integration-probe") == 42


def test_thumbnails_are_cut_by_a_celery_worker_through_redis(celery_worker, shop):
    api = client_for(shop)
    product_id = api.post("/api/v1/products/", PRODUCT_BODY, format="json").json()["id"]

    response = api.post(
        "/api/v1/images/",
        {"product": product_id, "image": SimpleUploadedFile("p.jpg", image_bytes())},
        format="multipart",
    )

    assert response.status_code == 201
    assert response.json()["thumbnails"]["card"] is None  # not cut in the request
    image_id = response.json()["id"]
    wait_for(lambda: ProductImage.objects.filter(pk=image_id).exclude(card="").exists())
    thumbnails = api.get(f"/api/v1/images/{image_id}/").json()["thumbnails"]
    assert thumbnails["card"].endswith(".jpg") and thumbnails["square"].endswith(".jpg")


def test_throttle_budget_is_shared_through_redis(require_redis, shop, monkeypatch, db):
    from shops.rest.throttling import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "2/min"})
    first = client_for(shop)
    second_process_like = type(first)()  # another client, same key
    second_process_like.credentials(HTTP_AUTHORIZATION=f"Bearer {first.raw_key}")

    assert first.get("/api/v1/shop/").status_code == 200
    assert second_process_like.get("/api/v1/shop/").status_code == 200
    assert first.get("/api/v1/shop/").status_code == 429


def test_concurrent_stock_adjustments_lose_nothing_and_never_go_negative(
    require_postgres, transactional_db, shop
):
    product = product_create(
        shop=shop, title="Hot", variants=[{"sku": "HOT", "name": "x", "price": 1, "stock": 25}]
    )
    variant = product.variants.get()
    outcomes: list[str] = []
    lock = threading.Lock()

    def buyer():
        try:
            variant_adjust_stock(variant=Variant.objects.get(pk=variant.pk), delta=-1)
            result = "ok"
        except Exception as exc:
            result = type(exc).__name__
        finally:
            close_old_connections()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=buyer) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 25
    assert outcomes.count("StockWouldGoNegative") == 15
    variant.refresh_from_db()
    assert variant.stock == 0
