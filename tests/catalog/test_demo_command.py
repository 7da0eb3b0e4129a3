"""`manage.py demo` (run by `make demo`): what a visitor of the demo sees, and that re-running it
changes nothing but the API key."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from PIL import Image
from rest_framework.test import APIClient

from catalog import demo_images
from catalog.demo_seed import (
    OWNER_EMAIL,
    OWNER_PASSWORD,
    PRODUCTS,
    SHOP_SLUG,
    SOLD_OUT,
    demo_counts,
    variant_rows,
)
from catalog.models import Product, ProductImage, Variant
from catalog.translations import variant_label
from orders.models import Order, ShippingRate
from orders.translations import rate_name
from shops.demo import DEMO_TEAM
from shops.models import ApiKey, Membership, Role, Shop, User

RED_DRESS = "Robe portefeuille rouge"


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEBUG = True  # the command refuses to run without it
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings  # tasks run in process (tests/conftest.py)


def run_demo() -> tuple[str, str]:
    out = io.StringIO()
    call_command("demo", stdout=out)
    output = out.getvalue()
    keys = set(re.findall(r"souk_[\w-]+", output))
    assert len(keys) == 1, output
    return output, keys.pop()


def api_get(key: str, path: str, **params):
    return APIClient().get(path, params, HTTP_AUTHORIZATION=f"Bearer {key}")


def search_titles(key: str, query: str) -> list[str]:
    response = api_get(key, "/api/v1/products/", q=query)
    assert response.status_code == 200, response.json()
    return [p["title"] for p in response.json()["results"]]


@pytest.mark.django_db(transaction=True)
def test_demo_seeds_a_shop_to_browse_and_a_second_run_changes_only_the_key(demo_settings):
    output, first_key = run_demo()

    shop = Shop.objects.get(slug=SHOP_SLUG)
    assert (shop.name, shop.currency, shop.language, shop.timezone) == (
        "Maison Souk",
        "EUR",
        "fr",
        "Europe/Paris",
    )
    for text in (
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/api/docs/",
        "http://127.0.0.1:8000/admin/",
        f"{OWNER_EMAIL} / {OWNER_PASSWORD}",
        f'curl -H "Authorization: Bearer {first_key}" '
        '"http://127.0.0.1:8000/api/v1/products/?q=robe"',
    ):
        assert text in output

    products = list(Product.objects.for_shop(shop).prefetch_related("variants", "images"))
    assert len(products) >= 12
    for product in products:
        assert product.variants.all(), product.title
        assert product.images.all(), product.title
    for image in ProductImage.objects.for_shop(shop):
        with image.image.open("rb") as file, Image.open(file) as picture:
            assert (picture.format, picture.size) == ("JPEG", (1200, 1200))
        # Cut by the thumbnail task after the seeding transaction committed.
        with image.card.open("rb") as file, Image.open(file) as card:
            assert card.size == (1146, 600)
        with image.square.open("rb") as file, Image.open(file) as square:
            assert square.size == (800, 800)

    variants = Variant.objects.for_shop(shop)
    assert variants.filter(track_stock=True, stock=0).count() == len(SOLD_OUT)
    assert variants.filter(track_stock=False).exists()
    assert all(v.price > 0 for v in variants)

    owner = User.objects.get(email=OWNER_EMAIL)
    assert owner.is_staff and owner.is_superuser
    assert Membership.objects.get(shop=shop, user=owner).role == Role.OWNER
    browser = Client()
    assert browser.login(email=OWNER_EMAIL, password=OWNER_PASSWORD)
    assert browser.get("/admin/").status_code == 200

    # The dashboard has something true to show on every page, for each role.
    for email, role, _name in DEMO_TEAM:
        assert Membership.objects.get(shop=shop, user__email=email).role == role
    dashboard = Client()
    assert dashboard.login(email="agent@souk.test", password=OWNER_PASSWORD)
    inbox = dashboard.get("/dashboard/inbox/?needs_person=1").content.decode()
    assert "Nora Haddad" in inbox  # waiting for a person
    orders = dashboard.get("/dashboard/orders/").content.decode()
    for status in ("Partially refunded", "Refunded", "Shipped", "Awaiting payment", "Voided"):
        assert status in orders, status
    assert {o.channel_kind for o in Order.objects.for_shop(shop)} == {
        "webchat",
        "telegram",
        "messenger",
        "whatsapp",
        "sms",
    }
    analytics = dashboard.get("/dashboard/analytics/?period=30d").content.decode()
    assert "Sami Benali" in analytics  # revenue attributed to the agent who replied

    counts = demo_counts(shop)
    ids = set(Product.objects.values_list("id", flat=True))
    _, second_key = run_demo()
    assert Order.objects.for_shop(shop).count() == 10  # a second run adds no orders

    assert second_key != first_key
    assert demo_counts(shop) == counts
    assert set(Product.objects.values_list("id", flat=True)) == ids
    assert Shop.objects.count() == 1
    active = ApiKey.objects.filter(shop=shop, revoked_at__isnull=True)
    assert [key.name for key in active] == ["Demo key"]
    assert api_get(first_key, "/api/v1/products/").status_code == 401

    response = api_get(second_key, "/api/v1/products/", page_size=200)
    assert response.status_code == 200
    listed = response.json()["results"]
    assert len(listed) == counts["products"]
    assert all(p["images"][0]["thumbnails"]["square"] for p in listed)
    assert search_titles(second_key, "robe rouge 38") == [RED_DRESS]
    assert search_titles(second_key, "red dress 38") == [RED_DRESS]

    # A visitor deleted a product and changed the password: a third run brings both back.
    Product.objects.get(title=RED_DRESS).delete()
    owner.set_password("changed-while-playing")
    owner.save()
    run_demo()

    assert demo_counts(shop) == counts
    assert Client().login(email=OWNER_EMAIL, password=OWNER_PASSWORD)


def test_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        call_command("demo", stdout=io.StringIO())


def test_demo_catalog_is_shaped_like_a_small_boutique():
    rows = [row for product in PRODUCTS for row in variant_rows(product)]
    skus = [row["sku"] for row in rows]

    assert len(PRODUCTS) >= 12
    assert all(len(product.title) <= 60 for product in PRODUCTS)
    assert len(skus) == len(set(skus))
    assert "MS-ROBE-ROUGE-38" in skus
    assert set(skus) >= SOLD_OUT
    assert {"size": "38", "colour": "Rouge"} in [row["options"] for row in rows]
    assert all(1000 <= row["price"] <= 20000 for row in rows)
    in_stock = [row["stock"] for row in rows if row["track_stock"] and row["sku"] not in SOLD_OUT]
    assert min(in_stock) >= 3 and max(in_stock) <= 20
    assert {p.shape for p in PRODUCTS} <= demo_images.SHAPES
    assert {p.pattern for p in PRODUCTS} <= demo_images.PATTERNS


def test_demo_photos_are_deterministic_per_product_and_differ_between_products():
    def photo(shape, colour, seed):
        upload = demo_images.product_photo(shape=shape, colour=colour, seed=seed, name="p.jpg")
        return upload.read()

    red_dress = photo("dress-wrap", (184, 32, 48), "ROBE-Rouge")

    assert photo("dress-wrap", (184, 32, 48), "ROBE-Rouge") == red_dress
    assert photo("dress-wrap", (30, 44, 78), "ROBE-Marine") != red_dress
    assert photo("sneaker", (184, 32, 48), "ROBE-Rouge") != red_dress
    with Image.open(io.BytesIO(red_dress)) as picture:
        assert (picture.format, picture.size) == ("JPEG", (1200, 1200))
        # A real picture, not a flat fill: many distinct colours.
        assert len(picture.getcolors(maxcolors=1_000_000)) > 1000


@pytest.mark.django_db(transaction=True)
def test_demo_variants_and_delivery_options_have_english_names_older_demos_too(demo_settings):
    run_demo()
    shop = Shop.objects.get(slug=SHOP_SLUG)
    red = Variant.objects.for_shop(shop).get(sku="MS-ROBE-ROUGE-38")
    assert (variant_label(red, "fr"), variant_label(red, "en")) == ("Rouge · 38", "Red · 38")
    rates = ShippingRate.objects.for_shop(shop).order_by("position")
    assert [rate_name(rate, "en") for rate in rates] == [
        "Colissimo, 48 hours",
        "Pickup at the workshop (Paris 11th)",
    ]

    # A demo seeded before variants and rates had translations, one variant renamed since.
    Variant.objects.for_shop(shop).update(translations={})
    rates.update(translations={})
    Variant.objects.for_shop(shop).filter(sku="MS-ROBE-ROUGE-40").update(name="Rouge vif · 40")
    run_demo()

    red.refresh_from_db()
    assert red.translations == {"en": {"name": "Red · 38"}}
    renamed = Variant.objects.for_shop(shop).get(sku="MS-ROBE-ROUGE-40")
    assert renamed.translations == {}  # the visitor's own name is theirs
    assert [rate_name(rate, "en") for rate in rates.all()][1] == (
        "Pickup at the workshop (Paris 11th)"
    )
    # Search reads the English names again: "burgundy" is only in "Burgundy" (Bordeaux).
    found = api_get(run_demo()[1], "/api/v1/products/", q="burgundy").json()["results"]
    assert found and all(
        any("Bordeaux" in v["name"] for v in product["variants"]) for product in found
    )
