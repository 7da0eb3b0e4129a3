"""Settings → Shipping: rates listed, created and edited with amounts typed as "4,90", the
rules of orders/shipping.py (shared with the API) beside the fields, deactivate, delete,
reorder; managers and owners only; another shop's rate is a 404."""

import pytest
from django.urls import reverse

from orders.models import ShippingRate
from orders.selectors import shipping_rates

LIST = reverse("dashboard:shipping_list")
CREATE = reverse("dashboard:shipping_create")

pytestmark = pytest.mark.django_db


def edit_url(rate):
    return reverse("dashboard:shipping_edit", kwargs={"rate_id": rate.pk})


def rate(shop, name="Colissimo", **fields):
    return ShippingRate.objects.create(shop=shop, name=name, **{"amount": 490, **fields})


def names(shop):
    return list(
        ShippingRate.objects.for_shop(shop)
        .order_by("position", "id")
        .values_list("name", flat=True)
    )


def field_block(response, name: str) -> str:
    html = response.content.decode()
    at = html.index(f'name="{name}"')
    block = html[html.rfind('<div class="field', 0, at) : html.index("</div>", at)]
    assert "has-error" in block, block
    return block


def test_the_list_shows_each_rate_with_its_amounts_in_the_shop_currency(manager_client, shop):
    rate(shop, "Colissimo", amount=490)
    rate(shop, "Livraison offerte dès 60 €", kind="free_above", amount=690, free_above=6000)
    rate(shop, "Retrait boutique", kind="pickup", amount=0, is_active=False)

    response = manager_client.get(LIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Colissimo" in html and "4,90\xa0€" in html
    assert "6,90\xa0€" in html and "60,00\xa0€" in html
    assert "Pickup in store" in html and "Inactive" in html
    assert 'data-confirm="Delete “Colissimo” for good?' in html


def test_an_empty_list_says_what_to_do(manager_client):
    assert "No shipping rates yet" in manager_client.get(LIST).content.decode()


def test_a_rate_is_created_from_amounts_typed_as_people_write_them(manager_client, shop):
    response = manager_client.post(
        CREATE,
        {
            "name": "Chronopost",
            "kind": "free_above",
            "amount": "4,90",
            "free_above": "1 234,5",
            "is_active": "on",
        },
        follow=True,
    )

    assert response.redirect_chain == [(LIST, 302)]
    assert "Shipping rate “Chronopost” added." in response.content.decode()
    created = ShippingRate.objects.for_shop(shop).get()
    assert (created.kind, created.amount, created.free_above, created.is_active) == (
        "free_above",
        490,
        123450,
        True,
    )


def test_new_rates_go_last(manager_client, shop):
    rate(shop, "First", position=4)
    manager_client.post(CREATE, {"name": "Second", "kind": "flat", "amount": "1"})
    assert names(shop) == ["First", "Second"]


def test_a_pickup_rate_needs_no_cost(manager_client, shop):
    response = manager_client.post(CREATE, {"name": "Retrait", "kind": "pickup", "amount": ""})

    assert response.status_code == 302
    assert ShippingRate.objects.for_shop(shop).get().amount == 0


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "free_above", "amount": "4,90", "free_above": ""}, "free_above", "free_above"),
        ({"kind": "flat", "amount": "quatre euros"}, "amount", "Enter an amount"),
        ({"kind": "flat", "amount": "-4,90"}, "amount", "cannot be negative"),
        ({"kind": "flat", "amount": ""}, "amount", "Enter the cost, such as 4,90"),
        ({"kind": "express", "amount": "4,90"}, "kind", "Select a valid choice"),
        ({"kind": "flat", "amount": "4,90", "name": ""}, "name", "This field is required"),
    ],
)
def test_bad_input_is_an_error_beside_its_field(manager_client, shop, data, field, message):
    response = manager_client.post(CREATE, {"name": "Colissimo", **data})

    assert response.status_code == 200
    assert message in field_block(response, field)
    assert not ShippingRate.objects.exists()


def test_editing_shows_amounts_as_typed_and_saves_changes(manager_client, shop):
    colissimo = rate(shop, amount=490)

    page = manager_client.get(edit_url(colissimo)).content.decode()
    assert 'value="4,90"' in page

    response = manager_client.post(
        edit_url(colissimo),
        {"name": "Colissimo 48 h", "kind": "free_above", "amount": "5,5", "free_above": "50"},
    )

    assert response.status_code == 302
    colissimo.refresh_from_db()
    assert colissimo.name == "Colissimo 48 h"
    assert (colissimo.amount, colissimo.free_above, colissimo.is_active) == (550, 5000, False)


def test_an_edit_breaking_a_rule_changes_nothing(manager_client, shop):
    colissimo = rate(shop, amount=490)

    response = manager_client.post(
        edit_url(colissimo),
        {"name": "Renamed", "kind": "free_above", "amount": "4,90", "is_active": "on"},
    )

    assert "free_above" in field_block(response, "free_above")
    assert 'value="Renamed"' in response.content.decode()
    colissimo.refresh_from_db()
    assert (colissimo.name, colissimo.kind) == ("Colissimo", "flat")


def test_deactivating_and_reactivating(manager_client, shop):
    colissimo = rate(shop)
    url = reverse("dashboard:shipping_active", kwargs={"rate_id": colissimo.pk})
    assert 'data-confirm="Stop offering “Colissimo”?' in manager_client.get(LIST).content.decode()

    response = manager_client.post(url, {"active": "0"}, follow=True)

    assert "“Colissimo” is no longer offered." in response.content.decode()
    assert list(shipping_rates(shop=shop)) == []
    manager_client.post(url, {"active": "1"})
    assert list(shipping_rates(shop=shop)) == [colissimo]


def test_deleting_a_rate(manager_client, shop):
    colissimo = rate(shop)
    keep = rate(shop, "Retrait", kind="pickup", amount=0)

    response = manager_client.post(
        reverse("dashboard:shipping_delete", kwargs={"rate_id": colissimo.pk}), follow=True
    )

    assert "Shipping rate “Colissimo” deleted." in response.content.decode()
    assert list(ShippingRate.objects.for_shop(shop)) == [keep]


def test_arrows_reorder_the_rates(manager_client, shop):
    # Rates created through the API may share a position: the arrows still work.
    a = rate(shop, "A")
    rate(shop, "B")
    c = rate(shop, "C")

    def move(r, direction):
        url = reverse("dashboard:shipping_move", kwargs={"rate_id": r.pk})
        assert manager_client.post(url, {"direction": direction}).status_code == 302

    move(c, "up")
    assert names(shop) == ["A", "C", "B"]
    move(a, "down")
    assert names(shop) == ["C", "A", "B"]
    move(c, "up")  # already first: nothing moves
    assert names(shop) == ["C", "A", "B"]
    assert [r.name for r in shipping_rates(shop=shop)] == ["C", "A", "B"]


def test_the_owner_manages_shipping_too(owner_client, shop):
    assert owner_client.get(LIST).status_code == 200
    assert (
        owner_client.post(CREATE, {"name": "X", "kind": "flat", "amount": "1"}).status_code == 302
    )


def test_agents_cannot_see_or_change_shipping(agent_client, shop):
    colissimo = rate(shop)
    assert agent_client.get(LIST).status_code == 403
    assert agent_client.get(edit_url(colissimo)).status_code == 403
    assert (
        agent_client.post(CREATE, {"name": "X", "kind": "flat", "amount": "1"}).status_code == 403
    )
    delete = reverse("dashboard:shipping_delete", kwargs={"rate_id": colissimo.pk})
    assert agent_client.post(delete).status_code == 403
    assert ShippingRate.objects.for_shop(shop).get() == colissimo


@pytest.mark.parametrize(
    "name", ["shipping_edit", "shipping_active", "shipping_move", "shipping_delete"]
)
def test_another_shops_rate_is_not_found(manager_client, other_shop, name):
    theirs = rate(other_shop, amount=500)
    url = reverse(f"dashboard:{name}", kwargs={"rate_id": theirs.pk})

    assert manager_client.get(url).status_code == 404
    assert (
        manager_client.post(url, {"name": "Mine", "kind": "flat", "amount": "0"}).status_code == 404
    )
    theirs.refresh_from_db()
    assert (theirs.name, theirs.amount, theirs.is_active) == ("Colissimo", 500, True)


def test_the_list_runs_the_same_queries_for_3_or_40_rates(
    manager_client, shop, django_assert_max_num_queries
):
    for n in range(3):
        rate(shop, f"Rate {n}")
    with django_assert_max_num_queries(14) as few:
        assert manager_client.get(LIST).status_code == 200
    for n in range(3, 40):
        rate(shop, f"Rate {n}", kind="free_above", free_above=5000)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Rate 39" in manager_client.get(LIST).content.decode()


def test_the_api_keeps_its_rules(api, shop):
    missing = api.post("/api/v1/shipping-rates/", {"name": "X", "kind": "free_above"})
    assert missing.status_code == 400 and "free_above" in missing.json()["fields"]

    created = api.post("/api/v1/shipping-rates/", {"name": "Flat", "amount": 490}).json()
    patched = api.patch(f"/api/v1/shipping-rates/{created['id']}/", {"kind": "free_above"})
    assert patched.status_code == 400 and "free_above" in patched.json()["fields"]
    assert ShippingRate.objects.get(pk=created["id"]).kind == "flat"

    assert api.delete(f"/api/v1/shipping-rates/{created['id']}/").status_code == 204
    assert not ShippingRate.objects.exists()
