"""Template helpers every dashboard page uses: money, status badges, query strings."""

from django import template
from django.utils.html import format_html

from shops.money import format_amount

register = template.Library()


@register.filter
def money(amount, shop_or_currency) -> str:
    """`{{ order.total|money:current_shop }}` → "24,99 €" in the shop's language."""
    if amount is None or amount == "":
        return ""
    if isinstance(shop_or_currency, str):
        return format_amount(int(amount), shop_or_currency, "en")
    return format_amount(int(amount), shop_or_currency.currency, shop_or_currency.language)


BADGE_TONES = {
    "paid": "ok",
    "confirmed": "ok",
    "completed": "ok",
    "active": "ok",
    "fulfilled": "ok",
    "delivered": "ok",
    "succeeded": "ok",
    "done": "ok",
    "sent": "ok",
    "awaiting": "wait",
    "pending": "wait",
    "queued": "wait",
    "previewed": "wait",
    "running": "info",
    "unfulfilled": "wait",
    "partially_refunded": "info",
    "refunded": "info",
    "failed": "bad",
    "error": "bad",
    "cancelled": "muted",
    "voided": "muted",
    "disabled": "muted",
}


@register.simple_tag
def badge(value: str, label: str = "") -> str:
    """A status pill: `{% badge order.payment_status order.get_payment_status_display %}`."""
    tone = BADGE_TONES.get(str(value), "muted")
    return format_html('<span class="badge badge-{}">{}</span>', tone, label or value)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters changed (pagination, sorting links):
    `href="?{% query_with page=3 %}"`. A value of None removes the parameter."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag(takes_context=True)
def page_query(context, param: str, number: int) -> str:
    """The current query string with page parameter `param` set to `number`
    (dashboard/_pagination.html: a page may list several things, each with its own)."""
    return query_with(context, **{param: number})
