"""/dashboard/: the shell's own pages, then each app's pages (one namespace, `dashboard`)."""

from django.urls import include, path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("shop/switch/", views.shop_switch, name="shop_switch"),
    path("", include("catalog.dashboard_urls")),
    path("", include("catalog.import_urls")),
    path("", include("orders.dashboard_urls")),
    path("", include("orders.shipping_urls")),
    path("", include("conversations.dashboard_urls")),
    path("", include("channels_adapters.dashboard_urls")),
    path("", include("conversations.preview_urls")),
    path("", include("payments.dashboard_urls")),
    path("", include("shops.dashboard_urls")),
    # The inbox (issue 9): pages, composer, commerce sidebar, live events; analytics.
    path("", include("conversations.inbox_urls")),
    path("", include("conversations.composer_urls")),
    path("", include("conversations.sidebar_urls")),
    path("", include("shops.live_urls")),
    path("", include("dashboard.analytics_urls")),
]
