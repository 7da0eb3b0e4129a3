"""What Stripe Checkout asks the shopper besides the card, and what it collected.

The chat leaves to the payment page whatever the order still lacks (conversations/
checkout_flow.py, `collects_details`): Stripe's page asks the name, the phone number, the
delivery address and the delivery option, each only when the order has none yet, so a detail
saved from an earlier order is never asked again. Once paid, `collected_details` reads them
from the session (in the shape of the API version the client pins: the address in
`collected_information.shipping_details`, the phone in `customer_details`, the chosen option
in `shipping_cost`) and payments/collected.py writes them on the order.
"""

from __future__ import annotations

import typing
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.core import get_global
from babel.numbers import get_territory_currencies
from stripe.params.checkout import SessionCreateParamsShippingAddressCollection

from orders.models import Order, ShippingRate
from orders.selectors import shipping_rates
from orders.translations import rate_name
from payments.pay_page import shopper_language
from payments.providers.base import CollectedDetails

# Stripe Checkout offers at most five delivery options (`shipping_options`, "Up to a maximum
# of 5"): a shop with more has the chat ask the option first (PaymentProvider.
# delivery_options_max); an order placed without one otherwise gets the shop's first five.
DELIVERY_OPTIONS_MAX = 5
RATE_METADATA_KEY = "souk_shipping_rate_id"
# Stripe's list ends with "ZZ", "unknown region": not somewhere a parcel goes.
NOT_COUNTRIES = frozenset({"ZZ"})


@lru_cache(maxsize=1)
def stripe_shipping_countries() -> frozenset[str]:
    """The countries Stripe accepts in `allowed_countries`, as the installed stripe-python
    types them (Stripe refuses a session naming any other, e.g. a sanctioned country)."""
    hints = typing.get_type_hints(SessionCreateParamsShippingAddressCollection)
    (items,) = typing.get_args(hints["allowed_countries"])
    codes = {
        code
        for arg in typing.get_args(items)
        if typing.get_origin(arg) is typing.Literal
        for code in typing.get_args(arg)
    }
    return frozenset(codes - NOT_COUNTRIES)


@lru_cache(maxsize=32)
def _countries_paying_in(currency: str) -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if len(code) == 2
        and code.isalpha()
        and currency in get_territory_currencies(code, tender=True)
    )


def shipping_countries(shop) -> list[str]:
    """Where the shop ships, for Stripe's address form. Neither the shop nor its rates name
    countries, so: the shop's own country (from its time zone: Europe/Paris is France) and the
    countries that pay in the shop's currency (a euro shop ships across the euro area, a
    pound one to the British Isles), as a flat-rate shop's customers would expect. When
    neither tells (a UTC shop in a currency of its own), every country Stripe serves, rather
    than a page that refuses the shopper's address."""
    accepted = stripe_shipping_countries()
    home = get_global("zone_territories").get(shop.timezone)
    countries = set(_countries_paying_in(shop.currency.upper()))
    if home:
        countries.add(home)
    return sorted((countries & accepted) or accepted)


def delivery_options(order: Order) -> list[ShippingRate]:
    """The delivery options Stripe's page offers: the shop's active rates (its first five)
    when the order has none yet; none once chosen."""
    if order.shipping_rate_id is not None or order.shipping_method:
        return []
    return list(shipping_rates(shop=order.shop)[:DELIVERY_OPTIONS_MAX])


def _delivery_estimate(rate: ShippingRate) -> dict[str, Any]:
    """The brand's own promise in business days; nothing when it made none (a made-up
    estimate would be a promise the brand never made)."""
    bounds = (("minimum", rate.delivery_days_min), ("maximum", rate.delivery_days_max))
    return {bound: {"unit": "business_day", "value": days} for bound, days in bounds if days}


def _shipping_option(order: Order, rate: ShippingRate, language: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "fixed_amount",
        "display_name": rate_name(rate, language),
        "fixed_amount": {
            "amount": rate.cost_for(order.subtotal),
            "currency": order.currency.lower(),
        },
        "metadata": {RATE_METADATA_KEY: str(rate.pk)},
    }
    estimate = _delivery_estimate(rate)
    if estimate:
        data["delivery_estimate"] = estimate
    return {"shipping_rate_data": data}


def _needs_address(order: Order, options: list[ShippingRate]) -> bool:
    """Stripe's address form does not depend on the option chosen: it is shown unless the
    order's option, or every option offered, is a pickup."""
    if order.shipping_address:
        return False
    if order.shipping_rate is not None:
        return order.shipping_rate.needs_address
    return not options or any(rate.needs_address for rate in options)


def details_params(order: Order, *, customer_ref: str = "") -> dict[str, Any]:
    """The Checkout Session parameters that ask what the order still lacks, and only that."""
    params: dict[str, Any] = {}
    options = delivery_options(order)
    asks_address = _needs_address(order, options)
    if asks_address:
        # The address form asks the recipient's name too.
        params["shipping_address_collection"] = {
            "allowed_countries": shipping_countries(order.shop)
        }
    elif not order.contact_name.strip():
        params["name_collection"] = {"individual": {"enabled": True}}
    if not order.contact_phone.strip():
        params["phone_number_collection"] = {"enabled": True}
    if options:
        language = shopper_language(order)  # the page's (stripe.py sets its locale)
        params["shipping_options"] = [_shipping_option(order, r, language) for r in options]
    if customer_ref and (asks_address or "name_collection" in params):
        # A shopper Stripe knows keeps what they typed on their Stripe customer, so Stripe's
        # page (and Link) fills it for them next time.
        params["customer_update"] = {"name": "auto"}
        if asks_address:
            params["customer_update"]["shipping"] = "auto"
    return params


def _address(details: dict[str, Any]) -> dict[str, Any]:
    """Stripe's address as orders keep one (the same keys as a Telegram invoice's)."""
    address = details.get("address") or {}
    fields = {
        "street_line1": address.get("line1") or "",
        "street_line2": address.get("line2") or "",
        "post_code": address.get("postal_code") or "",
        "city": address.get("city") or "",
        "state": address.get("state") or "",
        "country_code": address.get("country") or "",
    }
    parts = [
        fields["street_line1"],
        fields["street_line2"],
        " ".join(p for p in (fields["post_code"], fields["city"]) if p),
        fields["state"],
        fields["country_code"],
    ]
    text = ", ".join(p for p in parts if p)
    if not text:
        return {}
    return {"text": text[:300], **{k: str(v)[:100] for k, v in fields.items()}}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def collected_details(session: dict[str, Any]) -> CollectedDetails:
    """What the shopper gave on a paid session's page. The session must have been retrieved
    with `shipping_cost.shipping_rate` expanded (to read our rate id back)."""
    customer = _dict(session.get("customer_details"))
    collected = _dict(session.get("collected_information"))
    # API versions before 2025-03-31 kept it at the top level (a webhook endpoint pinned to
    # an older version still sends it there).
    shipping = _dict(collected.get("shipping_details")) or _dict(session.get("shipping_details"))
    name = (
        shipping.get("name")
        or collected.get("individual_name")
        or customer.get("individual_name")
        or customer.get("name")
        or ""
    )
    cost = _dict(session.get("shipping_cost"))
    rate = cost.get("shipping_rate")
    rate = rate if isinstance(rate, dict) else {}
    rate_id = str(_dict(rate.get("metadata")).get(RATE_METADATA_KEY) or "")
    amount = cost.get("amount_total")
    charged = session.get("amount_total")
    return CollectedDetails(
        contact_name=str(name).strip()[:150],
        contact_phone=str(customer.get("phone") or "").strip()[:32],
        shipping_address=_address(shipping),
        shipping_rate_id=int(rate_id) if rate_id.isdigit() else None,
        shipping_method=str(rate.get("display_name") or "")[:60] if cost else "",
        shipping_amount=amount if cost and isinstance(amount, int) else None,
        amount_charged=charged if isinstance(charged, int) else None,
    )
