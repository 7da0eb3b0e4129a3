"""Messenger's webhook: the `page` object from Souk's one Meta app (the same verify token and
app secret as every Meta channel), routed by `entry.id` to the connected page
(channels_adapters.meta_webhook)."""

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_adapters.messenger.adapter import MessengerAdapter
from channels_adapters.meta_webhook import meta_webhook
from channels_adapters.webhooks import answers_503_while_database_down, served_directly

KIND = MessengerAdapter.kind


@served_directly
@csrf_exempt
@require_http_methods(["GET", "POST"])
@answers_503_while_database_down
def messenger_webhook(request):
    return meta_webhook(request, KIND)
