"""The conversation engine: one event of one conversation in, the bot's reply out.

`dispatch.respond` reads the conversation's typed state (state.py), names the event, finds
its handler in the table (table.py) for the step the conversation is at, numbers the reply's
menus (numbering.py) and stores the new state. The caller holds the conversation's row lock
(conversations/services.py), so one conversation's events are answered one at a time.
docs/conversations.md explains it and how to add a step or a button.
"""

from channels_adapters import messages as m
from channels_adapters.registry import adapter_for
from conversations.bot import ShoppingBot
from conversations.engine.numbering import numbered
from conversations.engine.state import State, state_dump, state_load
from conversations.engine.table import route
from conversations.models import Conversation
from conversations.payloads import decode
from conversations.reply import Reply
from conversations.variant_choice import typed_variant_choice


def respond(conversation: Conversation, event: m.InboundEvent) -> Reply:
    adapter = adapter_for(conversation.channel.kind)
    state = state_load(conversation.bot_state)
    bot = ShoppingBot(conversation, state, adapter.capabilities)
    reply = _dispatch(bot, state, event)
    if reply.messages:
        reply.messages, state.options = numbered(reply.messages, adapter)
    conversation.bot_state = state_dump(state)
    return reply


def _dispatch(bot: ShoppingBot, state: State, event: m.InboundEvent) -> Reply:
    if isinstance(event, m.ButtonPressed):
        return _tap(bot, state, event.payload)
    if isinstance(event, m.TextReceived):
        typed = event.text.strip()
        # A number picks from the last reply's numbered options, on every channel.
        if typed.isdigit() and len(typed) <= 3 and 1 <= int(typed) <= len(state.options):
            return _tap(bot, state, state.options[int(typed) - 1])
        # "red 38" or "taille M" while the sizes are on screen: that variant, in any language.
        if chosen := typed_variant_choice(typed, state.options, shop=bot.shop):
            return _tap(bot, state, chosen)
        found = route(state.step, "text")
        return found.handler(bot, event.text)
    name = {
        m.ContactShared: "contact",
        m.LocationShared: "location",
        m.CartSubmitted: "cart",
    }.get(type(event), "other")
    return route(state.step, name).handler(bot, event)


def _tap(bot: ShoppingBot, state: State, payload: str) -> Reply:
    tap = decode(payload)
    found = route(state.step, f"tap:{tap.action}") if tap else None
    if found is None or len(tap.args) != found.arity:
        return bot.not_understood()  # a payload we did not make, or an old one
    return found.handler(bot, *tap.args)
