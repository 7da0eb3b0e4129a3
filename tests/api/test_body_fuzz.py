"""Arbitrary JSON bodies at the API's main writes (products, variants' stock, order actions,
shipping rates, webhook endpoints, channels): never a 5xx, and a refused request leaves every
table as it was.

Bodies mix the fields each endpoint knows with values of every JSON type (huge numbers, nested
containers, odd Unicode), so most reach the serializers and services, not just the parser.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.models import Category, Product, StockAdjustment, Variant
from channels_adapters.models import ChannelAccount
from orders.models import Order, OrderEvent, ShippingRate
from payments.models import Refund
from shops.models import WebhookEndpoint
from tests.api.seed import seeded_shop
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Every platform is reached at a closed local port: connecting a channel fails fast.
CLOSED_PORT = "http://127.0.0.1:9"

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["", "https://example.com/x", "order.paid", "telegram", "flat", "6A1"])
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def bodies(*fields: str):
    known = st.dictionaries(st.sampled_from(fields), json_values, max_size=len(fields))
    return known | json_values


VARIANT_FIELDS = ("sku", "name", "price", "stock", "options", "track_stock", "position", "id")
WRITES = {
    "create a product": (
        "post",
        "/api/v1/products/",
        bodies("title", "description", "category", "tags", "active", "variants")
        | st.fixed_dictionaries(
            {
                "title": st.text(max_size=30),
                "variants": st.lists(bodies(*VARIANT_FIELDS), max_size=3),
            }
        ),
    ),
    "change a product": (
        "patch",
        "/api/v1/products/{products}/",
        bodies("title", "category", "tags", "active", "variants")
        | st.fixed_dictionaries({"variants": st.lists(bodies(*VARIANT_FIELDS), max_size=3)}),
    ),
    "adjust stock": ("post", "/api/v1/variants/{variants}/stock/", bodies("delta")),
    "ship an order": (
        "post",
        "/api/v1/orders/{orders}/fulfil/",
        bodies("tracking_number", "tracking_url"),
    ),
    "cancel an order": ("post", "/api/v1/orders/{orders}/cancel/", bodies("reason")),
    "refund an order": ("post", "/api/v1/orders/{orders}/refund/", bodies("amount", "reason")),
    "create a shipping rate": (
        "post",
        "/api/v1/shipping-rates/",
        bodies("name", "kind", "amount", "free_above", "is_active", "position"),
    ),
    "create a webhook endpoint": (
        "post",
        "/api/v1/webhooks/",
        bodies("url", "events", "description", "is_active"),
    ),
    "change a webhook endpoint": (
        "patch",
        "/api/v1/webhooks/{webhooks}/",
        bodies("url", "events", "description", "is_active"),
    ),
    "connect a channel": (
        "post",
        "/api/v1/channels/",
        bodies("kind", "credentials", "external_id", "name"),
    ),
}


def tables() -> dict:
    """Everything an API write can change, as comparable values."""
    return {
        "products": list(Product.objects.order_by("id").values()),
        "variants": list(Variant.objects.order_by("id").values()),
        "categories": Category.objects.count(),
        "stock adjustments": StockAdjustment.objects.count(),
        "orders": list(Order.objects.order_by("id").values()),
        "order events": OrderEvent.objects.count(),
        "refunds": list(Refund.objects.order_by("id").values("id", "amount", "state")),
        "shipping rates": list(ShippingRate.objects.order_by("id").values()),
        "webhook endpoints": list(
            WebhookEndpoint.objects.order_by("id").values("id", "url", "events", "is_active")
        ),
        "channels": ChannelAccount.objects.count(),
    }


@pytest.fixture
def world(db, settings):
    settings.TELEGRAM_API_URL = CLOSED_PORT
    settings.META_GRAPH_URL = CLOSED_PORT
    settings.TWILIO_API_URL = CLOSED_PORT
    seeded = seeded_shop()
    return seeded, client_for(seeded.shop)


@pytest.mark.parametrize("write", list(WRITES))
def test_any_body_is_answered_below_500_and_a_refusal_writes_nothing(world, write):
    seeded, api = world
    method, path, strategy = WRITES[write]

    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(body=strategy, pick=st.integers(min_value=0))
    def send(body, pick):
        url = path
        for collection, ids in seeded.ids.items():
            if ids:
                url = url.replace("{" + collection + "}", str(ids[pick % len(ids)]))
        before = tables()
        response = getattr(api, method)(url, body, format="json")
        assert response.status_code < 500, (url, body, response.content)
        assert response["Content-Type"].startswith("application/json")
        if response.status_code >= 400:
            assert "error" in response.json(), response.content
            assert tables() == before, (url, body, response.json())

    send()
