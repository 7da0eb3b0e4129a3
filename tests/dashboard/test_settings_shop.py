"""Settings → Shop: the profile form, its errors beside the fields, the logo, the currency lock
once orders exist, and PATCH /api/v1/shop/ going through the same rules."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from catalog.services import product_create
from shops.models import Shop
from tests.conftest import client_for, image_bytes
from tests.orders.conftest import buy

URL = reverse("dashboard:settings_shop")
VALID = {
    "name": "Maison Rouge Paris",
    "language": "en",
    "currency": "usd",
    "timezone": "America/New_York",
    "contact_email": "hello@maison-rouge.example",
    "contact_phone": "+33 1 23 45 67 89",
}

pytestmark = pytest.mark.django_db


def field_errors(response, name: str) -> str:
    """The HTML of the `.field` block holding input `name`, which must be marked in error."""
    html = response.content.decode()
    marker = f'name="{name}"'
    assert marker in html, f"no field {name}"
    start = html.rfind('<div class="field', 0, html.index(marker))
    block = html[start : html.index("</div>", html.index(marker))]
    assert "has-error" in block, block
    return block


def test_the_owner_sees_the_shop_profile(owner_client, shop):
    response = owner_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Maison Rouge"' in html
    assert 'value="EUR"' in html
    assert '<option value="Europe/Paris" selected>' in html
    assert "does not convert prices" in html


def test_saving_the_profile_changes_the_shop_and_says_so(owner_client, shop):
    response = owner_client.post(URL, VALID, follow=True)

    assert response.redirect_chain == [(URL, 302)]
    assert "The shop&#x27;s profile is saved." in response.content.decode()
    shop.refresh_from_db()
    assert (shop.name, shop.language, shop.currency, shop.timezone) == (
        "Maison Rouge Paris",
        "en",
        "USD",
        "America/New_York",
    )
    assert shop.contact_email == "hello@maison-rouge.example"
    assert shop.contact_phone == "+33 1 23 45 67 89"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "XYZ", "not an ISO 4217 currency code"),
        ("currency", "EU", "at least 3 characters"),
        ("timezone", "Mars/Olympus_Mons", "Select a valid choice"),
        ("contact_email", "not-an-address", "Enter a valid email address"),
        ("name", "", "This field is required"),
        ("language", "de", "Select a valid choice"),
    ],
)
def test_bad_input_is_an_error_beside_its_field_and_nothing_changes(
    owner_client, shop, field, value, message
):
    response = owner_client.post(URL, {**VALID, field: value})

    assert response.status_code == 200
    assert message in field_errors(response, field)
    # What was typed is kept.
    assert 'value="+33 1 23 45 67 89"' in response.content.decode()
    shop.refresh_from_db()
    assert shop.name == "Maison Rouge" and shop.currency == "EUR"


def test_the_currency_is_locked_once_the_shop_has_orders(owner_client, shop):
    product = product_create(
        shop=shop, title="Sac", variants=[{"sku": "SAC", "name": "Sac", "price": 2500, "stock": 5}]
    )
    buy(shop, product.variants.get())

    page = owner_client.get(URL).content.decode()
    assert "Locked: the shop has orders in EUR" in page
    assert "readonly" in page

    response = owner_client.post(URL, VALID)

    assert response.status_code == 200
    assert "cannot change once the shop has orders" in field_errors(response, "currency")
    shop.refresh_from_db()
    assert shop.currency == "EUR" and shop.name == "Maison Rouge"

    # Other fields still save when the currency stays.
    response = owner_client.post(URL, {**VALID, "currency": "EUR"})
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.name == "Maison Rouge Paris" and shop.currency == "EUR"


def _upload(content: bytes, name="logo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_logo_is_stored_re_encoded_and_shown(owner_client, shop):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # camera make: must not survive the re-encoding
    upload = _upload(image_bytes(exif=exif))

    response = owner_client.post(URL, {**VALID, "logo": upload})

    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.logo.name.startswith(f"shops/{shop.pk}/logo/")
    with shop.logo.open("rb") as stored, Image.open(io.BytesIO(stored.read())) as image:
        assert image.format == "JPEG"
        assert image.size == (640, 480)
        assert 0x010F not in image.getexif()
    page = owner_client.get(URL).content.decode()
    assert f'src="{shop.logo.url}"' in page
    assert "Remove the logo" in page


def test_a_new_logo_replaces_the_old_file_and_can_be_removed(
    owner_client, shop, django_capture_on_commit_callbacks
):
    owner_client.post(URL, {**VALID, "logo": _upload(image_bytes())})
    shop.refresh_from_db()
    first = shop.logo.name

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, {**VALID, "logo": _upload(image_bytes(fmt="PNG"), "new.png")})
    shop.refresh_from_db()
    assert shop.logo.name != first
    assert not shop.logo.storage.exists(first)

    second = shop.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, {**VALID, "remove_logo": "on"})
    shop.refresh_from_db()
    assert not shop.logo
    assert not shop.logo.storage.exists(second)


def test_a_file_that_is_not_an_image_is_refused_beside_the_logo_field(owner_client, shop):
    response = owner_client.post(
        URL, {**VALID, "logo": _upload(b"<?php echo 1; ?>", "logo.jpg", "image/jpeg")}
    )

    assert response.status_code == 200
    assert "not a valid image" in field_errors(response, "logo")
    shop.refresh_from_db()
    assert not shop.logo and shop.name == "Maison Rouge"


@pytest.mark.parametrize("role_client", ["manager_client", "agent_client"])
def test_only_owners_reach_the_shop_settings(request, shop, role_client):
    client = request.getfixturevalue(role_client)

    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    shop.refresh_from_db()
    assert shop.name == "Maison Rouge"


def test_the_menu_links_the_settings_for_owners_only(owner_client, manager_client):
    assert f'href="{URL}"' in owner_client.get(reverse("dashboard:overview")).content.decode()
    assert f'href="{URL}"' not in manager_client.get(reverse("dashboard:overview")).content.decode()


def test_the_api_goes_through_the_same_rules(shop):
    api = client_for(shop)
    renamed = api.patch("/api/v1/shop/", {"name": "Renamed", "currency": "USD"}, format="json")
    assert renamed.status_code == 200, renamed.json()
    assert renamed.json()["currency"] == "USD"

    product = product_create(
        shop=shop, title="Sac", variants=[{"sku": "SAC", "name": "Sac", "price": 2500, "stock": 5}]
    )
    buy(shop, product.variants.get())

    refused = api.patch("/api/v1/shop/", {"currency": "EUR"}, format="json")
    assert refused.status_code == 400
    assert "cannot change once the shop has orders" in refused.json()["fields"]["currency"][0]
    bad_zone = api.patch("/api/v1/shop/", {"timezone": "Nowhere/Land"}, format="json")
    assert bad_zone.status_code == 400 and "timezone" in bad_zone.json()["fields"]
    assert Shop.objects.get(pk=shop.pk).currency == "USD"
