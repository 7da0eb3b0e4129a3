"""A Twilio number's webhook (one URL per number: the account's id is in the path). Checks
Twilio's signature with the number's auth token, stores the form's message or delivery status
through intake (stored once, deduplicated on its sid, processing enqueued on commit) and answers
an empty TwiML document: replies go out through the API, from a worker. Other answers as
channels_adapters.webhooks says."""

import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_adapters import account_cache, intake, registry
from channels_adapters.base import WebhookRejected, header
from channels_adapters.models import ChannelStatus
from channels_adapters.sms.adapter import SmsAdapter
from channels_adapters.sms.signature import SIGNATURE_HEADER, verify_signature
from channels_adapters.webhooks import (
    answers_503_while_database_down,
    bad_request,
    read_body,
    too_large,
)
from shops import untrusted

logger = logging.getLogger(__name__)

# The adapter itself is asked for at request time (registry.adapter_for), not bound at import:
# the URLconf may first load while a test has the registry patched.
KIND = SmsAdapter.kind

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _empty_twiml() -> HttpResponse:
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
@answers_503_while_database_down
def sms_webhook(request, channel_id: int) -> HttpResponse:
    if read_body(request) is None:  # the size limit; Django parses the form from the body
        return too_large()
    # From the process's cache (account_cache.py): no query for a number seen recently.
    account = account_cache.channel_account(channel_id)
    if account is None or account.kind != KIND or account.status == ChannelStatus.DISABLED:
        logger.warning("%s webhook for unknown channel %s dropped", KIND, channel_id)
        return _empty_twiml()
    params = {name: request.POST.get(name, "") for name in request.POST}
    # Twilio signs the exact public URL it called.
    if not verify_signature(
        f"{settings.SOUK_PUBLIC_URL}{request.get_full_path()}",
        params,
        header(request.headers, SIGNATURE_HEADER),
        (account.credentials or {}).get("auth_token", ""),
    ):
        return HttpResponseForbidden("bad signature")
    # Verified as sent; then what storage cannot hold (a %00 NUL) becomes U+FFFD, as for JSON.
    params = {
        untrusted.repaired_text(name): untrusted.repaired_text(value)
        for name, value in params.items()
    }
    try:
        events = registry.adapter_for(KIND).split(params)
    except WebhookRejected as exc:
        return bad_request(f"Malformed Twilio webhook: {exc}")
    intake.inbound_events_store(routed=[(account, event) for event in events])
    return _empty_twiml()
