"""Shipping-rate names and sold lines in the shopper's language.

A rate's `name` ("Retrait en boutique") is in the shop's language; `translations` holds the
others, {"en": {"name": "Pickup in store"}}: the scheme of shops/translations.py, as products
and variants use it (catalog/translations.py). A sold line keeps its title and variant as they
were sold; a shopper of another language reads the product's and variant's translations while
they still exist.
"""

from catalog.translations import product_title
from orders.models import OrderLine, ShippingRate
from shops.translations import translated

RATE_TEXT_FIELDS = {"name": 60}  # field → longest text accepted


def rate_name(rate: ShippingRate, language: str) -> str:
    return translated(rate, language, "name")


def line_title(line: OrderLine, language: str, shop_language: str) -> str:
    """ "Robe portefeuille (Rouge · 38)" as sold, or "Wrap dress (Red · 38)" for an English
    shopper while the variant exists (line.variant and its product are read: select them)."""
    variant = line.variant if line.variant_id else None
    if variant is None or not language or language == shop_language:
        title, label = line.product_title, line.variant_name
    else:
        title = product_title(variant.product, language)
        # A translation the brand wrote later, else the name as sold (the variant may have
        # been renamed since).
        label = (variant.translations or {}).get(language, {}).get("name") or line.variant_name
    return f"{title} ({label})" if label else title
