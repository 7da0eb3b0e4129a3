"""How the shopping bot shows the catalog: a product's card, a page of products and a product's
choices.

Builders over loaded catalog objects, with no conversation state, so the bot (bot.py) and the
dashboard's channel preview (preview.py) make the very same normalized messages: the preview
shows what shoppers really get.
"""

from catalog import selectors as catalog
from catalog.models import Product, Variant
from catalog.translations import product_description, product_title
from catalog.translations import variant_label as translated_label
from channels_adapters import messages as m
from config.compiled_query import BIGINT, CompiledQuery
from conversations.payloads import encode
from conversations.phrases import say
from shops.models import Shop
from shops.money import format_amount

PAGE_SIZE = 10  # cards a carousel shows before "More"
VARIANT_CHOICES_MAX = 10


def _page(shop, category_id: int | None, start: int):
    products = catalog.product_list(shop=shop, category_id=category_id, active=True).order_by(
        "created_at", "id"
    )
    return products[start : start + PAGE_SIZE + 1]


# The first page, what nearly every tap on a category shows, compiled once per connection with
# its variants and images (config/compiled_query.py); the shop's filter is in the SQL.
_first_page_of_category = CompiledQuery(
    lambda shop_id, category_id: _page(shop_id, category_id, 0),
    shop_id=-7_403_001,
    category_id=-7_403_002,
)
_first_page_of_all = CompiledQuery(lambda shop_id: _page(shop_id, None, 0), shop_id=-7_403_003)


def products_page(*, shop: Shop, category_id: int | None, page: int) -> list[Product]:
    """One page of a category's active products (all of them for None), oldest first, plus
    one more row when there is a next page."""
    if category_id is not None and int(category_id) not in BIGINT:
        return []  # a tampered payload: no category has that id (SQLite would raise)
    if page == 0 and category_id is None:
        return _first_page_of_all.all(shop_id=shop.pk)
    if page == 0:
        return _first_page_of_category.all(shop_id=shop.pk, category_id=int(category_id))
    return list(_page(shop, category_id, page * PAGE_SIZE))


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


def card_image_url(product: Product) -> str:
    images = list(product.images.all())
    return catalog.public_media_url(images[0].card or images[0].image) if images else ""


def variant_image_url(variant: Variant) -> str:
    """The picture of a cart line: its product's first image."""
    return card_image_url(variant.product)


def product_card(product: Product, *, shop: Shop, lang: str) -> m.Card:
    """The card carries the choice: "Buy now" beside "Add to cart". With one variant in stock
    the tap buys or adds it at once; with several, it asks which one. Choosing the card itself
    (its number in an SMS list, which shows no buttons) opens it with those two choices: a
    number picks a product, never buys one."""
    return m.Card(
        title=product_title(product, lang),
        subtitle=(product_description(product, lang) or "")[:200],
        image_url=card_image_url(product),
        price=price_label(product, shop=shop, lang=lang),
        buttons=(
            m.Button(say("buy_now", lang), encode("buy", product.pk)),
            m.Button(say("add_to_cart", lang), encode("p", product.pk)),
        ),
        payload=encode("show", product.pk),
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


def variant_label(variant: Variant, lang: str = "") -> str:
    """`lang`: the shopper's; without it, the shop's own name."""
    return translated_label(variant, lang)


def item_name(variant: Variant, lang: str = "") -> str:
    """`lang`: the shopper's; without it, the shop's own title."""
    title = product_title(variant.product, lang)
    label = variant_label(variant, lang)
    same = not label or label in (title, variant.product.title)
    return title if same else f"{title} ({label})"


def variant_question(
    product: Product, variants: list[Variant], *, lang: str, buy: bool
) -> m.QuickReplies:
    """Which variant, as buttons; the product's card is already on screen, so it is not sent
    again. `buy`: the chosen variant goes straight to checkout (Buy now)."""
    action = "bv" if buy else "v"
    options = tuple(
        m.Button(variant_label(v, lang), encode(action, v.pk))
        for v in variants[:VARIANT_CHOICES_MAX]
    )
    return m.QuickReplies(say("pick_variant", lang, product=product_title(product, lang)), options)
