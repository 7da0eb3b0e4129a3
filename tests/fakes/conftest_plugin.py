"""Pytest fixtures: one running fake per test, its base URL in `fake.url`.

    settings.TELEGRAM_API_URL = fake_telegram.url   # token: fake_telegram.token
    settings.META_GRAPH_URL = fake_graph.url        # fake_graph.access_token, .phone_number_id
    settings.TWILIO_API_URL = fake_twilio.url       # fake_twilio.account_sid, .auth_token
    fake_stripe sets STRIPE_API_BASE, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET itself

Register with `pytest_plugins = ["tests.fakes.conftest_plugin"]` in the root conftest, or import
the fixtures into a test module.
"""

import pytest

from tests.fakes.graph import FakeGraph
from tests.fakes.stripe import FakeStripe
from tests.fakes.telegram import FakeTelegram
from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def fake_telegram():
    with FakeTelegram() as fake:
        yield fake


@pytest.fixture
def fake_graph():
    with FakeGraph() as fake:
        yield fake


@pytest.fixture
def fake_twilio(monkeypatch):
    # the twilio client rewrites the host when an edge or region is configured
    monkeypatch.delenv("TWILIO_EDGE", raising=False)
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def fake_stripe(settings):
    """A running fake Stripe with the settings pointing at it (Stripe becomes the default
    payment provider, as with a real key)."""
    from payments.providers.stripe import stripe_client_reset

    with FakeStripe() as fake:
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_SECRET_KEY = fake.secret_key
        settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
        stripe_client_reset()
        yield fake
    stripe_client_reset()
