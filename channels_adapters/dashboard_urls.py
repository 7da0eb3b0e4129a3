"""Dashboard pages of this app, mounted under /dashboard/ in the `dashboard` namespace. The
channel preview is in conversations/preview_urls.py: it shows the bot's messages."""

from django.urls import path

from channels_adapters import dashboard_views, template_views

urlpatterns = [
    path("channels/", dashboard_views.channel_list, name="channel_list"),
    path("channels/connect/<str:kind>/", dashboard_views.channel_connect, name="channel_connect"),
    path(
        "channels/<int:channel_id>/disconnect/",
        dashboard_views.channel_disconnect,
        name="channel_disconnect",
    ),
    path(
        "channels/whatsapp/templates/",
        template_views.whatsapp_templates,
        name="whatsapp_templates",
    ),
    path(
        "channels/whatsapp/templates/remove/",
        template_views.whatsapp_template_remove,
        name="whatsapp_template_remove",
    ),
]
