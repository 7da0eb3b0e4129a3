"""The dashboard's navigation: one list, filtered by the role table, so a link is shown
exactly when its page would open for the signed-in person."""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from django.urls import NoReverseMatch, reverse

from channels_adapters import registry
from shops.roles import role_can


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    section: str = ""
    # Other URL-name prefixes that highlight this item (a product page lights "Products").
    active_prefixes: tuple[str, ...] = ()
    # URL names that also highlight it, asked when the menu is drawn: the pages channel
    # packages add (listing them here would name the channels).
    active_names: Callable[[], Collection[str]] | None = None


def channel_page_names() -> frozenset[str]:
    """The URL names of the pages channel packages add to the dashboard (WhatsApp's message
    templates), as each package's `dashboard_urls` declares them."""
    return _page_names_of(registry.CHANNELS)


@cache  # looking for the modules costs ~0.5 ms a menu; keyed on the registry's lines
def _page_names_of(_channels: tuple) -> frozenset[str]:
    names = set()
    for _kind, module in registry.dashboard_urlconfs():
        names.update(pattern.name for pattern in import_module(module).urlpatterns if pattern.name)
    return frozenset(names)


NAVIGATION = (
    NavItem("Overview", "dashboard:overview", "dashboard.view"),
    NavItem("Inbox", "dashboard:inbox", "inbox.use", active_prefixes=("inbox", "canned_reply")),
    NavItem("Orders", "dashboard:order_list", "orders.view", active_prefixes=("order_",)),
    NavItem("Analytics", "dashboard:analytics", "orders.view", active_prefixes=("analytics",)),
    NavItem(
        "Customers", "dashboard:customer_list", "customers.view", active_prefixes=("customer_",)
    ),
    NavItem(
        "Products",
        "dashboard:product_list",
        "catalog.view",
        section="Catalog",
        active_prefixes=("product_", "variant_", "image_", "stock_"),
    ),
    NavItem("Categories", "dashboard:category_list", "catalog.view", "Catalog", ("category_",)),
    NavItem("Import", "dashboard:import_start", "catalog.edit", "Catalog", ("import_",)),
    NavItem(
        "Channels",
        "dashboard:channel_list",
        "channels.manage",
        "Sell",
        ("channel_", "preview"),
        channel_page_names,
    ),
    NavItem("Shop", "dashboard:settings_shop", "settings.manage", "Settings", ("settings_shop",)),
    NavItem("Shipping", "dashboard:shipping_list", "shipping.manage", "Settings", ("shipping_",)),
    NavItem("Payments", "dashboard:payment_settings", "payments.manage", "Settings", ("payment_",)),
    NavItem(
        "Team", "dashboard:team", "team.manage", "Settings", ("team", "member_", "invitation_")
    ),
    NavItem("API keys", "dashboard:api_key_list", "api_keys.manage", "Settings", ("api_key_",)),
    NavItem("Webhooks", "dashboard:webhook_list", "webhooks.manage", "Settings", ("webhook_",)),
)


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str
    section: str
    active: bool


def navigation_for(*, role: str | None, current_url_name: str) -> list[NavLink]:
    links = []
    for item in NAVIGATION:
        if not role_can(role, item.permission):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:  # an app that does not mount this page
            continue
        short = item.url_name.split(":", 1)[1]
        active = (
            current_url_name == short
            or current_url_name.startswith(item.active_prefixes)
            or (item.active_names is not None and current_url_name in item.active_names())
        )
        links.append(NavLink(item.label, url, item.section, active))
    return links
