"""Instagram's webhook route, mounted under /webhooks/instagram/ (channels_adapters.urls)."""

from django.urls import path

from channels_adapters.instagram.connect import WEBHOOK_URL_NAME
from channels_adapters.instagram.views import instagram_webhook

urlpatterns = [path("", instagram_webhook, name=WEBHOOK_URL_NAME)]
