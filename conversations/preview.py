"""The dashboard's channel preview: the bot's own messages for a product or a category
(conversations.showcase), rendered by every channel's adapter (channels_adapters.preview).

This module sits in conversations because it needs both the catalog and the adapters;
channels_adapters may import neither the catalog nor the bot.
"""

from dataclasses import dataclass, field

from catalog import selectors as catalog
from catalog.models import Category, Product
from channels_adapters import messages as m
from channels_adapters.preview import ChannelPreview, channel_previews
from conversations import showcase
from conversations.payloads import encode
from conversations.phrases import say
from shops.models import Shop
from shops.tenancy import get_for_shop_or_404

CHOICES_MAX = 1000  # products offered in the picker; any id of the shop still works in the URL


@dataclass
class Preview:
    """What the page shows: the subject, why the bot would say something else, the channels."""

    subject: str = ""
    situation: str = ""  # when shoppers get these messages
    warnings: list[str] = field(default_factory=list)
    channels: list[ChannelPreview] = field(default_factory=list)


def preview_choices(*, shop: Shop) -> tuple[list[tuple[int, str, bool]], list[Category]]:
    """(id, title, active) of the shop's products by title, and its categories: the pickers."""
    products = list(
        catalog.product_list(shop=shop)
        .select_related(None)
        .prefetch_related(None)
        .order_by("title", "id")
        .values_list("pk", "title", "active")[:CHOICES_MAX]
    )
    return products, list(catalog.category_list(shop=shop))


def product_for_preview(*, shop: Shop, product_id: str) -> Product:
    """The shop's product with its variants and images (404 for another shop's id)."""
    return get_for_shop_or_404(catalog.product_list(shop=shop), shop=shop, pk=product_id)


def category_for_preview(*, shop: Shop, category_id: str) -> Category:
    return get_for_shop_or_404(catalog.category_list(shop=shop), shop=shop, pk=category_id)


def product_preview(*, shop: Shop, product: Product) -> Preview:
    """The screen a shopper gets after tapping "Choose" on the product."""
    lang = shop.language
    preview = Preview(subject=product.title)
    if not product.active:
        preview.warnings.append(
            "This product is inactive: shoppers never see it (the bot says it is no longer "
            "available). Below is how it will look once active."
        )
    variants = showcase.in_stock_variants(product)
    card = m.Carousel((showcase.product_card(product, shop=shop, lang=lang),))
    if len(variants) > 1:
        question = showcase.variant_question(product, variants, lang=lang, buy=False)
        messages: list[m.OutboundMessage] = [card, question]
        preview.situation = (
            f"The card, then what a shopper gets after tapping “{say('add_to_cart', lang)}”: "
            f"its {len(variants)} variants in stock to pick from."
        )
        if len(variants) > showcase.VARIANT_CHOICES_MAX:
            preview.warnings.append(
                f"Only the first {showcase.VARIANT_CHOICES_MAX} variants in stock are offered."
            )
    elif variants:
        messages = [card]
        preview.situation = (
            "One variant in stock: one tap on the card buys it or puts it in the cart."
        )
    else:
        messages = [m.Carousel((showcase.product_card(product, shop=shop, lang=lang),))]
        preview.situation = "How the product shows in a list."
        preview.warnings.append("Nothing in stock: shoppers who tap it are told it is sold out.")
    preview.channels = channel_previews(messages)
    return preview


def category_preview(*, shop: Shop, category: Category) -> Preview:
    """The page of products a shopper gets after picking the category."""
    lang = shop.language
    preview = Preview(subject=category.name)
    products = showcase.products_page(shop=shop, category_id=category.pk, page=0)
    if not products:
        preview.warnings.append(
            "No active product in this category: the bot says nothing is available."
        )
        return preview
    carousel = showcase.products_carousel(
        products,
        shop=shop,
        lang=lang,
        intro=say("here_are", lang),
        more_payload=encode("cat", category.pk, 1),
    )
    preview.situation = "What a shopper gets after picking this category: its first products."
    if carousel.more is not None:
        preview.situation += (
            f" More than {showcase.PAGE_SIZE}: “{carousel.more.title}” shows the next ones."
        )
    preview.channels = channel_previews([carousel])
    return preview
