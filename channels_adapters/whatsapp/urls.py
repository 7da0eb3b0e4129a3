"""WhatsApp's webhook route, mounted under /webhooks/whatsapp/ (channels_adapters.urls): the
callback URL set once in the Meta app's dashboard for every number."""

from django.urls import path

from channels_adapters.whatsapp.connect import WEBHOOK_URL_NAME
from channels_adapters.whatsapp.views import whatsapp_webhook

urlpatterns = [path("", whatsapp_webhook, name=WEBHOOK_URL_NAME)]
