"""On PostgreSQL the search is served by the indexes migration catalog 0006 creates: the
weighted full-text vector per language configuration and the trigram index. If the query's
expression drifts from the index's, the planner silently scans every product: these tests
catch that. They fail (not skip) in CI, where PostgreSQL is required."""

import pytest
from django.db import connection

from catalog.models import Product
from catalog.search import search_products
from tests.conversations.sentences import seed_catalog

pytestmark = [pytest.mark.django_db, pytest.mark.services]


def plan(query: str, language: str) -> str:
    """The plan of a search over every shop's products: without the shop filter (whose own
    index the planner prefers on a small catalog), only a matching search index can serve it."""
    with connection.cursor() as cursor:
        # Ten products are cheaper to scan; forbid that to see whether an index fits.
        cursor.execute("SET LOCAL enable_seqscan = off")
    return search_products(Product.objects.all(), query, language=language).explain()


def test_pg_trgm_is_installed_by_the_migrations(require_postgres):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        assert cursor.fetchone() == (1,)


@pytest.mark.parametrize(
    ("language", "index"),
    [("fr", "catalog_product_search_french_gin"), ("en", "catalog_product_search_english_gin")],
)
def test_a_search_uses_the_gin_index_of_the_shops_language(
    require_postgres, make_shop, language, index
):
    shop = make_shop(language=language)
    seed_catalog(shop)

    # A three-letter word gets no typo tolerance: the full-text index alone answers it.
    assert index in plan("sac", language)


def test_a_typo_tolerant_search_uses_the_trigram_index(require_postgres, shop):
    seed_catalog(shop)

    assert "catalog_product_search_trgm" in plan("ceinturre", "fr")
