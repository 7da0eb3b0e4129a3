"""A Telegram bot's webhook (one URL per bot: the account's id is in the path). Checks the
secret token, stores the Updates through intake (stored once, deduplicated on update_id,
processing enqueued on commit) and acknowledges, a tap's callback query answered in that
response (TelegramAdapter.webhook_answer); answers as channels_adapters.webhooks says."""

import logging

from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_adapters import intake, registry, services
from channels_adapters.base import WebhookRejected
from channels_adapters.telegram.adapter import TelegramAdapter
from channels_adapters.telegram.signature import secret_token_valid
from channels_adapters.webhooks import (
    EnvironHeaders,
    answers_503_while_database_down,
    bad_request,
    json_body,
    ok,
    read_body,
    served_directly,
    too_large,
)

logger = logging.getLogger(__name__)

# The adapter itself is asked for at request time (registry.adapter_for), not bound at import:
# the URLconf may first load while a test has the registry patched.
KIND = TelegramAdapter.kind


@served_directly
@csrf_exempt
@require_POST
@answers_503_while_database_down
def telegram_webhook(request, channel_id: int) -> HttpResponse:
    body = read_body(request)
    if body is None:
        return too_large()
    route = intake.channel_route(kind=KIND, channel_id=channel_id)
    if route is None:
        logger.warning("%s webhook for unknown channel %s dropped", KIND, channel_id)
        return ok()
    if not secret_token_valid(
        EnvironHeaders(request.META), expected_digest=route.webhook_secret_digest
    ):
        return HttpResponseForbidden("bad secret token")
    adapter = registry.adapter_for(KIND)
    try:
        events = adapter.split(json_body(body))
    except (ValueError, WebhookRejected) as exc:
        return bad_request(f"Malformed Telegram update: {exc}")
    new_ids = intake.inbound_events_store(routed=[(route, event) for event in events])
    if new_ids and any(adapter.urgent(event.payload) for event in events):
        _process_now(new_ids)
    # Stored (or stored before: a redelivery's first answer may have been lost), so the
    # platform may be told now; the call rides on this response (TelegramAdapter.webhook_answer).
    answer = adapter.webhook_answer(events[0].payload)  # split: one Update, one event
    return ok() if answer is None else JsonResponse(answer)


def _process_now(event_ids: list[int]) -> None:
    """The fast path: Telegram cancels a payment whose pre-checkout query is not answered
    within 10 seconds, whatever the queue holds. The event is stored (and queued) like any
    other, then processed in this request; the queued task finds it done. A failure here
    leaves it to the queue."""
    for event_id in event_ids:
        try:
            services.inbound_event_process(event_id=event_id)
        except Exception:
            logger.exception("fast path for inbound event %s failed; the queue retries", event_id)
