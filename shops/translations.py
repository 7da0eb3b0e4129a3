"""Text a brand writes in its shop's language, and the same text in the shop's other languages.

One scheme for every translatable thing (a shop's answers here, products and categories in
catalog/translations.py): the field itself holds the shop's language; a `translations` JSON
field holds the others, {"en": {"delivery_info": …}}. A language or field left out reads as the
shop's text, so a shopper always gets one whole text rather than none. (A JSON field rather than
a column per language: the languages a shop writes in are data, and the API and CSV carry them
as they are stored.)
"""

from django.conf import settings
from django.utils.translation import get_language_info

from shops.languages import offered_languages
from shops.models import Shop

# field → longest text accepted
SHOP_FIELDS = {"delivery_info": 1000, "returns_info": 1000}


class TranslationError(ValueError):
    pass


def translated(obj, language: str, field: str) -> str:
    """`obj.field` in `language`, else as the shop wrote it."""
    # No look at obj.shop (a query per product in a carousel): translations never hold the
    # shop's own language (translations_clean refuses it).
    text = ((obj.translations or {}).get(language) or {}).get(field) if language else None
    return text or getattr(obj, field)


def shop_text(shop: Shop, field: str, language: str) -> str:
    """One of the brand's answers (SHOP_FIELDS) in the shopper's language, else the shop's."""
    return translated(shop, language, field)


def translation_languages(shop: "Shop | str") -> tuple[str, ...]:
    """The languages a shop offers besides its own (Shop.languages): each gets its own
    translation fields. Given only a language code (no shop at hand), every other language of
    Souk's."""
    if isinstance(shop, str):
        return tuple(code for code, _name in settings.LANGUAGES if code != shop)
    return offered_languages(shop)


def unoffered_translations(translations: dict, shop: Shop) -> dict:
    """The texts of `translations` in languages `shop` does not offer (any more). A form has no
    field for them, so it keeps them as they are, for when the language is offered again."""
    offered = translation_languages(shop)
    return {
        language: texts
        for language, texts in (translations or {}).items()
        if language not in offered and language != shop.language
    }


def _own_language(shop: "Shop | str") -> str:
    return shop if isinstance(shop, str) else shop.language


def language_name(code: str) -> str:
    """The language's English name ("French"), as the dashboard is written."""
    try:
        return get_language_info(code)["name"]
    except KeyError:
        return code


def translation_key(field: str, language: str) -> str:
    """A translation's flat name, as the CSV columns and the dashboard's fields write it."""
    return f"{field}_{language}"


def translations_from_flat(values: dict, *, fields, shop_language: "Shop | str") -> dict:
    """{"title_en": "…"} → {"en": {"title": "…"}}, for the languages the shop offers besides
    its own (`shop_language`: the Shop, or its language for all of Souk's); blank texts are
    left out (a blank field removes that translation)."""
    result = {}
    for language in translation_languages(shop_language):
        texts = {}
        for field in fields:
            text = (values.get(translation_key(field, language)) or "").strip()
            if text:
                texts[field] = text
        if texts:
            result[language] = texts
    return result


def translations_clean(value, *, fields: dict[str, int], shop_language: "Shop | str") -> dict:
    """`value` checked and tidied for storing: known languages other than the shop's, known
    fields, texts within their length; blank texts dropped. Raises TranslationError saying
    what is wrong."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        example = next(iter(fields), "text")
        raise TranslationError(f'Expected an object such as {{"en": {{"{example}": "…"}}}}.')
    # Any of Souk's other languages, offered or not: a language the shop stops offering keeps
    # its texts (unused until offered again), so a GET → PUT round trip never fails on them.
    shop_language = _own_language(shop_language)
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
