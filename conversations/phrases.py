"""What the bot says to a shopper, in the shopper's language, through Django's i18n.

Each phrase is its English text (the msgid) under its key, the key doubling as the gettext
context, so two phrases that read the same in English may still differ in French; the French is
in locale/fr/LC_MESSAGES/django.po (docs/conversations.md, "Languages").
"""

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import npgettext, pgettext_lazy


@dataclass(frozen=True)
class Plural:
    """A phrase whose wording follows a number: "1 item", "2 items" (ngettext)."""

    context: str
    singular: str
    plural: str
    count: str  # the name of the value that chooses the form


PHRASES = {
    "greeting": pgettext_lazy(
        "greeting",
        "Hello{name}! Welcome to {shop}. What would you like to do?",
    ),
    "greeting_back": pgettext_lazy(
        "greeting_back",
        "Welcome back{name}! Good to see you again at {shop}.",
    ),
    "browse": pgettext_lazy("browse", "Browse"),
    "search": pgettext_lazy("search", "Search"),
    "my_cart": pgettext_lazy("my_cart", "My cart"),
    "human": pgettext_lazy("human", "Talk to a person"),
    "pick_category": pgettext_lazy("pick_category", "Which category?"),
    "all_products": pgettext_lazy("all_products", "Everything"),
    "more": pgettext_lazy("more", "More"),
    "choose": pgettext_lazy("choose", "Choose"),
    "from_price": pgettext_lazy("from_price", "from {price}"),
    "out_of_stock": pgettext_lazy("out_of_stock", "out of stock"),
    "here_are": pgettext_lazy("here_are", "Here is what we have:"),
    "ask_search": pgettext_lazy("ask_search", "What are you looking for? (e.g. red dress 38)"),
    "found": pgettext_lazy("found", "Here is what I found for “{query}”:"),
    "not_found": pgettext_lazy(
        "not_found",
        "I found nothing for “{query}”. Try other words, or browse:",
    ),
    "pick_variant": pgettext_lazy("pick_variant", "{product}: which one?"),
    "pick_quantity": pgettext_lazy("pick_quantity", "{item}: how many?"),
    "added": Plural(
        "added",
        "Added {qty} x {item} to your cart ({count} item, {total}).",
        "Added {qty} x {item} to your cart ({count} items, {total}).",
        count="count",
    ),
    "not_enough": pgettext_lazy("not_enough", "Sorry, only {available} of {item} left."),
    "sold_out": pgettext_lazy(
        "sold_out",
        "Sorry, {item} is sold out. Here are the other options:",
    ),
    "unavailable": pgettext_lazy("unavailable", "Sorry, that item is no longer available."),
    "cart_empty": pgettext_lazy("cart_empty", "Your cart is empty."),
    "cart_title": pgettext_lazy("cart_title", "Your cart:"),
    "cart_total": pgettext_lazy("cart_total", "Total: {total}"),
    "checkout": pgettext_lazy("checkout", "Checkout"),
    "keep_browsing": pgettext_lazy("keep_browsing", "Keep browsing"),
    "view_cart": pgettext_lazy("view_cart", "View cart"),
    "plus_one": pgettext_lazy("plus_one", "+1"),
    "minus_one": pgettext_lazy("minus_one", "-1"),
    "remove": pgettext_lazy("remove", "Remove"),
    "removed": pgettext_lazy("removed", "Removed {item}."),
    "handoff": pgettext_lazy(
        "handoff",
        "Thanks! A member of our team will answer you here shortly.",
    ),
    # Nobody of the team online (conversations/business_hours.py).
    "handoff_later": pgettext_lazy(
        "handoff_later",
        "Thanks! A member of our team will answer you here as soon as possible.",
    ),
    "handoff_away": pgettext_lazy(
        "handoff_away",
        "Thanks! Our team is away right now and back {when}: a member of the team will "
        "answer you here then.",
    ),
    "when_today": pgettext_lazy("when_today", "today at {time}"),
    "when_tomorrow": pgettext_lazy("when_tomorrow", "tomorrow at {time}"),
    "when_weekday": pgettext_lazy("when_weekday", "on {day} at {time}"),
    # --- checkout ---
    "cancel": pgettext_lazy("cancel", "Cancel"),
    "ask_name": pgettext_lazy("ask_name", "Who is the order for? Please type your full name."),
    "ask_phone": pgettext_lazy("ask_phone", "What phone number can the courier reach you on?"),
    "ask_phone_again": pgettext_lazy(
        "ask_phone_again",
        "That doesn't look like a phone number. Please type it with digits, e.g. +33 6 12 "
        "34 56 78.",
    ),
    "ask_shipping": pgettext_lazy("ask_shipping", "How would you like to receive it?"),
    "ask_address": pgettext_lazy(
        "ask_address",
        "Where should we deliver? Type the full address (or share your location).",
    ),
    "ask_address_again": pgettext_lazy(
        "ask_address_again",
        "Please type the full address: street, postcode and city.",
    ),
    # Where the channel cannot receive a location (Messenger, SMS): checkout_location.py.
    "ask_address_typed": pgettext_lazy(
        "ask_address_typed",
        "Where should we deliver? Please type the full address: street, postcode and city.",
    ),
    "share_location": pgettext_lazy("share_location", "📍 Share my location"),
    "ask_address_details": pgettext_lazy(
        "ask_address_details",
        "Got your location. For the courier: building, floor, flat or door code? Type them, "
        "or tap “That's all”.",
    ),
    "ask_address_details_again": pgettext_lazy(
        "ask_address_details_again",
        "Please keep it short for the courier (200 characters at most): building, floor, flat, "
        "door code.",
    ),
    "address_complete": pgettext_lazy("address_complete", "That's all"),
    "free": pgettext_lazy("free", "free"),
    "total_line": pgettext_lazy("total_line", "Total: {total}"),
    "deliver_to": pgettext_lazy("deliver_to", "For {who}: {where}"),
    "reply_ok_to_pay": pgettext_lazy("reply_ok_to_pay", "Reply OK to pay {total} with {card}."),
    "pay_with": pgettext_lazy("pay_with", "Pay with {card}"),
    "pay_other": pgettext_lazy("pay_other", "Another card"),
    "pay_amount": pgettext_lazy("pay_amount", "Pay {total}"),
    "change_address": pgettext_lazy("change_address", "Change address"),
    "change_delivery": pgettext_lazy("change_delivery", "Change delivery"),
    "checkout_expired": pgettext_lazy(
        "checkout_expired",
        "That checkout has ended. Your items are back in the shop: here is what I can do.",
    ),
    "checkout_cancelled": pgettext_lazy(
        "checkout_cancelled",
        "Your order is cancelled. Anything else?",
    ),
    "order_already": pgettext_lazy("order_already", "Order #{number} is already taken care of."),
    "paying_with": pgettext_lazy("paying_with", "Paying {total} with {card}…"),
    "reorder_offer": pgettext_lazy(
        "reorder_offer",
        "Same as last time? {items}. Reply OK to pay {total} with {card}.",
    ),
    "reorder_button": pgettext_lazy("reorder_button", "Reorder {total}"),
    "nothing_to_reorder": pgettext_lazy(
        "nothing_to_reorder",
        "There is no earlier order to repeat yet. Here is what I can do:",
    ),
    "reorder_changed": pgettext_lazy(
        "reorder_changed",
        "Something changed since your last order, so I have not charged you:",
    ),
    "reorder_gone": pgettext_lazy("reorder_gone", "• {item} is no longer available."),
    "reorder_price": pgettext_lazy("reorder_price", "• {item} is now {new} (was {old})."),
    # --- after the order (conversations/notifications.py) ---
    "pay_link": pgettext_lazy(
        "pay_link",
        "Order #{number}: {total}. Pay securely here (the items are kept for you for "
        "{minutes} minutes):",
    ),
    "pay_button": pgettext_lazy("pay_button", "Pay {total}"),
    # The delivery option is chosen on the payment page, which adds its cost.
    "pay_link_plus_delivery": pgettext_lazy(
        "pay_link_plus_delivery",
        "Order #{number}: {total} plus delivery, which you choose on the secure payment page "
        "(the items are kept for you for {minutes} minutes):",
    ),
    "pay_button_plain": pgettext_lazy("pay_button_plain", "Pay securely"),
    "payment_action": pgettext_lazy(
        "payment_action",
        "Your bank asks you to confirm the payment of order #{number}:",
    ),
    "confirm_button": pgettext_lazy("confirm_button", "Confirm payment"),
    "payment_failed": pgettext_lazy(
        "payment_failed",
        "The payment for order #{number} did not go through: {reason} Try another way?",
    ),
    "payment_unavailable": pgettext_lazy(
        "payment_unavailable",
        "Payment is unavailable for a moment. Your items stay reserved; please try again "
        "in a few minutes.",
    ),
    "try_again": pgettext_lazy("try_again", "Try again"),
    "receipt_heading": pgettext_lazy("receipt_heading", "Thank you! Order #{number} is paid."),
    # Receipt labels, with the language's punctuation before the value.
    "subtotal": pgettext_lazy("subtotal", "Subtotal:"),
    "shipping": pgettext_lazy("shipping", "Shipping:"),
    "total_label": pgettext_lazy("total_label", "Total:"),
    "paid_with": pgettext_lazy("paid_with", "Paid with:"),
    "ship_to": pgettext_lazy("ship_to", "Ship to:"),
    # Between a receipt line and its price: French puts a no-break space before the colon.
    "line_price": pgettext_lazy("line_price", ":"),
    "shipped": pgettext_lazy("shipped", "Good news: order #{number} is on its way!"),
    "tracking": pgettext_lazy("tracking", "Tracking: {tracking}"),
    "track_button": pgettext_lazy("track_button", "Track parcel"),
    "refunded": pgettext_lazy("refunded", "We have refunded {amount} for order #{number}."),
    "cancelled_expired": pgettext_lazy(
        "cancelled_expired",
        "Order #{number} was not paid in time, so its items went back on sale. Your card "
        "was not charged.",
    ),
    "cancelled_by_shop": pgettext_lazy(
        "cancelled_by_shop",
        "Order #{number} has been cancelled by {shop}.",
    ),
    "paid_too_late": pgettext_lazy(
        "paid_too_late",
        "Your payment for order #{number} arrived after the items sold out. We are "
        "refunding it in full; sorry!",
    ),
    "not_understood": pgettext_lazy(
        "not_understood",
        "Sorry, I didn't get that. Here is what I can do:",
    ),
    "unsupported": pgettext_lazy(
        "unsupported",
        "I can read text and buttons only. Here is what I can do:",
    ),
    "thanks_contact": pgettext_lazy("thanks_contact", "Thanks, I've noted your details."),
    "sms_hint": pgettext_lazy("sms_hint", "Reply with a number."),
    # conversations/answers.py: where is my order, delivery, returns, sizes.
    "order_none": pgettext_lazy(
        "order_none",
        "I can't find an order of yours yet. Once you have ordered, ask me here to follow it.",
    ),
    "order_awaiting_payment": pgettext_lazy(
        "order_awaiting_payment",
        "Order #{number} is waiting for its payment.",
    ),
    "order_preparing": pgettext_lazy(
        "order_preparing",
        "Order #{number} is paid and being prepared. You will get its tracking number "
        "here as soon as it ships.",
    ),
    "order_shipped": pgettext_lazy("order_shipped", "Order #{number} has shipped."),
    "order_carrier": pgettext_lazy("order_carrier", "Carrier: {carrier}"),
    "order_delivered": pgettext_lazy("order_delivered", "Order #{number} has been delivered."),
    "order_cancelled": pgettext_lazy("order_cancelled", "Order #{number} was cancelled."),
    "order_refunded": pgettext_lazy("order_refunded", "Order #{number} has been refunded."),
    # More than one order under way: a button to the others, then one button per order.
    "other_orders": pgettext_lazy("other_orders", "My other orders"),
    "orders_open": pgettext_lazy("orders_open", "Your orders under way:"),
    "order_button": pgettext_lazy("order_button", "Order #{number}"),
    "delivery_ask_team": pgettext_lazy(
        "delivery_ask_team",
        "Our team will tell you about delivery times and costs.",
    ),
    "returns_ask_team": pgettext_lazy(
        "returns_ask_team",
        "Our team will tell you how returns and refunds work.",
    ),
    "sizes_available": pgettext_lazy("sizes_available", "{product} is available in: {sizes}."),
    "sizes_one": pgettext_lazy("sizes_one", "{product} comes in one size only."),
    "sizes_sold_out": pgettext_lazy(
        "sizes_sold_out",
        "{product} is sold out in every size for now.",
    ),
    "sizes_which_product": pgettext_lazy(
        "sizes_which_product",
        "Which item do you mean? Tell me its name, for example “sizes of the red dress”.",
    ),
    "see_product": pgettext_lazy("see_product", "See it"),
    # The product card's choices, the cart's lines on SMS, and reorder without a saved card.
    "buy_now": pgettext_lazy("buy_now", "Buy now"),
    "add_to_cart": pgettext_lazy("add_to_cart", "Add to cart"),
    "change": pgettext_lazy("change", "Change"),
    "reorder_offer_pay": pgettext_lazy(
        "reorder_offer_pay", "Same as last time? {items}. Reply OK to pay {total}."
    ),
    # Small talk: "merci", "non merci" get an answer, not "I did not understand".
    "welcome": pgettext_lazy("welcome", "You're welcome! Anything else I can do for you?"),
    "no_problem": pgettext_lazy("no_problem", "No problem. What would you like to do?"),
}

WEEKDAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "zh-hans": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}


def say(key: str, language: str, **values) -> str:
    entry = PHRASES[key]
    if isinstance(entry, dict):
        # A phrase written with its translations inline, until it moves to the .po file.
        return entry.get(language, entry["en"]).format(**values)
    with translation.override(language):
        if isinstance(entry, Plural):
            text = npgettext(entry.context, entry.singular, entry.plural, values[entry.count])
        else:
            text = str(entry)
    return text.format(**values)
