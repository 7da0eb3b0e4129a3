"""A shipping rate's name in the shop's other languages ("Retrait en boutique" / "Pickup in
store"): written through the API and the dashboard's rate form, refused with a message naming
the field when wrong, and read for a shopper in their language (the shop's own name where
none was written)."""

import pytest
from django.urls import reverse

from orders.models import ShippingRate
from orders.translations import rate_name
from shops.models import Membership, Role

pytestmark = pytest.mark.django_db

PICKUP = {
    "name": "Retrait en boutique",
    "translations": {"en": {"name": "Pickup in store"}},
    "kind": "pickup",
}


def test_the_api_stores_and_returns_a_rates_name_in_both_languages(api):
    created = api.post("/api/v1/shipping-rates/", PICKUP, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["translations"] == {"en": {"name": "Pickup in store"}}
    rate = ShippingRate.objects.get()
    assert rate_name(rate, "en") == "Pickup in store"
    assert rate_name(rate, "fr") == "Retrait en boutique"

    cleared = api.patch(f"/api/v1/shipping-rates/{rate.pk}/", {"translations": {}}, format="json")

    assert cleared.status_code == 200
    assert api.get(f"/api/v1/shipping-rates/{rate.pk}/").json()["translations"] == {}
    rate.refresh_from_db()
    assert rate_name(rate, "en") == "Retrait en boutique"  # the shop's, rather than nothing


@pytest.mark.parametrize(
    "translations, fragment",
    [
        ({"fr": {"name": "Retrait"}}, "shop's own language"),
        ({"de": {"name": "Abholung"}}, "Unknown language"),
        ({"en": {"description": "In Paris"}}, "not translatable"),
        ({"en": {"name": "x" * 61}}, "longer than 60"),
    ],
)
def test_a_bad_rate_translation_is_a_400_naming_the_field(api, translations, fragment):
    response = api.post(
        "/api/v1/shipping-rates/", {**PICKUP, "translations": translations}, format="json"
    )

    assert response.status_code == 400
    assert fragment in " ".join(response.json()["fields"]["translations"])
    assert not ShippingRate.objects.exists()


def test_the_rate_form_writes_the_english_name_beside_the_french(client, shop):
    client.force_login(Membership.objects.get(shop=shop, role=Role.OWNER).user)
    create = reverse("dashboard:shipping_create")
    form = {"name": "Retrait en boutique", "kind": "pickup", "is_active": "on"}

    page = client.get(create).content.decode()
    assert 'name="name_en"' in page and "Name in English" in page

    refused = client.post(create, {**form, "name_en": "x" * 61})

    assert refused.status_code == 200  # the form again
    html = refused.content.decode()
    at = html.index('name="name_en"')
    block = html[html.rfind('<div class="field', 0, at) : html.index("</div>", at)]
    assert "has-error" in block and "at most 60 characters" in block
    assert not ShippingRate.objects.exists()

    saved = client.post(create, {**form, "name_en": "Pickup in store"})

    assert saved.status_code == 302
    rate = ShippingRate.objects.get()
    assert rate.translations == {"en": {"name": "Pickup in store"}}
    edit = reverse("dashboard:shipping_edit", kwargs={"rate_id": rate.pk})
    assert 'value="Pickup in store"' in client.get(edit).content.decode()

    client.post(edit, {**form, "name_en": ""})  # blank: the translation goes

    rate.refresh_from_db()
    assert rate.translations == {}
