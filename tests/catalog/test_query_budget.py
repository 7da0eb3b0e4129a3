"""The product list costs the same number of queries for 3 products or 40, however many
variants and images they have."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.services import category_create, image_add, product_create
from tests.conftest import client_for, image_bytes

pytestmark = pytest.mark.django_db

LIST_QUERY_BUDGET = 5  # API key (with its shop), products, variants, images, +1 last-used stamp


def seed(shop, count: int, variants_each: int, images_each: int):
    category = category_create(shop=shop, name=f"Cat {count}")
    for n in range(count):
        product = product_create(
            shop=shop,
            title=f"Product {count}-{n}",
            category=category,
            variants=[
                {"sku": f"S{count}-{n}-{v}", "name": f"V{v}", "price": 100 + v, "stock": v}
                for v in range(variants_each)
            ],
        )
        for _ in range(images_each):
            image_add(product=product, upload=SimpleUploadedFile("p.jpg", image_bytes()))


def list_queries(api) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/api/v1/products/?page_size=200")
    assert response.status_code == 200
    return len(captured), len(response.json()["results"])


def test_product_list_query_count_is_constant(make_shop, django_capture_on_commit_callbacks):

    small_shop, big_shop = make_shop(), make_shop()
    with django_capture_on_commit_callbacks(execute=True):
        seed(small_shop, count=3, variants_each=1, images_each=1)
        seed(big_shop, count=40, variants_each=6, images_each=2)

    small_queries, small_count = list_queries(client_for(small_shop))
    big_queries, big_count = list_queries(client_for(big_shop))

    assert (small_count, big_count) == (3, 40)
    assert small_queries == big_queries
    assert big_queries <= LIST_QUERY_BUDGET, big_queries


def test_product_search_query_count_is_constant(shop, api, django_assert_max_num_queries):
    seed(shop, count=20, variants_each=4, images_each=0)
    with django_assert_max_num_queries(LIST_QUERY_BUDGET):
        results = api.get("/api/v1/products/", {"q": "product"}).json()["results"]
    assert len(results) == 20
