"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace. The
channel preview is in conversations/preview_urls.py: it shows the bot's messages. A channel's
own pages (WhatsApp's message templates) are in its package's `dashboard_urls`, mounted here
under channels/<kind>/ (registry.dashboard_urlconfs), so this module names no channel."""

from django.urls import include, path

from channels_adapters import dashboard_views, registry

urlpatterns = [
    path("channels/", dashboard_views.channel_list, name="channel_list"),
    path("channels/connect/<str:kind>/", dashboard_views.channel_connect, name="channel_connect"),
    path(
        "channels/<int:channel_id>/disconnect/",
        dashboard_views.channel_disconnect,
        name="channel_disconnect",
    ),
    *(path(f"channels/{kind}/", include(module)) for kind, module in registry.dashboard_urlconfs()),
]
