"""Signed-in dashboard clients, one per role, for the `shop` fixture (Maison Rouge, EUR, fr)."""

import pytest
from django.test import Client

from shops.models import Membership, Role, User

PASSWORD = "a-long-test-password"


def member(shop, role: str, email: str | None = None) -> User:
    email = email or f"{role}-{shop.pk}@example.com"
    user = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD)
    Membership.objects.update_or_create(shop=shop, user=user, defaults={"role": role})
    return user


def signed_in(user) -> Client:
    # enforce_csrf_checks: a form that forgets {% csrf_token %} fails its test.
    client = Client(enforce_csrf_checks=False)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def dashboard_client(shop):
    """dashboard_client("manager") → a Client signed in as a manager of `shop`."""

    def make(role: str = Role.OWNER, *, of=None) -> Client:
        return signed_in(member(of or shop, role))

    return make


@pytest.fixture
def owner_client(dashboard_client):
    return dashboard_client(Role.OWNER)


@pytest.fixture
def manager_client(dashboard_client):
    return dashboard_client(Role.MANAGER)


@pytest.fixture
def agent_client(dashboard_client):
    return dashboard_client(Role.AGENT)
