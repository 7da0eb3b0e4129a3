"""The staff back office's API keys: adding one makes a working key (through api_key_create),
shown once on the page answering the form; a key cannot move to another shop; revoking is an
action."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from rest_framework.test import APIClient

from shops.models import ApiKey, User
from shops.services import api_key_create

pytestmark = pytest.mark.django_db

ADD = reverse("admin:shops_apikey_add")
CHANGELIST = reverse("admin:shops_apikey_changelist")
KEY_PATTERN = re.compile(r"souk_[\w-]{40,}")


@pytest.fixture
def staff(client):
    admin = User.objects.create_superuser("staff@example.com", "a-long-staff-password")
    client.force_login(admin)
    client.user = admin
    return client


def bearer(raw_key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return api


def test_the_add_form_asks_only_what_a_person_chooses(staff):
    html = staff.get(ADD).content.decode()

    assert 'name="shop"' in html and 'name="name"' in html and 'name="read_only"' in html
    assert 'name="digest"' not in html and 'name="prefix"' not in html


def test_adding_a_key_makes_a_working_key_shown_once(staff, shop):
    response = staff.post(ADD, {"shop": shop.pk, "name": "Support tool", "read_only": "on"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    [raw_key] = KEY_PATTERN.findall(response.content.decode())
    api_key = ApiKey.objects.get()
    assert api_key.shop == shop and api_key.name == "Support tool" and api_key.read_only
    assert api_key.created_by == staff.user and raw_key.startswith(api_key.prefix)
    assert raw_key not in (api_key.digest, api_key.prefix)

    assert bearer(raw_key).get("/api/v1/products/").status_code == 200
    assert bearer(raw_key).post("/api/v1/products/", {}, format="json").status_code == 403
    for page in (CHANGELIST, reverse("admin:shops_apikey_change", args=[api_key.pk])):
        assert raw_key not in staff.get(page).content.decode()
    entry = LogEntry.objects.get(object_id=str(api_key.pk))
    assert entry.is_addition() and entry.user == staff.user


def test_a_key_cannot_be_moved_to_another_shop(staff, shop, other_shop):
    api_key, raw_key = api_key_create(shop=shop, name="ERP")
    change = reverse("admin:shops_apikey_change", args=[api_key.pk])

    response = staff.post(change, {"shop": other_shop.pk, "name": "ERP renamed", "read_only": ""})

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.shop == shop and api_key.name == "ERP renamed"
    assert bearer(raw_key).get("/api/v1/shop/").json()["id"] == shop.pk


def test_revoking_from_the_list(staff, shop):
    api_key, raw_key = api_key_create(shop=shop, name="ERP")

    response = staff.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [api_key.pk]}, follow=True
    )

    assert "1 key(s) revoked." in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert bearer(raw_key).get("/api/v1/products/").status_code == 401
