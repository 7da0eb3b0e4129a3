"""Product and category text in the shop's other languages.

A product's `title` and `description` (a category's `name`) are written in the shop's own
language; `translations` holds the same fields in other languages, {"en": {"title": …,
"description": …}}; a variant's `name` ("Rouge · 38", what the shopper picks) likewise,
{"en": {"name": "Red · 38"}}. The scheme (reading, checking, the languages offered) is the one of
shops/translations.py, which the shop's own answers use too; this module names the catalog's
translatable fields.
"""

from catalog.models import Category, Product, Variant
from shops.translations import (  # noqa: F401  (the catalog's callers import them from here)
    TranslationError,
    translated,
    translation_key,
    translation_languages,
    translations_clean,
    translations_from_flat,
)

PRODUCT_FIELDS = {"title": 200, "description": 5000}  # field → longest text accepted
CATEGORY_FIELDS = {"name": 120}
VARIANT_FIELDS = {"name": 120}


def product_title(product: Product, language: str) -> str:
    return translated(product, language, "title")


def product_description(product: Product, language: str) -> str:
    return translated(product, language, "description")


def category_name(category: Category, language: str) -> str:
    return translated(category, language, "name")


def variant_label(variant: Variant, language: str) -> str:
    """What the shopper picks ("Red · 38"): the variant's name in `language`, else the shop's,
    else its option values."""
    return translated(variant, language, "name") or " / ".join(
        str(value) for value in (variant.options or {}).values()
    )
