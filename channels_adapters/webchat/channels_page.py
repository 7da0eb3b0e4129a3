"""The web chat's section of the dashboard's Channels page (the adapter's
`channels_page_section`): the shop's public chat link, the widget's snippet in the bubble's
colour, and a plain link for places a script cannot go."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils.html import escape
from PIL import Image

TEMPLATE = "webchat/channels_section.html"
WIDGET_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
DEFAULT_WIDGET_COLOR = "#8a4b08"  # the web chat's own accent


def section(request, row) -> tuple[str, dict]:
    """The section's template and context; `row` is the Channels page's row of the shop's web
    chat account (its `webhook_url` is the chat page's public URL)."""
    shop = request.shop
    color = request.GET.get("color", "")
    color = color if WIDGET_COLOR.match(color) else logo_colour(shop)
    return TEMPLATE, {
        "row": row,
        "account": row.account,
        "chat_url": row.webhook_url,
        "embed_snippet": _embed_snippet(row.webhook_url, shop.language),
        "widget_snippet": _widget_snippet(shop, color),
        "widget_color": color,
    }


def _widget_snippet(shop, color: str) -> str:
    # The script's stable address (a redirect to the fingerprinted file), on the public URL.
    src = settings.SOUK_PUBLIC_URL.rstrip("/") + reverse("webchat-widget")
    return (
        f'<script src="{escape(src)}" data-shop="{escape(shop.slug)}" '
        f'data-color="{escape(color)}" async></script>'
    )


def logo_colour(shop) -> str:
    """The shop's colour as its logo shows it: the most frequent vivid colour (neither near
    white, near black nor grey); the chat's default without a logo or a vivid colour."""
    if not shop.logo:
        return DEFAULT_WIDGET_COLOR
    try:
        with shop.logo.open("rb") as file, Image.open(file) as image:
            small = image.convert("RGB")
            small.thumbnail((64, 64))
            colours = small.quantize(colors=8).convert("RGB").getcolors(64 * 64) or []
    except (OSError, ValueError):
        return DEFAULT_WIDGET_COLOR
    for _count, (red, green, blue) in sorted(colours, reverse=True):
        brightest, darkest = max(red, green, blue), min(red, green, blue)
        if brightest > 40 and darkest < 225 and brightest - darkest > 60:
            return f"#{red:02x}{green:02x}{blue:02x}"
    return DEFAULT_WIDGET_COLOR


def _embed_snippet(chat_url: str, language: str) -> str:
    # For places a script cannot go (an e-mail, a bio): the full chat page in its own tab.
    label = "Discutez avec nous" if language == "fr" else "Chat with us"
    return f'<a href="{escape(chat_url)}" target="_blank" rel="noopener">{label}</a>'
