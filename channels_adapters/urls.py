from django.urls import include, path

from channels_adapters import registry, webhooks

urlpatterns = [
    path("sms/<int:channel_id>/", webhooks.sms_webhook, name="webhook-sms"),
    # A channel whose package has its own urls.py brings its routes (registry.webhook_urlconfs).
    *(path(f"{kind}/", include(module)) for kind, module in registry.webhook_urlconfs()),
]
