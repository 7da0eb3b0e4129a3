"""How the shopping bot shows the catalog: a product's card, a page of products, a product's
choices and the quantity question.

Builders over loaded catalog objects, with no conversation state, so the bot (bot.py) and the
dashboard's channel preview (preview.py) make the very same normalized messages: the preview
shows what shoppers really get.
"""

import dataclasses

from catalog import selectors as catalog
from catalog.models import Product, Variant
from channels_adapters import messages as m
from conversations.payloads import encode
from conversations.phrases import say
from shops.models import Shop
from shops.money import format_amount

PAGE_SIZE = 10  # cards a carousel shows before "More"
VARIANT_CHOICES_MAX = 10
QUANTITY_CHOICES = (1, 2, 3)


def products_page(*, shop: Shop, category_id: int | None, page: int) -> list[Product]:
    """One page of a category's active products (all of them for None), oldest first, plus
    one more row when there is a next page."""
    products = catalog.product_list(shop=shop, category_id=category_id, active=True).order_by(
        "created_at", "id"
    )
    start = page * PAGE_SIZE
    return list(products[start : start + PAGE_SIZE + 1])


def price_label(product: Product, *, shop: Shop, lang: str) -> str:
    variants = list(product.variants.all())
    if not variants:
        return ""
    if not any(v.in_stock for v in variants):
        return say("out_of_stock", lang)
    low = min(v.price for v in variants)
    price = format_amount(low, shop.currency, lang)
    if any(v.price != low for v in variants):
        return say("from_price", lang, price=price)
    return price


def product_card(product: Product, *, shop: Shop, lang: str) -> m.Card:
    images = list(product.images.all())
    image_url = ""
    if images:
        image_url = catalog.public_media_url(images[0].card or images[0].image)
    return m.Card(
        title=product.title,
        subtitle=(product.description or "")[:200],
        image_url=image_url,
        price=price_label(product, shop=shop, lang=lang),
        buttons=(m.Button(say("choose", lang), encode("p", product.pk)),),
    )


def products_carousel(
    products: list[Product], *, shop: Shop, lang: str, intro: str, more_payload: str
) -> m.Carousel:
    """The first PAGE_SIZE products as cards; "More" when `products` holds one more."""
    page, has_more = products[:PAGE_SIZE], len(products) > PAGE_SIZE
    more = m.Button(say("more", lang), more_payload) if has_more else None
    cards = tuple(product_card(p, shop=shop, lang=lang) for p in page)
    return m.Carousel(cards, text=intro, more=more)


def in_stock_variants(product: Product) -> list[Variant]:
    return [v for v in product.variants.all() if v.in_stock]


def variant_label(variant: Variant) -> str:
    return variant.name or " / ".join(str(v) for v in (variant.options or {}).values())


def item_name(variant: Variant) -> str:
    label = variant_label(variant)
    same = not label or label == variant.product.title
    return variant.product.title if same else f"{variant.product.title} ({label})"


def variant_choice(
    product: Product, variants: list[Variant], *, shop: Shop, lang: str
) -> tuple[m.Carousel, m.QuickReplies]:
    """The product's card, then "which one?" with its variants (in the given order) to tap."""
    options = tuple(
        m.Button(variant_label(v), encode("v", v.pk)) for v in variants[:VARIANT_CHOICES_MAX]
    )
    # The card shows the product; its variants are the choices (no second "Choose").
    card = dataclasses.replace(product_card(product, shop=shop, lang=lang), buttons=())
    question = m.QuickReplies(say("pick_variant", lang, product=product.title), options)
    return m.Carousel((card,)), question


def quantity_question(variant: Variant, *, lang: str) -> m.QuickReplies:
    most = 99 if not variant.track_stock else min(variant.stock, 99)
    options = tuple(
        m.Button(str(n), encode("q", variant.pk, n)) for n in QUANTITY_CHOICES if n <= most
    )
    return m.QuickReplies(say("pick_quantity", lang, item=item_name(variant)), options)
