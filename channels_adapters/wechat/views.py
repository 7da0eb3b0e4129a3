"""A WeChat account's server URL (one per account: its id is in the path). webhook.py checks
the signature, answers the handshake and reads the push, plain or safe; here the account is
found and the events stored through intake (stored once, deduplicated on their id, processing
enqueued on commit) before WeChat gets its `success`."""

import logging

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from channels_adapters import account_cache, intake
from channels_adapters.models import ChannelStatus
from channels_adapters.webhooks import answers_503_while_database_down, read_body, too_large
from channels_adapters.wechat.adapter import WeChatAdapter
from channels_adapters.wechat.webhook import TEXT, webhook

logger = logging.getLogger(__name__)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@answers_503_while_database_down
def wechat_webhook(request, channel_id: int):
    body = read_body(request)
    if body is None:
        return too_large()
    # From the process's cache (account_cache.py): no query for an account seen recently.
    account = account_cache.channel_account(channel_id)
    if (
        account is None
        or account.kind != WeChatAdapter.kind
        or account.status == ChannelStatus.DISABLED
    ):
        # Nothing to check the signature with. A URL check fails visibly (404); a push is
        # answered `success`, so WeChat stops retrying what no shop will read.
        logger.warning("%s push for unknown channel %s dropped", WeChatAdapter.kind, channel_id)
        if request.method == "GET":
            return HttpResponse(b"unknown account", status=404, content_type=TEXT)
        return HttpResponse(b"success", content_type=TEXT)
    query = {name: request.GET.get(name, "") for name in request.GET}
    answer = webhook(account.credentials or {}, request.method, query, body)
    if answer.events:
        intake.inbound_events_store(routed=[(account, event) for event in answer.events])
    return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
