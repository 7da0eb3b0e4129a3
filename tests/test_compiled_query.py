"""config/compiled_query.py: a hot query compiled once per connection returns exactly what its
queryset returns, for any values, without compiling again."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from catalog.models import Product, ProductImage, Variant
from catalog.services import category_create, product_create
from config import compiled_query
from config.compiled_query import CompiledPrefetch, CompiledQuery

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


def compilations(monkeypatch) -> list:
    """From now on, every SQL compilation (Django's compiler asked for its SQL), in a list."""
    compiled = []
    original = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return compiled


def test_it_compiles_once_and_runs_one_query(catalogs, monkeypatch):
    shop, _ = catalogs
    query = CompiledQuery(_products, shop_id=-9_102, category="\x00example")
    query.all(shop_id=shop.pk, category="Robes")  # compiled here
    compiled = compilations(monkeypatch)
    with CaptureQueriesContext(connection) as queries:
        titles = [p.title for p in query.all(shop_id=shop.pk, category="Robes")]
    assert sorted(titles) == ["Robe bleue", "Robe rouge"]
    assert len(queries) == 1
    assert compiled == []


def test_converted_columns_come_back_as_the_queryset_gives_them_converters_worked_out_once(
    catalogs, monkeypatch
):
    shop, _ = catalogs
    Product.objects.filter(shop=shop, title="Mug").update(tags=["mug", "café"])
    query = CompiledQuery(_products, shop_id=-9_105, category="\x00example")
    worked_out = []
    original = SQLCompiler.get_converters

    def counting(self, expressions):
        worked_out.append(len(expressions))
        return original(self, expressions)

    monkeypatch.setattr(SQLCompiler, "get_converters", counting)
    for category in ("Mugs", "Robes", "Mugs"):
        expected = list(_products(shop.pk, category))
        got = query.all(shop_id=shop.pk, category=category)
        # JSON decoded, datetimes aware, as Django's own read gives them.
        assert [(p.tags, p.created_at, p.category.translations) for p in got] == [
            (p.tags, p.created_at, p.category.translations) for p in expected
        ]
    assert query.first(shop_id=shop.pk, category="Mugs").tags == ["mug", "café"]
    # Three querysets read rows (three walks), the compiled query four times (one walk).
    assert len(worked_out) == 3 + 1


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


# --- prefetch_related ---------------------------------------------------------------------------


def _with_variants_and_images(shop_id: int):
    return (
        Product.objects.filter(shop_id=shop_id)
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("-price", "id")), "images"
        )
        .order_by("title")
    )


@pytest.fixture
def sizes(shop, other_shop):
    made = (
        (shop, "Robe", (("S", 3000), ("M", 2000), ("L", 1000))),
        (shop, "Mug", (("U", 500),)),
        (shop, "Nothing yet", ()),
        (other_shop, "Robe", (("S", 3000),)),
    )
    for owner, title, variants in made:
        product = product_create(
            shop=owner,
            title=title,
            variants=[
                {"sku": f"{owner.pk}-{title}-{name}", "name": name, "price": price, "stock": 1}
                for name, price in variants
            ],
        )
        for position in (2, 1):
            ProductImage.objects.create(
                shop=owner,
                product=product,
                image=f"p/{product.pk}-{position}.jpg",
                # Dimensions given: Django opens a file whose dimensions are missing.
                width=800,
                height=800,
                position=position,
            )
    return shop, other_shop


def _loaded(products) -> list:
    """What a caller sees, read without a query: each product's variants and images in order,
    and each variant's product (the very instance)."""
    return [
        (
            p.title,
            [(v.name, v.price, v.product is p) for v in p.variants.all()],
            [i.image.name for i in p.images.all()],
        )
        for p in products
    ]


def test_prefetch_related_comes_compiled_and_fills_what_django_fills(sizes):
    shop, other_shop = sizes
    query = CompiledQuery(_with_variants_and_images, shop_id=-9_201)
    for shop_id in (shop.pk, other_shop.pk, shop.pk):
        expected = list(_with_variants_and_images(shop_id))
        got = query.all(shop_id=shop_id)
        with CaptureQueriesContext(connection) as read:
            assert _loaded(got) == _loaded(expected)
        assert len(read) == 0
    assert [len(p.variants.all()) for p in query.all(shop_id=shop.pk)] == [1, 0, 3]
    # Narrowing a prefetched relation still queries what it says, for its own product only.
    robe = query.all(shop_id=shop.pk)[-1]
    assert [v.name for v in robe.variants.filter(price__lt=2500)] == ["M", "L"]


def test_prefetch_related_runs_three_queries_and_compiles_nothing_later(sizes, monkeypatch):
    shop, other_shop = sizes
    query = CompiledQuery(_with_variants_and_images, shop_id=-9_202)
    query.all(shop_id=shop.pk)  # three products: compiled for three parents
    query.all(shop_id=other_shop.pk)  # one product: compiled for one
    compiled = compilations(monkeypatch)
    for shop_id, titles in ((shop.pk, ["Mug", "Nothing yet", "Robe"]), (other_shop.pk, ["Robe"])):
        with CaptureQueriesContext(connection) as queries:
            assert [p.title for p in query.all(shop_id=shop_id)] == titles
        assert len(queries) == 3
    assert compiled == []


def test_a_lookup_it_does_not_compile_is_prefetched_by_django(sizes):
    shop, _ = sizes

    def to_attr(shop_id):
        return Product.objects.filter(shop_id=shop_id).prefetch_related(
            "images", Prefetch("variants", to_attr="all_variants")
        )

    query = CompiledQuery(to_attr, shop_id=-9_203)
    expected = {p.title: [v.name for v in p.all_variants] for p in to_attr(shop.pk)}
    got = query.all(shop_id=shop.pk)
    with CaptureQueriesContext(connection) as read:
        assert {p.title: [v.name for v in p.all_variants] for p in got} == expected
        assert sorted(len(p.images.all()) for p in got) == [2, 2, 2]
    assert len(read) == 0


def test_more_parents_than_it_compiles_for_are_prefetched_by_django(sizes, monkeypatch):
    shop, _ = sizes
    monkeypatch.setattr(compiled_query, "MAX_PREFETCH_COMPILED", 2)
    query = CompiledQuery(_with_variants_and_images, shop_id=-9_204)
    with CaptureQueriesContext(connection) as queries:
        got = query.all(shop_id=shop.pk)
    assert len(queries) == 3
    assert _loaded(got) == _loaded(_with_variants_and_images(shop.pk))


def test_compiled_prefetch_loads_instances_fetched_elsewhere(sizes):
    shop, other_shop = sizes
    prefetch = CompiledPrefetch(
        lambda: Product.objects.prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("-price", "id")), "images"
        )
    )
    for shop_id in (shop.pk, other_shop.pk):
        got = list(Product.objects.filter(shop_id=shop_id).order_by("title"))
        with CaptureQueriesContext(connection) as queries:
            prefetch.run(got)
            prefetch.run(got)  # already loaded: nothing read again
        assert len(queries) == 2
        assert _loaded(got) == _loaded(_with_variants_and_images(shop_id))
    prefetch.run([])  # nothing to load, no query


def test_compiled_prefetch_refuses_what_it_cannot_compile(sizes):
    prefetch = CompiledPrefetch(lambda: Variant.objects.prefetch_related("product"))
    with pytest.raises(ValueError, match="one reverse foreign key"):
        prefetch.run(list(Variant.objects.all()))
