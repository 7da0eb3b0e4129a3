"""POST /webhooks/stripe/ (the platform's Stripe account) and /webhooks/stripe/<shop id>/ (a
shop's own account): verify, store, acknowledge. Nothing else happens in the request
(DESIGN.md, "How a message flows"); payments/stripe_events.py does the rest in a task.

Answers: 413 body over 1 MiB; 403 missing or bad `Stripe-Signature` (or a timestamp more than
300 s old), nothing stored; 400 a signed body that is not a Stripe event (or not JSON within
`shops.untrusted`'s limits: nesting, size, non-finite numbers); 200 otherwise,
including for an event seen before (stored once, keyed on Stripe's event id) and for types we
do not act on, so Stripe stops redelivering them.
"""

import logging

import stripe
from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments import stripe_events
from payments.selectors import stripe_webhook_secret
from shops import untrusted
from shops.http import body_within

logger = logging.getLogger(__name__)

SIGNATURE_TOLERANCE_SECONDS = 300
EVENT_ID_MAX = 120  # ProviderEvent.event_id
EVENT_TYPE_MAX = 80  # ProviderEvent.type


def _bad_request(message: str) -> HttpResponse:
    return JsonResponse({"error": "bad_request", "message": message}, status=400)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """The platform's Stripe account (STRIPE_SECRET_KEY): signed with STRIPE_WEBHOOK_SECRET."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        logger.error("stripe webhook received but STRIPE_WEBHOOK_SECRET is not set")
    return _receive(request, secret=secret, shop_id=None)


@csrf_exempt
@require_POST
def stripe_shop_webhook(request, shop_id: int):
    """/webhooks/stripe/<shop id>/: a shop's own Stripe account, signed with the secret the
    shop entered in its payment settings. An unknown shop, or one without a secret, gets the
    same 403 as a bad signature: the answer says nothing about which shops exist."""
    secret = stripe_webhook_secret(shop_id=shop_id)
    if not secret:
        logger.warning("stripe webhook for shop %s, which has no signing secret", shop_id)
    return _receive(request, secret=secret, shop_id=shop_id)


def _receive(request, *, secret: str, shop_id: int | None) -> HttpResponse:
    body = body_within(request, settings.SOUK_WEBHOOK_MAX_BYTES)
    if body is None:
        return JsonResponse({"error": "payload_too_large"}, status=413)
    signature = request.headers.get("Stripe-Signature", "")
    # stripe's check compares str with hmac.compare_digest, which raises on non-ASCII: a header
    # Stripe never sends, so simply a bad signature.
    if not signature or not secret or not signature.isascii():
        return HttpResponseForbidden("bad signature")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:  # Stripe signs UTF-8 text: this cannot carry a valid signature
        return HttpResponseForbidden("bad signature")
    try:
        # What stripe.Webhook.construct_event checks (HMAC-SHA256 of "t.body", 300 s), without
        # its parsing, which fails with an AttributeError on a signed body that is not an object.
        stripe.WebhookSignature.verify_header(
            text, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError:
        return HttpResponseForbidden("bad signature")
    try:
        # Signed by Stripe, so kept: what storage cannot hold becomes U+FFFD.
        payload = untrusted.loads(text, repair=True)
    except untrusted.UntrustedInput as exc:
        return _bad_request(f"Malformed Stripe event: {exc}")
    if not isinstance(payload, dict) or payload.get("object") != "event":
        return _bad_request("The body is not a Stripe event object.")
    event_id, event_type = payload.get("id"), payload.get("type")
    if not (isinstance(event_id, str) and event_id and isinstance(event_type, str)):
        return _bad_request("A Stripe event needs an id and a type.")
    if len(event_id) > EVENT_ID_MAX or len(event_type) > EVENT_TYPE_MAX:
        # Stripe's are ~30 characters; the columns hold what Stripe documents, not more.
        return _bad_request("A Stripe event's id or type is longer than Stripe's.")
    stripe_events.stripe_event_store(
        event_id=event_id, type=event_type, payload=payload, shop_id=shop_id
    )
    return JsonResponse({"received": True})
