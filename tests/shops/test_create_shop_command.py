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
    assert set(created) == {"shop_id", "slug", "api_key"}
    shop = Shop.objects.get(pk=created["shop_id"])
    assert (shop.slug, shop.currency, shop.language) == ("maison-lune", "CHF", "fr")
    owner = Membership.objects.get(shop=shop)
    assert (owner.user.email, owner.role) == ("owner@example.com", Role.OWNER)

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['api_key']}")
    assert client.get("/api/v1/shop/").json()["name"] == "Maison Lune"


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
