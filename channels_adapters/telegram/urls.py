"""A Telegram bot's webhook route, mounted under /webhooks/telegram/ (channels_adapters.urls):
/webhooks/telegram/<account id>/, the URL given to setWebhook when the bot was connected."""

from django.urls import path

from channels_adapters.telegram.connect import WEBHOOK_URL_NAME
from channels_adapters.telegram.views import telegram_webhook

urlpatterns = [path("<int:channel_id>/", telegram_webhook, name=WEBHOOK_URL_NAME)]
