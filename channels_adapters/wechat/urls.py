"""WeChat's server URL route, mounted under /webhooks/wechat/ (channels_adapters.urls)."""

from django.urls import path

from channels_adapters.wechat.connect import WEBHOOK_URL_NAME
from channels_adapters.wechat.views import wechat_webhook

urlpatterns = [path("<int:channel_id>/", wechat_webhook, name=WEBHOOK_URL_NAME)]
