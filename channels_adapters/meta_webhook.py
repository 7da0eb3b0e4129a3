"""The webhook of Souk's one Meta app, shared by every channel Meta delivers through it (each
channel's package has its own URL and view and passes its kind): the GET verify handshake, the
`X-Hub-Signature-256` check (signatures.meta_signature_valid) on the raw body, then the body
split by the channel's adapter and each event routed by its account id (`entry.id`) to the
connected account and stored (intake). Answers as channels_adapters.webhooks says."""

import hmac

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden

from channels_adapters import intake, registry
from channels_adapters.base import WebhookRejected, header
from channels_adapters.signatures import meta_signature_valid
from channels_adapters.webhooks import (
    EnvironHeaders,
    bad_request,
    json_body,
    ok,
    read_body,
    too_large,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"


def _handshake(request) -> HttpResponse:
    """GET hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → echo the challenge."""
    expected = settings.META_VERIFY_TOKEN
    given = request.GET.get("hub.verify_token", "")
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(given.encode(), expected.encode())
    ):
        return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
    return HttpResponseForbidden("verification failed")


def meta_webhook(request, kind: str) -> HttpResponse:
    """The view's body for channel `kind`; its package's view adds csrf_exempt, the methods
    (GET and POST) and the 503 while the database is down."""
    if request.method == "GET":
        return _handshake(request)
    body = read_body(request)
    if body is None:
        return too_large()
    if not meta_signature_valid(
        raw_body=body,
        header_value=header(EnvironHeaders(request.META), SIGNATURE_HEADER),
        app_secret=settings.META_APP_SECRET,
    ):
        return HttpResponseForbidden("bad signature")
    try:
        # Asked at request time, not bound at import: the URLconf may load while a test has
        # the registry patched.
        events = registry.adapter_for(kind).split(json_body(body))
    except (ValueError, WebhookRejected) as exc:
        return bad_request(f"Malformed {kind} webhook body: {exc}")
    routes = intake.channel_routes_by_external_id(
        kind=kind, external_ids={event.account_id for event in events}
    )
    intake.inbound_events_store(routed=intake.route_by_account_id(events, routes, kind=kind))
    return ok()
