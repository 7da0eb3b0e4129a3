"""Which handler answers which event at which step: the whole conversation in one table.

A key is (step, event): the step the conversation is at (engine/state.py), or ANY for an
event that means the same at every step, and the event's name — "tap:<action>" for a button
(its payload's action, conversations/payloads.py), "text" for a typed answer, "contact" and
"location" for what the shopper shared, "cart" for a cart sent from a catalog, "other" for
anything the bot cannot read. The entry's handler gets the bot, then the tap's arguments (as
many as `arity`), the text, or the event.

The engine looks up (step, event) first, then (ANY, event). Adding a button: a handler (a
method of the bot or of its checkout) and one entry here. Adding a step: a `Step` value and
its ("text") entry.
"""

from collections.abc import Callable
from dataclasses import dataclass

from conversations import checkout_location as location
from conversations.bot import ShoppingBot
from conversations.engine.state import Step
from conversations.reply import Reply

ANY = None


@dataclass(frozen=True)
class Route:
    handler: Callable[..., Reply]
    arity: int = 0  # how many integer arguments a tap's payload carries


TABLE: dict[tuple[Step | None, str], Route] = {
    # The menu and browsing.
    (ANY, "tap:start"): Route(ShoppingBot.greeting),
    (ANY, "tap:menu"): Route(ShoppingBot.greeting),
    (ANY, "tap:browse"): Route(ShoppingBot.categories),
    (ANY, "tap:search"): Route(ShoppingBot.ask_search),
    (ANY, "tap:human"): Route(ShoppingBot.handoff),
    (ANY, "tap:cat"): Route(ShoppingBot.products, arity=2),  # category (0: all), page
    (ANY, "tap:sr"): Route(ShoppingBot.search_page, arity=1),  # page of the last search
    # A product's card: add to cart, or buy now (which variant first, when there are several);
    # the card chosen by its number (SMS) shows those two choices.
    (ANY, "tap:show"): Route(ShoppingBot.show, arity=1),
    (ANY, "tap:p"): Route(ShoppingBot.product, arity=1),
    (ANY, "tap:buy"): Route(ShoppingBot.buy, arity=1),
    (ANY, "tap:v"): Route(ShoppingBot.variant, arity=1),
    (ANY, "tap:bv"): Route(ShoppingBot.buy_variant, arity=1),
    (ANY, "tap:q"): Route(ShoppingBot.add, arity=2),  # variant, quantity
    # The cart.
    (ANY, "tap:cart"): Route(ShoppingBot.cart),
    (ANY, "tap:line"): Route(ShoppingBot.line, arity=1),
    (ANY, "tap:l"): Route(ShoppingBot.set_line, arity=2),  # line, new quantity (0 removes)
    (ANY, "cart"): Route(ShoppingBot.cart_submitted),
    # Where is my order: the last one, the ones under way, one of them.
    (ANY, "tap:status"): Route(ShoppingBot.order_status),
    (ANY, "tap:orders"): Route(ShoppingBot.open_orders),
    (ANY, "tap:order"): Route(ShoppingBot.order_status, arity=1),
    # Checkout and paying.
    (ANY, "tap:checkout"): Route(lambda bot: bot.checkout.start()),
    (ANY, "tap:ship"): Route(lambda bot, rate: bot.checkout.choose_rate(rate), arity=1),
    (ANY, "tap:pay"): Route(lambda bot: bot.checkout.pay(saved=False)),
    (ANY, "tap:okpay"): Route(lambda bot: bot.checkout.pay(saved=True)),
    (ANY, "tap:chaddr"): Route(lambda bot: bot.checkout.change_address()),
    (ANY, "tap:chship"): Route(lambda bot: bot.checkout.change_rate()),
    (ANY, "tap:cancel"): Route(lambda bot: bot.checkout.cancel()),
    (ANY, "tap:reorder"): Route(lambda bot: bot.checkout.reorder()),
    (Step.NAME, "text"): Route(lambda bot, text: bot.checkout.name_typed(text)),
    (Step.PHONE, "text"): Route(lambda bot, text: bot.checkout.phone_typed(text)),
    (Step.PHONE, "contact"): Route(lambda bot, event: bot.checkout.phone_shared(event)),
    (Step.SHIPPING, "text"): Route(lambda bot, text: bot.checkout.shipping_typed(text)),
    (Step.ADDRESS, "text"): Route(lambda bot, text: bot.checkout.address_typed(text)),
    (Step.ADDRESS, "location"): Route(lambda bot, event: bot.checkout.location_shared(event)),
    (ANY, "tap:location"): Route(lambda bot: location.share_tapped(bot.checkout)),
    (Step.ADDRESS_DETAILS, "text"): Route(lambda bot, t: location.details_typed(bot.checkout, t)),
    (Step.ADDRESS_DETAILS, "location"): Route(lambda bot, e: bot.checkout.location_shared(e)),
    (ANY, "tap:pinok"): Route(lambda bot: location.details_done(bot.checkout)),
    (Step.CONFIRM, "text"): Route(lambda bot, text: bot.checkout.confirm_typed(text)),
    # Everything else.
    (ANY, "text"): Route(ShoppingBot.free_text),
    (ANY, "contact"): Route(ShoppingBot.shared),
    (ANY, "location"): Route(ShoppingBot.shared),
    (ANY, "other"): Route(lambda bot, event: bot.unsupported()),
}


def route(step: Step, event: str) -> Route | None:
    return TABLE.get((step, event)) or TABLE.get((ANY, event))
