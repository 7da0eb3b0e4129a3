"""The platforms' webhooks, mounted under /webhooks/ (config/urls.py): /webhooks/<kind>/… for
every channel whose package has a urls module."""

from django.urls import include, path

from channels_adapters import registry

urlpatterns = [
    # Each channel's package brings its webhook routes in its urls.py (registry.webhook_urlconfs).
    *(path(f"{kind}/", include(module)) for kind, module in registry.webhook_urlconfs()),
]
