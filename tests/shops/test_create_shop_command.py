import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from shops.models import Membership, Role, Shop

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("create_shop", *args, stdout=out)
    return out.getvalue()


def test_prints_one_json_line_with_a_working_key():
    output = run(
        "Maison Lune", "--owner", "Owner@Example.com", "--currency", "chf", "--language", "fr"
    )

    assert output.count("\n") <= 1
    created = json.loads(output)
    assert set(created) == {"shop_id", "slug", "api_key", "set_password_url"}
    shop = Shop.objects.get(pk=created["shop_id"])
    assert (shop.slug, shop.currency, shop.language) == ("maison-lune", "CHF", "fr")
    owner = Membership.objects.get(shop=shop)
    assert (owner.user.email, owner.role) == ("owner@example.com", Role.OWNER)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['api_key']}")
    assert client.get("/api/v1/shop/").json()["name"] == "Maison Lune"


def test_the_new_owner_chooses_a_password_from_the_printed_link_and_signs_in(client):
    created = json.loads(run("Maison Lune", "--owner", "lune@example.com"))
    path = created["set_password_url"].removeprefix("http://testserver")
    path = path[path.index("/accounts/") :]
    # allauth moves the key into the session and redirects to the form.
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else path,
        {"password1": "a-new-long-password", "password2": "a-new-long-password"},
    )
    assert response.status_code == 302
    client.logout()
    signed_in = client.post(
        "/accounts/login/", {"login": "lune@example.com", "password": "a-new-long-password"}
    )
    assert signed_in.status_code == 302
    assert "Maison Lune" in client.get("/dashboard/").content.decode()
    # An owner who already has a password gets no link.
    again = json.loads(run("Atelier", "--owner", "lune@example.com"))
    assert "set_password_url" not in again


def test_same_name_gets_a_distinct_slug_and_same_owner_is_reused():
    first = json.loads(run("Atelier", "--owner", "a@example.com"))
    second = json.loads(run("Atelier", "--owner", "a@example.com"))

    assert (first["slug"], second["slug"]) == ("atelier", "atelier-2")
    assert Membership.objects.filter(user__email="a@example.com").count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["X", "--owner", "x@example.com", "--currency", "XYZ"],
            "currency: 'XYZ' is not an ISO 4217",
        ),
        (["X", "--owner", "not-an-email"], "valid email"),
        (["X", "--owner", "x@example.com", "--timezone", "Nowhere/City"], "timezone"),
    ],
)
def test_bad_arguments_are_clear_errors_and_write_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not Shop.objects.exists()
