"""The conversation engine: one event of one conversation in, the bot's reply out.

`dispatch.respond` reads the conversation's typed state (state.py), names the event, finds
its handler in the table (table.py) for the step the conversation is at, numbers the reply's
menus (numbering.py) and stores the new state. The caller holds the conversation's row lock
(conversations/services.py), so one conversation's events are answered one at a time.
docs/conversations.md explains it and how to add a step or a button.
"""
