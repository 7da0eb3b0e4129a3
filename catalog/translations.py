"""Product and category text in the shop's other languages.

A product's `title` and `description` (a category's `name`) are written in the shop's own
language; `translations` holds the same fields in other languages, {"en": {"title": …,
"description": …}}. A language or field left out reads as the shop's text, so a shopper always
gets one whole text rather than none. (A JSON field rather than a column per language: the
languages a shop writes in are data, and the API and CSV carry them as they are stored.)
"""

from django.conf import settings

from catalog.models import Category, Product

PRODUCT_FIELDS = {"title": 200, "description": 5000}  # field → longest text accepted
CATEGORY_FIELDS = {"name": 120}


class TranslationError(ValueError):
    pass


def _translated(obj, language: str, field: str) -> str:
    # No look at obj.shop (a query per product in a carousel): translations never hold the
    # shop's own language (translations_clean refuses it).
    text = ((obj.translations or {}).get(language) or {}).get(field) if language else None
    return text or getattr(obj, field)


def product_title(product: Product, language: str) -> str:
    return _translated(product, language, "title")


def product_description(product: Product, language: str) -> str:
    return _translated(product, language, "description")


def category_name(category: Category, language: str) -> str:
    return _translated(category, language, "name")


def translation_languages(shop_language: str) -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES if code != shop_language)


def translations_clean(value, *, fields: dict[str, int], shop_language: str) -> dict:
    """`value` checked and tidied for storing: known languages other than the shop's, known
    fields, texts within their length; blank texts dropped. Raises TranslationError saying
    what is wrong."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise TranslationError('Expected an object such as {"en": {"title": "…"}}.')
    allowed = translation_languages(shop_language)
    cleaned = {}
    for language, texts in value.items():
        if language == shop_language:
            raise TranslationError(
                f"“{language}” is the shop's own language: write it in the main fields."
            )
        if language not in allowed:
            raise TranslationError(
                f"Unknown language “{language}”; use one of: {', '.join(allowed)}."
            )
        if not isinstance(texts, dict):
            raise TranslationError(f"“{language}” must be an object of texts.")
        kept = {}
        for field, text in texts.items():
            if field not in fields:
                raise TranslationError(
                    f"“{language}.{field}” is not translatable; use: {', '.join(fields)}."
                )
            if not isinstance(text, str):
                raise TranslationError(f"“{language}.{field}” must be a string.")
            if "\x00" in text:  # PostgreSQL cannot store it in a JSON document
                raise TranslationError(f"“{language}.{field}” contains a null character.")
            text = text.strip()
            if len(text) > fields[field]:
                raise TranslationError(
                    f"“{language}.{field}” is longer than {fields[field]} characters."
                )
            if text:
                kept[field] = text
        if kept:
            cleaned[language] = kept
    return cleaned
