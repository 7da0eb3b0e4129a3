from django.urls import path

from channels_adapters import webhooks

urlpatterns = [
    path("messenger/", webhooks.messenger_webhook, name="webhook-messenger"),
    path("whatsapp/", webhooks.whatsapp_webhook, name="webhook-whatsapp"),
    path("telegram/<int:channel_id>/", webhooks.telegram_webhook, name="webhook-telegram"),
    path("sms/<int:channel_id>/", webhooks.sms_webhook, name="webhook-sms"),
]
