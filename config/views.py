"""Site-level views: the landing page, the health check load balancers poll, media files."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.static import serve

from shops.models import Shop

logger = logging.getLogger(__name__)


def home(request):
    shops = Shop.objects.order_by("name")[:20]
    return render(request, "home.html", {"shops": shops})


def healthz(request):
    """200 when the database and the cache answer, 503 naming what does not."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        logger.exception("health check: database unreachable")
        checks["database"] = "unreachable"
    try:
        cache.set("healthz", "1", 5)
        checks["cache"] = "ok" if cache.get("healthz") == "1" else "unreachable"
    except Exception:
        logger.exception("health check: cache unreachable")
        checks["cache"] = "unreachable"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(checks, status=200 if healthy else 503)


def media(request, path: str):
    """Uploaded images, for chat platforms and the web chat (SOUK_SERVE_MEDIA)."""
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=86400"
    return response
