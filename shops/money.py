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


# Souk's language codes (settings.LANGUAGES) as Babel's locales; "zh-hans" is not one Babel
# parses.
LOCALES = {"fr": "fr_FR", "en": "en_US", "zh-hans": "zh_Hans_CN"}


@lru_cache(maxsize=8192)  # Babel's formatting is slow and prices repeat
def format_amount(amount_minor: int, currency: str, language: str = "en") -> str:
    """`format_amount(2499, "EUR", "fr")` → '24,99 €'."""
    exponent = minor_unit_exponent(currency)
    value = amount_minor / (10**exponent) if exponent else amount_minor
    locale = Locale.parse(LOCALES.get(language, language.replace("-", "_")))
    return format_currency(value, currency, locale=locale)


class AmountError(ValueError):
    """A typed amount that cannot be read; the message says why, for the form."""


def parse_amount(text: str, currency: str) -> int:
    """What a person types into a price field, in minor units: "24,90", "24.90", "1 234,5",
    "1,234.50", "€24.90" → 2490 for EUR; "1500" → 1500 for JPY. Raises AmountError."""
    cleaned = "".join(ch for ch in str(text) if ch.isdigit() or ch in ",.-")
    if not cleaned or cleaned in {"-", ",", "."}:
        raise AmountError("Enter an amount, such as 24,90.")
    if cleaned.startswith("-"):
        raise AmountError("The amount cannot be negative.")
    exponent = minor_unit_exponent(currency)
    last_sep = max(cleaned.rfind(","), cleaned.rfind("."))
    # A separator followed by 1..exponent digits is the decimal point; others group thousands.
    if last_sep >= 0 and 0 < len(cleaned) - last_sep - 1 <= max(exponent, 0) and exponent:
        whole, fraction = cleaned[:last_sep], cleaned[last_sep + 1 :]
    else:
        whole, fraction = cleaned, ""
    whole = whole.replace(",", "").replace(".", "")
    if not whole and not fraction:
        raise AmountError("Enter an amount, such as 24,90.")
    if not (whole or "0").isdigit() or (fraction and not fraction.isdigit()):
        raise AmountError("Use digits and one decimal separator, such as 24,90.")
    amount = int(whole or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if amount > 10**13:
        raise AmountError("The amount is too large.")
    return amount


def amount_input_value(amount_minor: int | None, currency: str, language: str = "en") -> str:
    """The value shown back in a price field: "24,90" in French, "24.90" in English."""
    if amount_minor is None:
        return ""
    exponent = minor_unit_exponent(currency)
    if not exponent:
        return str(amount_minor)
    whole, fraction = divmod(amount_minor, 10**exponent)
    separator = "," if language == "fr" else "."
    return f"{whole}{separator}{fraction:0{exponent}d}"
