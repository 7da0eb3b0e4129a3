import pytest
from django.utils import timezone

from shops.models import ApiKey
from shops.rest.throttling import ApiKeyRateThrottle
from shops.services import api_key_create, api_key_revoke
from tests.conftest import PRODUCT_BODY, client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer souk_not-a-real-key",
        "Bearer not-even-prefixed",
        "Token abc",
        "Bearer",
        "Bearer two words",
    ],
)
def test_missing_or_wrong_key_is_401(client, shop, header):
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get("/api/v1/products/", **kwargs)

    assert response.status_code == 401
    assert response.json()["error"] in ("not_authenticated", "authentication_failed")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_revoked_key_is_401(api, shop):
    assert api.get("/api/v1/products/").status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get(shop=shop, name="tests"))

    response = api.get("/api/v1/products/")

    assert response.status_code == 401
    assert response.json()["message"] == "Unknown or revoked API key."


def test_read_only_key_reads_but_cannot_write(shop):
    reader = client_for(shop, read_only=True)

    assert reader.get("/api/v1/products/").status_code == 200
    response = reader.post("/api/v1/products/", PRODUCT_BODY, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "This API key is read-only."
    assert reader.patch("/api/v1/shop/", {"name": "x"}, format="json").status_code == 403
    assert reader.post("/api/v1/api-keys/", {"name": "escalate"}, format="json").status_code == 403


def test_key_is_stored_only_as_a_digest_with_a_visible_prefix(shop):
    key, raw = api_key_create(shop=shop, name="erp")

    stored = ApiKey.objects.get(pk=key.pk)
    assert raw not in {stored.digest, stored.prefix, stored.name}
    assert raw.startswith(stored.prefix)
    assert len(stored.prefix) < len(raw) // 3


def test_last_used_at_is_recorded(api, shop):
    api.get("/api/v1/products/")
    assert ApiKey.objects.get(shop=shop, name="tests").last_used_at is not None


def test_api_key_lifecycle_over_the_api(api):
    created = api.post("/api/v1/api-keys/", {"name": "Shopify sync", "read_only": True})
    assert created.status_code == 201
    raw = created.json()["key"]

    listed = api.get("/api/v1/api-keys/").json()["results"]
    assert {k["name"] for k in listed} == {"tests", "Shopify sync"}
    assert all("key" not in k and "digest" not in k for k in listed)

    new_client = type(api)()
    new_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert new_client.get("/api/v1/products/").status_code == 200

    revoked = api.delete(f"/api/v1/api-keys/{created.json()['id']}/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert new_client.get("/api/v1/products/").status_code == 401


def test_throttle_per_key(shop, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "3/min"})
    first, second = client_for(shop), client_for(shop)

    statuses = [first.get("/api/v1/products/").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    throttled = first.get("/api/v1/products/")
    assert throttled.json()["error"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert second.get("/api/v1/products/").status_code == 200  # its own budget


def test_revoked_keys_stay_listed_with_their_date(api, shop):
    key, _ = api_key_create(shop=shop, name="old")
    api_key_revoke(api_key=key)
    listed = {k["name"]: k for k in api.get("/api/v1/api-keys/").json()["results"]}
    assert listed["old"]["revoked_at"] is not None
    assert listed["old"]["revoked_at"] <= timezone.now().isoformat()
