"""A category's first page, what a tap on a category shows, is read by a compiled query
(conversations/showcase.py): the same products, in the same order, with the same variants and
images, as the queryset gives for any category, never another shop's, in three queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Category
from catalog.services import product_update
from conversations import showcase

# The catalogs of two shops, some products with images (the compiled reads' own fixture).
from tests.catalog.test_compiled_reads import catalogs, shown  # noqa: F401

pytestmark = pytest.mark.django_db


def _queryset_page(shop, category_id, page):
    return list(showcase._page(shop, category_id, page * showcase.PAGE_SIZE))


def test_a_categorys_first_page_is_what_the_queryset_gives(catalogs):  # noqa: F811
    shop, other_shop, products = catalogs
    product_update(product=next(iter(products.values())), active=False)
    categories = [*Category.objects.filter(shop=shop).values_list("pk", flat=True), None]
    assert len(categories) > 2
    for category_id in categories:
        expected = _queryset_page(shop, category_id, 0)
        with CaptureQueriesContext(connection) as read:
            got = showcase.products_page(shop=shop, category_id=category_id, page=0)
            assert shown(got) == shown(expected)
        assert len(read) == 3  # products, their variants, their images
        assert got or category_id is not None
    # Another shop's category shows nothing here; an id no column holds neither.
    theirs = Category.objects.filter(shop=other_shop).first()
    assert showcase.products_page(shop=shop, category_id=theirs.pk, page=0) == []
    assert showcase.products_page(shop=shop, category_id=2**63, page=0) == []


def test_later_pages_are_still_served(catalogs, monkeypatch):  # noqa: F811
    shop, _, _ = catalogs
    monkeypatch.setattr(showcase, "PAGE_SIZE", 2)
    pages = [
        [p.pk for p in showcase.products_page(shop=shop, category_id=None, page=page)]
        for page in range(3)
    ]
    assert pages[1] == [p.pk for p in _queryset_page(shop, None, 1)]
    assert pages[1][0] == pages[0][2]  # a page's extra row is the next page's first
