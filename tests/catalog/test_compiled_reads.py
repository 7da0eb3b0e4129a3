"""The bot's catalog reads compiled once (catalog/selectors.py on config/compiled_query.py)
return exactly what the querysets they replace return, in the same order, with the same
variants and images loaded, never another shop's rows, in fewer queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import ProductImage, Variant
from catalog.selectors import (
    ShopperSearch,
    active_product,
    active_variant,
    product_list,
    product_search,
    product_search_page,
)
from catalog.services import product_update
from tests.conversations.sentences import seed_catalog

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogs(shop, other_shop):
    other_shop.language = shop.language
    other_shop.save()
    products = seed_catalog(shop)
    seed_catalog(other_shop)
    for number, product in enumerate(products.values()):
        for position in range(number % 3):
            ProductImage.objects.create(
                shop=shop,
                product=product,
                image=f"p/{product.pk}-{position}.jpg",
                # Dimensions given: Django opens a file whose dimensions are missing.
                width=800,
                height=800,
                position=2 - position,
            )
    return shop, other_shop, products


def shown(products) -> list:
    """What the bot reads off the products, without a query."""
    return [
        (
            p.pk,
            p.title,
            p.category.name if p.category else None,
            [(v.pk, v.price, v.stock, v.product is p) for v in p.variants.all()],
            [i.image.name for i in p.images.all()],
        )
        for p in products
    ]


def test_active_product_is_what_the_product_list_gives(catalogs):
    shop, other_shop, products = catalogs
    hidden = next(iter(products.values()))
    product_update(product=hidden, active=False)
    for product in products.values():
        expected = product_list(shop=shop, active=True).filter(pk=product.pk).first()
        got = active_product(shop=shop, product_id=product.pk)
        with CaptureQueriesContext(connection) as read:
            assert shown([got] if got else []) == shown([expected] if expected else [])
        assert len(read) == 0
    assert active_product(shop=shop, product_id=hidden.pk) is None
    # Another shop's product is not found, as a missing one.
    assert (
        active_product(shop=other_shop, product_id=products["Robe portefeuille rouge"].pk) is None
    )
    # An id no column holds is no product, as Django's lookup answers it (not a database error).
    assert active_product(shop=shop, product_id=2**63) is None
    assert active_variant(shop=shop, variant_id=-(2**63) - 1) is None


def test_without_images_the_variants_come_in_two_queries(catalogs):
    shop, _, products = catalogs
    dress = products["Robe portefeuille rouge"]
    with CaptureQueriesContext(connection) as read:
        got = active_product(shop=shop, product_id=dress.pk, images=False)
        variants = [v.pk for v in got.variants.all()]
    assert len(read) == 2
    assert variants == list(dress.variants.order_by("position", "id").values_list("pk", flat=True))


def test_active_variant_is_the_shops_and_its_product_active(catalogs):
    shop, other_shop, products = catalogs
    dress = products["Robe portefeuille rouge"]
    variant = dress.variants.order_by("id").first()
    got = active_variant(shop=shop, variant_id=variant.pk)
    assert (got.pk, got.product.pk, got.product.title) == (variant.pk, dress.pk, dress.title)
    assert active_variant(shop=other_shop, variant_id=variant.pk) is None
    product_update(product=dress, active=False)
    assert active_variant(shop=shop, variant_id=variant.pk) is None
    assert Variant.objects.filter(pk=variant.pk).exists()


SEARCHES = [
    ShopperSearch(query="robe"),
    ShopperSearch(query="robe", colour="red"),
    ShopperSearch(query="robe", sort="price"),
    ShopperSearch(colour="blue"),
    ShopperSearch(colour="red", max_price=9000),
    ShopperSearch(size="38"),
    ShopperSearch(query="ceinture robe"),
    # Every word finds nothing: the products matching the most words.
    ShopperSearch(query="robe motinconnu"),
    ShopperSearch(query="motinconnu"),
    ShopperSearch(),
]


@pytest.mark.parametrize("search", SEARCHES, ids=str)
def test_a_search_page_is_the_slice_of_the_search(catalogs, search):
    shop, _, _ = catalogs
    for start, count in ((0, 3), (1, 2), (3, 3), (40, 3)):
        expected = list(product_search(shop=shop, search=search)[start : start + count])
        got = product_search_page(shop=shop, search=search, start=start, count=count)
        with CaptureQueriesContext(connection) as read:
            assert shown(got) == shown(expected)
        assert len(read) == 0
        assert {p.shop_id for p in got} <= {shop.pk}


def test_a_search_reads_its_page_without_an_exists_first(catalogs):
    shop, _, _ = catalogs
    # Found at once: the page, its variants, its images.
    with CaptureQueriesContext(connection) as read:
        found = product_search_page(
            shop=shop, search=ShopperSearch(query="robe"), start=0, count=11
        )
    assert found and len(read) == 3
    # Nothing with every word: then with the most words (one query more).
    with CaptureQueriesContext(connection) as read:
        found = product_search_page(
            shop=shop, search=ShopperSearch(query="robe motinconnu"), start=0, count=11
        )
    assert found and len(read) == 4
    # One word found nowhere: "the most words" would be the same search, not run.
    with CaptureQueriesContext(connection) as read:
        found = product_search_page(
            shop=shop, search=ShopperSearch(query="motinconnu"), start=0, count=11
        )
    assert found == [] and len(read) == 1


def test_each_shop_searches_its_own_products_whichever_searched_first(catalogs):
    shop, other_shop, _ = catalogs
    for search in (ShopperSearch(colour="red"), ShopperSearch(query="robe", colour="blue")):
        for owner in (shop, other_shop, shop):
            got = product_search_page(shop=owner, search=search, start=0, count=11)
            assert got and {p.shop_id for p in got} == {owner.pk}
            assert [p.pk for p in got] == [p.pk for p in product_search(shop=owner, search=search)]
