"""WhatsApp's dashboard pages, mounted under /dashboard/channels/whatsapp/ in the dashboard's
namespace (channels_adapters.dashboard_urls, through registry.dashboard_urlconfs). Their URL
names also light the menu's "Channels" item (dashboard/navigation.py)."""

from django.urls import path

from channels_adapters.whatsapp import templates_views

urlpatterns = [
    path("templates/", templates_views.whatsapp_templates, name="whatsapp_templates"),
    path(
        "templates/remove/",
        templates_views.whatsapp_template_remove,
        name="whatsapp_template_remove",
    ),
]
