import io
import os

import pytest
from django.conf import settings as django_settings
from django.db import connection
from PIL import Image
from rest_framework.test import APIClient

from config.locale_compile import compile_catalogs
from shops.services import api_key_create, shop_create

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session):
    """Under REQUIRE_SERVICES=1 (CI) the suite must run on PostgreSQL and Redis, or not at all.
    The French .mo are compiled first when missing or older than their .po (pytest run without
    `make install`)."""
    compile_catalogs(django_settings.LOCALE_PATHS)
    if REQUIRE_SERVICES:
        engine = django_settings.DATABASES["default"]["ENGINE"]
        missing = []
        if "postgresql" not in engine:
            missing.append(f"DATABASE_URL must point at PostgreSQL (engine is {engine})")
        if not django_settings.REDIS_URL:
            missing.append("REDIS_URL must be set")
        if missing:
            raise pytest.UsageError("REQUIRE_SERVICES=1 but " + "; ".join(missing))


def needs_service(what: str, available: bool) -> None:
    """Skip on a zero-setup machine; fail in CI, where the service must be there."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not configured")


@pytest.fixture
def require_postgres():
    needs_service("PostgreSQL (DATABASE_URL)", connection.vendor == "postgresql")


@pytest.fixture
def require_redis():
    needs_service("Redis (REDIS_URL)", bool(django_settings.REDIS_URL))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _tasks_in_process(request):
    """Tasks run in the test's process, so a test sees their effects at once, except in tests
    that use the real `celery_worker` (tests/test_services_integration.py)."""
    from config.celery import app

    if "celery_worker" in request.fixturenames:
        yield
        return
    from celery._state import _set_task_join_will_block

    # A real worker started in this process (tests/test_recovery.py, the services tests) marks
    # the process as a worker, after which reading any task's result raises "Never call
    # result.get() within a task". In-process tests are not inside a worker: unmark.
    _set_task_join_will_block(False)
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters start at zero. A Redis cache is not flushed: it may share its database
    with the Celery broker; keys there are per API key id, which never repeat in a run."""
    from django.core.cache import cache

    from shops.process_cache import clear_process_caches

    if not django_settings.REDIS_URL:
        cache.clear()
    # Ids repeat across tests on SQLite: nothing cached by an earlier test is seen again.
    clear_process_caches()


SIGN_IN_RATE_LIMITS = django_settings.ACCOUNT_RATE_LIMITS


@pytest.fixture(autouse=True)
def _sign_in_unthrottled(settings):
    """allauth counts sign-ins per IP in the cache, which on Redis outlives a test: hundreds of
    tests signing in from 127.0.0.1 would hit the limit. Tests of the limit turn it back on
    (`sign_in_throttled`)."""
    settings.ACCOUNT_RATE_LIMITS = False


@pytest.fixture
def sign_in_throttled(settings):
    settings.ACCOUNT_RATE_LIMITS = SIGN_IN_RATE_LIMITS


@pytest.fixture
def make_shop(db):
    counter = iter(range(1, 10_000))

    def make(name: str | None = None, **kwargs):
        n = next(counter)
        return shop_create(
            name=name or f"Shop {n}",
            owner_email=kwargs.pop("owner_email", f"owner{n}@example.com"),
            **kwargs,
        )

    return make


@pytest.fixture
def shop(make_shop):
    return make_shop("Maison Rouge", currency="EUR", language="fr")


@pytest.fixture
def other_shop(make_shop):
    return make_shop("Other Brand", currency="USD", language="en")


def client_for(shop, *, read_only: bool = False) -> APIClient:
    _, raw_key = api_key_create(shop=shop, name="tests", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    client.raw_key = raw_key
    return client


@pytest.fixture
def api(shop) -> APIClient:
    return client_for(shop)


@pytest.fixture
def other_api(other_shop) -> APIClient:
    return client_for(other_shop)


def image_bytes(
    fmt: str = "JPEG", size=(640, 480), color=(200, 30, 40), exif=None, mode="RGB"
) -> bytes:
    buffer = io.BytesIO()
    image = Image.new(mode, size, color)
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


PRODUCT_BODY = {
    "title": "Robe portefeuille",
    "description": "Une robe rouge en lin.",
    "variants": [
        {"sku": "ROBE-R-38", "name": "Rouge 38", "price": 4990, "stock": 5},
    ],
}
