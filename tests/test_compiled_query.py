"""config/compiled_query.py: a hot query compiled once per connection returns exactly what its
queryset returns, for any values, without compiling again."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from catalog.models import Product, Variant
from catalog.services import category_create, product_create
from config.compiled_query import CompiledQuery

pytestmark = pytest.mark.django_db


def _products(shop_id: int, category: str):
    return (
        Product.objects.select_related("category", "shop")
        .annotate(has_variants=Exists(Variant.objects.filter(product_id=OuterRef("pk"))))
        .filter(shop_id=shop_id, category__name=category)
        .order_by("title")
    )


@pytest.fixture
def catalogs(shop, other_shop):
    made = (
        (shop, "Robes", ("Robe rouge", "Robe bleue")),
        (shop, "Mugs", ("Mug",)),
        (other_shop, "Robes", ("Robe",)),
    )
    for owner, name, titles in made:
        category = category_create(shop=owner, name=name)
        for title in titles:
            product_create(
                shop=owner,
                title=title,
                category=category,
                variants=[{"sku": f"{owner.pk}-{title}", "name": "U", "price": 1000, "stock": 1}],
            )
    return shop, other_shop


def test_it_returns_what_the_queryset_returns_for_any_values(catalogs):
    shop, other_shop = catalogs
    query = CompiledQuery(_products, shop_id=-9_101, category="\x00example")
    sizes = []
    for shop_id, category in (
        (shop.pk, "Robes"),
        (shop.pk, "Mugs"),
        (other_shop.pk, "Robes"),
        (shop.pk, "Nothing"),
    ):
        expected = list(_products(shop_id, category))
        got = query.all(shop_id=shop_id, category=category)
        sizes.append(len(got))
        assert [p.pk for p in got] == [p.pk for p in expected]
        # Related rows and annotations come with the instances, as select_related gives them.
        assert [(p.category.name, p.shop.name, p.has_variants) for p in got] == [
            (p.category.name, p.shop.name, p.has_variants) for p in expected
        ]
    assert sizes == [2, 1, 1, 0]
    assert query.first(shop_id=shop.pk, category="Mugs").title == "Mug"
    assert query.first(shop_id=shop.pk, category="Nothing") is None


def test_it_compiles_once_and_runs_one_query(catalogs, monkeypatch):
    shop, _ = catalogs
    query = CompiledQuery(_products, shop_id=-9_102, category="\x00example")
    query.all(shop_id=shop.pk, category="Robes")  # compiled here
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    with CaptureQueriesContext(connection) as queries:
        titles = [p.title for p in query.all(shop_id=shop.pk, category="Robes")]
    assert sorted(titles) == ["Robe bleue", "Robe rouge"]
    assert len(queries) == 1
    assert compiled == []


def test_an_example_found_elsewhere_in_the_query_is_refused(catalogs):
    shop, _ = catalogs
    query = CompiledQuery(
        lambda shop_id: Product.objects.filter(shop_id=shop_id, variants__stock=shop_id),
        shop_id=-9_104,
    )
    with pytest.raises(ValueError, match="appears 2 times"):
        query.all(shop_id=shop.pk)


def test_values_must_name_the_examples(catalogs):
    query = CompiledQuery(_products, shop_id=-9_103, category="\x00example")
    with pytest.raises(TypeError, match="expected values"):
        query.all(shop_id=1)
