"""Where to deliver, in the chat: the address typed, or the shopper's location shared in one tap.

The address is asked in the chat only when no payment sheet collects it (checkout_flow.py). On
a channel that can receive a location (`Capabilities.location_sharing`: Telegram, WhatsApp, the
web chat) the question carries a "Share my location" option (`messages.SHARE_LOCATION`), which
each adapter draws natively: Telegram's `request_location` keyboard button, WhatsApp's location
request message, the web chat's geolocation button. Messenger (which removed its location quick
reply) and SMS ask for the address typed.

What a pin is worth, and why one more question. No geocoding service is reachable from Souk,
so coordinates are not turned into a street address: they are kept as they are in the
checkout's address (`{"latitude", "longitude"}`, plus `"text"` when the platform named the
place, e.g. a Telegram venue), and the brand opens them as an openstreetmap.org link on the
order page and in the inbox. A pin finds the building, not the door: what a courier still
needs is what no map holds — building, floor, flat, door code. So after a pin the bot asks
exactly that, once, and it is optional: a "That's all" tap skips it. The answer is kept as
`"details"`. Asking for a street address on top of a pin would repeat what the pin says; asking
nothing would send couriers to a building's pavement. The whole address (pin and details) is
remembered with the shopper's other details, so a returning shopper is not asked again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channels_adapters import messages as m
from conversations.engine.state import Step
from conversations.payloads import encode
from conversations.reply import Reply
from orders import checkout as checkouts

if TYPE_CHECKING:
    from conversations.checkout_flow import CheckoutFlow

DETAILS_MAX = 200
COORDINATE_DECIMALS = 6  # about 10 cm: more is noise from the device
# Typed instead of tapping "That's all" (compared without case or final punctuation).
NOTHING_TO_ADD = {
    "no",
    "none",
    "nothing",
    "that's all",
    "thats all",
    "non",
    "rien",
    "c'est tout",
    "cest tout",
    "-",
}


def address_question(flow: CheckoutFlow) -> Reply:
    """The address question, with the location button where the channel can receive one."""
    flow.state.step = Step.ADDRESS
    if not flow.bot.capabilities.location_sharing:
        return flow._question("ask_address_typed")
    share = m.Button(flow._say("share_location"), m.SHARE_LOCATION)
    return flow._question("ask_address", (share,))


def location_shared(flow: CheckoutFlow, event: m.LocationShared) -> Reply:
    """A location sent while the checkout waits for the address (or for its details: a second
    pin replaces the first)."""
    checkout = flow._open_checkout()
    if checkout is None:
        return flow.bot.shared(event)
    address = {
        "latitude": round(event.latitude, COORDINATE_DECIMALS),
        "longitude": round(event.longitude, COORDINATE_DECIMALS),
    }
    if event.address:
        address["text"] = event.address[:300]
    checkouts.checkout_update(checkout=checkout, shipping_address=address)
    return _ask_details(flow, "ask_address_details")


def _ask_details(flow: CheckoutFlow, key: str) -> Reply:
    flow.state.step = Step.ADDRESS_DETAILS
    done = m.Button(flow._say("address_complete"), encode("pinok"))
    return flow._question(key, (done,))


def details_typed(flow: CheckoutFlow, text: str) -> Reply:
    """What the courier needs besides the pin, typed; "no", "c'est tout"… add nothing."""

    def record(checkout, value):
        address = checkout.shipping_address or {}
        if "latitude" not in address:
            return address_question(flow)  # the pin is gone (changed elsewhere): ask again
        if value.casefold().rstrip(".! ") in NOTHING_TO_ADD:
            return None
        if len(value) > DETAILS_MAX:
            return _ask_details(flow, "ask_address_details_again")
        checkouts.checkout_update(checkout=checkout, shipping_address={**address, "details": value})

    return flow._answered(text, record)


def details_done(flow: CheckoutFlow) -> Reply:
    """ "That's all": the pin is enough."""
    checkout = flow._open_checkout()
    if checkout is None:
        return flow._expired()
    return flow._next(checkout)


def share_tapped(flow: CheckoutFlow) -> Reply:
    """The location option picked by its number rather than by the channel's own button: a
    number cannot carry a location, so the question again, its button or the typed address."""
    if flow._open_checkout() is None:
        return flow._expired()
    return address_question(flow)


def address_line(address: dict) -> str:
    """A shipping address as one line: its text, or the pin's coordinates, then the details
    for the courier; "" for none."""
    where = address.get("text") or ""
    if not where and address.get("latitude") is not None:
        where = f"📍 {float(address['latitude']):.5f}, {float(address['longitude']):.5f}"
    return ", ".join(part for part in (where, address.get("details") or "") if part)
