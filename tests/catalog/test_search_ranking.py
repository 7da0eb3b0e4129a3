"""Catalog search as shoppers and brands type: stems, accents, capitals, one typo, stop words,
and a title match listed before a description match. Runs on SQLite (the Python fallback) and,
in CI, on PostgreSQL (full text + trigrams): both must agree."""

import pytest

from catalog.selectors import ProductFilters, product_admin_list, product_list
from catalog.services import product_create, product_update
from tests.conversations.sentences import seed_catalog

pytestmark = pytest.mark.django_db


def titles(shop, query):
    return [p.title for p in product_list(shop=shop, query=query)]


def test_a_title_match_comes_before_a_description_match(shop, other_shop):
    seed_catalog(shop)
    seed_catalog(other_shop)

    # The red dress's description names its belt, and the dress was created first.
    assert titles(shop, "ceinture") == ["Ceinture en cuir", "Robe portefeuille rouge"]
    assert titles(other_shop, "belt") == ["Leather belt", "Red wrap dress"]


def test_plurals_and_singulars_find_each_other(shop, other_shop):
    seed_catalog(shop)
    seed_catalog(other_shop)

    assert titles(shop, "escarpin") == ["Escarpins rouges"]
    assert titles(shop, "ceintures") == ["Ceinture en cuir", "Robe portefeuille rouge"]
    assert titles(other_shop, "heel") == ["Red heels"]
    assert titles(other_shop, "sneaker") == ["White sneakers"]


def test_accents_and_capitals_do_not_matter(shop):
    seed_catalog(shop)

    assert titles(shop, "ROBE D'ETE") == ["Robe d'été bleue"]
    assert titles(shop, "rayé") == titles(shop, "raye") == ["T-shirt rayé marine"]


def test_one_typo_is_forgiven_in_a_long_enough_word(shop):
    seed_catalog(shop)

    assert titles(shop, "ceinturre") == ["Ceinture en cuir", "Robe portefeuille rouge"]
    assert titles(shop, "chausures")[:2] == ["Escarpins rouges", "Baskets blanches"]
    assert titles(shop, "foulardd") == ["Foulard en soie"]


def test_every_word_must_match(shop):
    seed_catalog(shop)

    assert titles(shop, "chemise lin") == ["Chemise en lin blanche"]
    assert titles(shop, "chemise soie") == []


def test_stop_words_alone_find_nothing(shop):
    seed_catalog(shop)

    assert titles(shop, "de la pour") == []


def test_hyphenated_words_are_found_however_they_are_typed(shop):
    seed_catalog(shop)

    for typed in ("t-shirt", "tshirt", "T shirt", "tee-shirt"):
        assert titles(shop, typed) == ["T-shirt rayé marine"], typed


def test_a_renamed_product_is_found_by_its_new_title_only(shop):
    product = product_create(
        shop=shop,
        title="Pochette",
        variants=[{"sku": "P-1", "name": "Unique", "price": 1000, "stock": 1}],
    )
    product_update(product=product, title="Bandoulière")

    assert titles(shop, "bandouliere") == ["Bandoulière"]
    assert titles(shop, "pochette") == []


def test_the_dashboards_product_search_forgives_a_typo_too(shop):
    seed_catalog(shop)

    found = product_admin_list(shop=shop, filters=ProductFilters(query="ceinturre"))

    assert {p.title for p in found} == {"Ceinture en cuir", "Robe portefeuille rouge"}


def test_one_shops_search_never_shows_another_shops_products(shop, other_shop):
    seed_catalog(shop)
    product_create(
        shop=other_shop,
        title="Ceinture tressée",
        variants=[{"sku": "X-1", "name": "Unique", "price": 1000, "stock": 1}],
    )

    assert "Ceinture tressée" not in titles(shop, "ceinture")
