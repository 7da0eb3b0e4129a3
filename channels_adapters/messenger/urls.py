"""Messenger's webhook route, mounted under /webhooks/messenger/ (channels_adapters.urls): the
callback URL set once in the Meta app's dashboard for every page."""

from django.urls import path

from channels_adapters.messenger.connect import WEBHOOK_URL_NAME
from channels_adapters.messenger.views import messenger_webhook

urlpatterns = [path("", messenger_webhook, name=WEBHOOK_URL_NAME)]
