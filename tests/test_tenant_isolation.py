"""Shop B's key names shop A's objects: every endpoint answers 404 and changes nothing;
no list ever shows them; references to them in a body read like ids that do not exist."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Category, Product, ProductImage, Variant
from catalog.services import category_create, image_add, product_create
from conversations.models import Customer
from orders.checkout import checkout_complete, checkout_start
from orders.models import Order, ShippingRate
from orders.services import cart_add, cart_open
from shops.models import ApiKey, WebhookEndpoint
from shops.services import api_key_create
from shops.webhooks.services import webhook_endpoint_create
from tests.conftest import image_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(shop, django_capture_on_commit_callbacks):
    """Shop A's objects, one of each kind."""
    category = category_create(shop=shop, name="Robes")
    product = product_create(
        shop=shop,
        title="Robe secrète",
        category=category,
        variants=[{"sku": "SECRET-1", "name": "38", "price": 9900, "stock": 4}],
    )
    with django_capture_on_commit_callbacks(execute=True):
        image = image_add(product=product, upload=SimpleUploadedFile("a.jpg", image_bytes()))
    key, _ = api_key_create(shop=shop, name="A's key")
    webhook, _ = webhook_endpoint_create(
        shop=shop, url="https://a.example.com/hooks", events=["order.paid"]
    )
    rate = ShippingRate.objects.create(shop=shop, name="Colissimo", amount=490)
    customer = Customer.objects.create(shop=shop, name="A's customer")
    cart = cart_open(shop=shop, owner_key=f"customer:{customer.pk}")
    cart_add(cart=cart, variant=product.variants.get(), quantity=1)
    order = checkout_complete(
        checkout=checkout_start(cart=cart, customer=customer), require_details=False
    )
    return {
        "shipping-rates": rate.pk,
        "orders": order.pk,
        "customers": customer.pk,
        "products": product.pk,
        "variants": product.variants.get().pk,
        "categories": category.pk,
        "images": image.pk,
        "api-keys": key.pk,
        "webhooks": webhook.pk,
    }


WRITE_BODIES = {
    "products": {"title": "pwned"},
    "variants": {"price": 1},
    "categories": {"name": "pwned"},
    "images": {"alt": "pwned"},
    "api-keys": {"name": "pwned"},
    "webhooks": {"url": "https://evil.example.com/", "events": ["order.paid"]},
    "shipping-rates": {"amount": 0},
}
READ_ONLY = ["orders", "customers"]  # written through actions only (see below)

MATRIX = [
    (resource, method)
    for resource in WRITE_BODIES
    for method in ("get", "put", "patch", "delete")
    if not (resource in ("images", "api-keys") and method == "put")
    if not (resource == "api-keys" and method == "patch")
]


def snapshot():
    return (
        list(Product.objects.order_by("id").values_list("id", "title")),
        list(Variant.objects.order_by("id").values_list("id", "price", "stock")),
        list(Category.objects.order_by("id").values_list("id", "name")),
        list(ProductImage.objects.order_by("id").values_list("id", "alt")),
        list(ApiKey.objects.order_by("id").values_list("id", "name", "revoked_at")),
        list(WebhookEndpoint.objects.order_by("id").values_list("id", "url", "events")),
        list(ShippingRate.objects.order_by("id").values_list("id", "amount")),
        list(
            Order.objects.order_by("id").values_list(
                "id", "status", "payment_status", "fulfillment_status"
            )
        ),
    )


@pytest.mark.parametrize(("resource", "method"), MATRIX)
def test_other_shops_object_is_404_and_untouched(victim, other_api, resource, method):
    before = snapshot()
    url = f"/api/v1/{resource}/{victim[resource]}/"

    response = getattr(other_api, method)(url, WRITE_BODIES[resource], format="json")

    assert response.status_code == 404, (resource, method, response.content)
    assert response.json()["error"] == "not_found"
    assert snapshot() == before


@pytest.mark.parametrize("resource", READ_ONLY)
def test_other_shops_orders_and_customers_are_404(victim, other_api, resource):
    response = other_api.get(f"/api/v1/{resource}/{victim[resource]}/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("orders/{orders}/fulfil/", {"tracking_number": "X"}),
        ("orders/{orders}/cancel/", {}),
        ("orders/{orders}/refund/", {"amount": 1}),
        ("customers/{customers}/orders/", None),
    ],
)
def test_order_actions_on_other_shops_orders_are_404(victim, other_api, path, body):
    before = snapshot()
    url = "/api/v1/" + path.format(**victim)
    response = other_api.get(url) if body is None else other_api.post(url, body, format="json")
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("method", "action"), [("get", "deliveries"), ("post", "test")])
def test_webhook_actions_on_other_shops_endpoint_are_404(victim, other_api, method, action):
    response = getattr(other_api, method)(f"/api/v1/webhooks/{victim['webhooks']}/{action}/")
    assert response.status_code == 404
    assert not WebhookEndpoint.objects.get(pk=victim["webhooks"]).deliveries.exists()


def test_stock_adjustment_of_other_shops_variant_is_404(victim, other_api):
    response = other_api.post(f"/api/v1/variants/{victim['variants']}/stock/", {"delta": -4})
    assert response.status_code == 404
    assert Variant.objects.get(pk=victim["variants"]).stock == 3  # 4, one reserved by the order


@pytest.mark.parametrize("resource", [*WRITE_BODIES, *READ_ONLY])
def test_lists_never_show_other_shops_objects(victim, other_api, resource):
    results = other_api.get(f"/api/v1/{resource}/").json()["results"]
    assert victim[resource] not in [item["id"] for item in results]


def test_search_and_filters_stay_inside_the_shop(victim, other_api):
    assert other_api.get("/api/v1/products/", {"q": "secrète"}).json()["results"] == []
    by_category = other_api.get("/api/v1/products/", {"category": victim["categories"]})
    assert by_category.json()["results"] == []
    by_product = other_api.get("/api/v1/variants/", {"product": victim["products"]})
    assert by_product.status_code in (200, 400)
    assert by_product.status_code == 400 or by_product.json()["results"] == []


def test_references_to_other_shops_objects_are_rejected_like_missing_ids(victim, other_api):
    before = snapshot()
    body = {"title": "x", "category": victim["categories"], "variants": []}
    foreign = other_api.post("/api/v1/products/", body, format="json")
    missing = other_api.post("/api/v1/products/", body | {"category": 987654}, format="json")

    assert foreign.status_code == missing.status_code == 400
    assert foreign.json()["fields"]["category"] == [
        m.replace("987654", str(victim["categories"])) for m in missing.json()["fields"]["category"]
    ]

    variant = {"product": victim["products"], "sku": "X", "name": "x", "price": 1}
    assert other_api.post("/api/v1/variants/", variant, format="json").status_code == 400
    upload = SimpleUploadedFile("b.jpg", image_bytes())
    image = {"product": victim["products"], "image": upload}
    assert other_api.post("/api/v1/images/", image, format="multipart").status_code == 400
    assert snapshot() == before


def test_current_shop_is_the_keys_own(victim, other_api, other_shop):
    assert other_api.get("/api/v1/shop/").json()["id"] == other_shop.pk
