"""Currencies: ISO 4217 codes, their minor-unit exponent, and how amounts read to a person.

Amounts are integers in the currency's smallest unit, as Stripe and Telegram carry them.
"""

from functools import cache, lru_cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies


@cache
def supported_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    return code in supported_currencies()


def minor_unit_exponent(currency: str) -> int:
    """2 for EUR (1999 → 19.99), 0 for JPY, 3 for KWD."""
    return get_currency_precision(currency)


@lru_cache(maxsize=8192)  # Babel's formatting is slow and prices repeat
def format_amount(amount_minor: int, currency: str, language: str = "en") -> str:
    """`format_amount(2499, "EUR", "fr")` → '24,99 €'."""
    exponent = minor_unit_exponent(currency)
    value = amount_minor / (10**exponent) if exponent else amount_minor
    locale = Locale.parse({"fr": "fr_FR", "en": "en_US"}.get(language, language))
    return format_currency(value, currency, locale=locale)
