"""Menus the conversation gets outside a bot reply — order news (the receipt's next steps, a
failed payment's "Pay again"), a card a person sends from the inbox — numbered as a reply is,
and what their numbers pick stored in the conversation's state.

A typed number picks from the last menu the shopper was shown, whoever sent it: "1" after the
receipt's "1. Track my order" must not pick option 1 of the bot's previous reply (on SMS that
was "Rouge 38" of a dress already bought).
"""

from channels_adapters import messages as m
from channels_adapters.registry import adapter_for
from conversations.engine.numbering import numbered
from conversations.engine.state import Step, state_dump, state_load
from conversations.models import Conversation


def menus_offered(
    conversation: Conversation, messages: list[m.OutboundMessage], *, step: Step | None = None
) -> list[m.OutboundMessage]:
    """`messages` numbered for the conversation's channel; when they hold a menu, its payloads
    become what typed numbers pick (and `step`, when given, the conversation's step). Call
    inside the transaction that sends them: the conversation's row is locked first, so a bot
    reply being written at the same moment is not overwritten (its events hold the same
    lock, conversations/services.py)."""
    messages, payloads = numbered(messages, adapter_for(conversation.channel.kind))
    if not payloads:
        return messages
    stored = (
        Conversation.objects.select_for_update()
        .filter(pk=conversation.pk)
        .values_list("bot_state", flat=True)
        .first()
    )
    state = state_load(stored)
    state.options = payloads
    if step is not None:
        state.step = step
    conversation.bot_state = state_dump(state)
    Conversation.objects.filter(pk=conversation.pk).update(bot_state=conversation.bot_state)
    return messages
