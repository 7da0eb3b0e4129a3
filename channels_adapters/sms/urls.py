"""A Twilio number's webhook route, mounted under /webhooks/sms/ (channels_adapters.urls):
/webhooks/sms/<account id>/, the number's "A message comes in" URL in Twilio's console."""

from django.urls import path

from channels_adapters.sms.connect import WEBHOOK_URL_NAME
from channels_adapters.sms.views import sms_webhook

urlpatterns = [path("<int:channel_id>/", sms_webhook, name=WEBHOOK_URL_NAME)]
