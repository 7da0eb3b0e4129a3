"""Settings → API keys: create (the key shown once), list, revoke; owners only."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from shops.models import ApiKey
from shops.secret_once import SESSION_KEY
from shops.services import api_key_create, api_key_revoke
from tests.conftest import PRODUCT_BODY

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:api_key_list")
KEY_PATTERN = re.compile(r"souk_[\w-]{40,}")


def revoke_url(api_key) -> str:
    return reverse("dashboard:api_key_revoke", kwargs={"key_id": api_key.pk})


def api_with(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return client


def create(client, name="ERP sync", read_only=False) -> str:
    """Creates a key through the page and returns it as the page after the redirect shows it."""
    data = {"name": name, **({"read_only": "on"} if read_only else {})}
    response = client.post(LIST, data)
    assert response.status_code == 302 and response["Location"] == LIST
    page = client.get(LIST)
    [raw_key] = KEY_PATTERN.findall(page.content.decode())
    return raw_key


def test_a_new_key_is_shown_once_and_opens_the_api(owner_client, shop):
    response = owner_client.post(LIST, {"name": "ERP sync"})
    assert response.status_code == 302

    page = owner_client.get(LIST)
    html = page.content.decode()
    [raw_key] = KEY_PATTERN.findall(html)
    assert f'<p class="secret" id="new-key-secret">{raw_key}</p>' in html
    assert "it will not be shown again" in html
    assert "no-store" in page["Cache-Control"]
    api_key = ApiKey.objects.get(shop=shop)
    assert api_key.name == "ERP sync" and api_key.created_by == owner_client.user
    assert not api_key.read_only and raw_key.startswith(api_key.prefix)

    again = owner_client.get(LIST).content.decode()
    assert raw_key not in again
    assert "ERP sync" in again and f"{api_key.prefix}…" in again

    assert api_with(raw_key).get("/api/v1/products/").status_code == 200
    assert (
        api_with(raw_key).post("/api/v1/products/", PRODUCT_BODY, format="json").status_code == 201
    )


def test_the_key_waits_encrypted_in_the_session_never_in_clear(owner_client):
    owner_client.post(LIST, {"name": "ERP sync"})
    stored = [s.session_data for s in Session.objects.all()]
    kept = owner_client.session[SESSION_KEY]

    raw_key = KEY_PATTERN.findall(owner_client.get(LIST).content.decode())[0]

    assert raw_key not in kept and "souk_" not in kept
    assert all(raw_key not in data for data in stored)
    assert SESSION_KEY not in owner_client.session


def test_a_read_only_key_reads_but_cannot_write(owner_client, shop):
    raw_key = create(owner_client, name="Reporting", read_only=True)

    assert ApiKey.objects.get(shop=shop).read_only
    assert api_with(raw_key).get("/api/v1/products/").status_code == 200
    response = api_with(raw_key).post("/api/v1/products/", PRODUCT_BODY, format="json")
    assert response.status_code == 403
    assert "Read-only" in owner_client.get(LIST).content.decode()


def test_revoking_stops_the_key_at_once(owner_client, shop):
    raw_key = create(owner_client)
    api_key = ApiKey.objects.get(shop=shop)
    page = owner_client.get(LIST).content.decode()
    assert f'action="{revoke_url(api_key)}"' in page
    assert "Every integration using it stops working at once" in page

    response = owner_client.post(revoke_url(api_key), follow=True)

    assert response.redirect_chain == [(LIST, 302)]
    assert "revoked: it no longer opens the API" in response.content.decode()
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_with(raw_key).get("/api/v1/products/").status_code == 401
    assert f'action="{revoke_url(api_key)}"' not in response.content.decode()


def test_revoke_is_a_post_and_another_shops_key_is_not_found(owner_client, shop, other_shop):
    mine, _ = api_key_create(shop=shop, name="mine")
    theirs, _ = api_key_create(shop=other_shop, name="theirs")

    assert owner_client.get(revoke_url(mine)).status_code == 405
    assert owner_client.post(revoke_url(theirs)).status_code == 404
    assert owner_client.post(reverse("dashboard:api_key_revoke", args=[99999])).status_code == 404
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.revoked_at is None and mine.revoked_at is None
    assert "theirs" not in owner_client.get(LIST).content.decode()


def test_revoking_twice_keeps_the_first_date(owner_client, shop):
    api_key, _ = api_key_create(shop=shop, name="old")
    api_key_revoke(api_key=api_key)
    first = ApiKey.objects.get(pk=api_key.pk).revoked_at

    owner_client.post(revoke_url(api_key))

    assert ApiKey.objects.get(pk=api_key.pk).revoked_at == first


def test_a_blank_name_is_an_error_beside_the_field(owner_client, shop):
    response = owner_client.post(LIST, {"name": "  ", "read_only": "on"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="field has-error"' in html and "This field is required." in html
    assert not ApiKey.objects.filter(shop=shop).exists()


def test_names_are_escaped(owner_client, shop):
    api_key_create(shop=shop, name='<img src=x onerror="alert(1)">')

    html = owner_client.get(LIST).content.decode()

    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


@pytest.mark.parametrize("role", ["manager", "agent"])
def test_only_owners_manage_keys(dashboard_client, shop, role):
    client = dashboard_client(role)
    api_key, _ = api_key_create(shop=shop, name="existing")

    assert client.get(LIST).status_code == 403
    assert client.post(LIST, {"name": "sneaky"}).status_code == 403
    assert client.post(revoke_url(api_key)).status_code == 403
    assert list(ApiKey.objects.filter(shop=shop).values_list("name", "revoked_at")) == [
        ("existing", None)
    ]


def test_signed_out_is_sent_to_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_is_paginated_with_flat_queries(owner_client, shop, django_assert_max_num_queries):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(LIST).status_code == 200
        return len(captured)

    for n in range(3):
        api_key_create(shop=shop, name=f"key {n}", created_by=owner_client.user)
    few = count_queries()
    for n in range(3, 60):
        api_key_create(shop=shop, name=f"key {n}", created_by=owner_client.user)

    with django_assert_max_num_queries(14):
        page = owner_client.get(LIST)
    assert count_queries() == few
    html = page.content.decode()
    assert "key 59" in html and "key 34" not in html and "Page 1 of 3" in html
    assert "key 34" in owner_client.get(LIST + "?page=2").content.decode()
