"""Numbers on menus, computed once for a whole reply and for every channel.

A typed number picks the option numbered so in the bot's last reply, on every channel; on a
channel without buttons (`Capabilities.numbered_menus`: SMS) the numbers are also what the
shopper reads. Numbering runs across the reply's messages — a cart's lines 1 and 2, then
Checkout 3 — so the same number never stands for two things. What a message's numbers stand
for is the adapter's `numbered_payloads`; where they start is this module's.
"""

import dataclasses

from channels_adapters import messages as m
from channels_adapters.base import ChannelAdapter


def numbered(
    messages: list[m.OutboundMessage], adapter: ChannelAdapter
) -> tuple[list[m.OutboundMessage], list[str]]:
    """The messages with each menu's first number set, and the payloads numbers 1..n pick."""
    payloads: list[str] = []
    out = []
    for message in messages:
        picks = adapter.numbered_payloads(message)
        if picks and isinstance(message, m.QuickReplies | m.Carousel):
            message = dataclasses.replace(message, number_from=len(payloads) + 1)
        payloads += picks
        out.append(message)
    return out, payloads
