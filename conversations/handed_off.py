"""What the bot still answers while a person has the conversation.

An agent sends product cards and payment links from the inbox (conversations/sidebar.py). Their
buttons are the bot's, and a tap on one is unambiguous: show that product, this size, two of
them, my cart, pay, cancel. Leaving such a tap unanswered until the agent reads it would stall
the shopper, so the bot answers these taps even while handed off — it fills the cart or sends a
new payment link exactly as it would for its own cards. Everything else the shopper sends —
text, the menu, "talk to a person", starting a checkout (whose questions are answered by
typing) — stays with the person, and the bot keeps quiet.
"""

from channels_adapters import messages as m
from conversations.payloads import decode

# Browsing and the cart (cat/sr: a carousel's "More"), and a payment request's buttons.
TAPS_ANSWERED_WHILE_HANDED_OFF = frozenset(
    {"browse", "cat", "sr", "p", "v", "q", "line", "l", "cart", "pay", "okpay", "cancel"}
)


def bot_answers_while_handed_off(event: m.InboundEvent) -> bool:
    if not isinstance(event, m.ButtonPressed):
        return False
    tap = decode(event.payload)
    return tap is not None and tap.action in TAPS_ANSWERED_WHILE_HANDED_OFF
