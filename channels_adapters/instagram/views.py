"""Instagram's webhook: Meta's GET verify handshake and the signed POSTs of the `instagram`
object, from Souk's one Meta app (the same verify token and app secret as Messenger), routed
by `entry.id` to the connected account (channels_adapters.meta_webhook)."""

from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_adapters.instagram.adapter import InstagramAdapter
from channels_adapters.meta_webhook import meta_webhook
from channels_adapters.webhooks import answers_503_while_database_down, served_directly


@served_directly
@csrf_exempt
@require_http_methods(["GET", "POST"])
@answers_503_while_database_down
def instagram_webhook(request):
    return meta_webhook(request, InstagramAdapter.kind)
