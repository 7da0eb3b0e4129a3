"""How long a shipping rate takes, in business days: set in Settings → Shipping or through
/api/v1/shipping-rates/ under the same rules (orders/shipping.py), and shown beside the option
on Stripe's payment page (`delivery_estimate`). Blank promises nothing."""

import pytest
from django.urls import reverse

from orders.models import ShippingRate

CREATE = reverse("dashboard:shipping_create")
API = "/api/v1/shipping-rates/"

pytestmark = pytest.mark.django_db


def _field_html(response, name: str) -> str:
    html = response.content.decode()
    at = html.index(f'name="{name}"')
    return html[html.rfind('<div class="field', 0, at) : html.index("</div>", at)]


def test_a_brand_says_how_long_a_rate_takes(manager_client, shop):
    response = manager_client.post(
        CREATE,
        {
            "name": "Colissimo",
            "kind": "flat",
            "amount": "4,90",
            "delivery_days_min": "2",
            "delivery_days_max": "4",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    created = ShippingRate.objects.for_shop(shop).get()
    assert (created.delivery_days_min, created.delivery_days_max) == (2, 4)
    edit = reverse("dashboard:shipping_edit", kwargs={"rate_id": created.pk})
    page = manager_client.get(edit).content.decode()
    assert 'name="delivery_days_min" value="2"' in page


@pytest.mark.parametrize(
    ("days", "field", "message"),
    [
        ({"delivery_days_min": "5", "delivery_days_max": "2"}, "delivery_days_max", "fewer days"),
        ({"delivery_days_min": "0"}, "delivery_days_min", "At least 1 business day"),
        ({"delivery_days_max": "deux"}, "delivery_days_max", "Enter a whole number"),
    ],
)
def test_impossible_delays_are_an_error_beside_their_field(
    manager_client, shop, days, field, message
):
    response = manager_client.post(
        CREATE, {"name": "Colissimo", "kind": "flat", "amount": "4,90", **days}
    )

    assert response.status_code == 200
    block = _field_html(response, field)
    assert "has-error" in block and message in block
    assert not ShippingRate.objects.exists()


def test_the_api_takes_and_checks_the_same_delays(api):
    created = api.post(
        API, {"name": "Chronopost", "amount": 990, "delivery_days_min": 1, "delivery_days_max": 1}
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["delivery_days_min"], created.json()["delivery_days_max"]) == (1, 1)

    backwards = api.patch(f"{API}{created.json()['id']}/", {"delivery_days_min": 3})
    assert backwards.status_code == 400
    assert "fewer days" in str(backwards.json()["fields"]["delivery_days_max"])
    zero = api.post(API, {"name": "X", "amount": 1, "delivery_days_max": 0})
    assert zero.status_code == 400 and "delivery_days_max" in zero.json()["fields"]
    assert ShippingRate.objects.get().delivery_days_min == 1
