from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from channels_adapters import registry
from config import views
from shops.rest.errors import api_not_found

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("accounts/invitation/", include("shops.invitation_urls")),
    path("accounts/", include("allauth.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("api/v1/", include("config.api_urls")),
    path("webhooks/stripe/", include("payments.webhook_urls")),
    path("webhooks/", include("channels_adapters.urls")),
    # Channels' own public pages (the web chat's /chat/…), each at the prefix its package keeps.
    *(path(prefix, include(module)) for prefix, module in registry.page_urlconfs()),
    path("pay/", include("payments.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    re_path(r"^api/", api_not_found),
]

if settings.SOUK_SERVE_MEDIA:
    urlpatterns.insert(
        0,
        re_path(r"^media/(?P<path>.+)$", views.media, name="media"),
    )

handler500 = "shops.rest.errors.server_error"
