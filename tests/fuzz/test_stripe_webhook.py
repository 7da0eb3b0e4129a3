"""Fuzzing Stripe's webhook, signed with the endpoint's secret: whatever a signed body holds,
the answer is not a server error and every event stored is processed."""

import pytest
import stripe
from hypothesis import given

from payments.models import ProviderEvent
from tests.fuzz import strategies as fuzz
from tests.fuzz.checks import assert_answered_without_error, fuzz_settings

# Real commits: the event's processing runs in process when the stored row commits.
pytestmark = pytest.mark.django_db(transaction=True)


@fuzz_settings
@given(body=fuzz.body_of(fuzz.stripe_events))
def test_stripe_events(client, fake_stripe, body):
    ProviderEvent.objects.all().delete()
    text = body.decode("utf-8", "replace")
    header = stripe.WebhookSignature.generate_signature_header(text, fake_stripe.webhook_secret)
    response = client.post(
        "/webhooks/stripe/", text, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )
    assert_answered_without_error(response)
    unprocessed = ProviderEvent.objects.filter(processed_at__isnull=True)
    assert not unprocessed.exists(), list(unprocessed.values("event_id", "type"))
