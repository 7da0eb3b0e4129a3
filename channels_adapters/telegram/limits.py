"""Telegram Bot API limits (shared/channel-limits.md, Telegram section).

Lengths of texts and captions are counted "after entities parsing"; Souk counts them in UTF-16
code units, the unit Telegram uses for entity offsets, which is never more permissive than
counting characters (an emoji outside the BMP is one character but two units).
"""

import html
import re

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX_BYTES = 64  # bytes of UTF-8, 1 to 64

# "reply markup is too long" happens before 100 buttons: stay well under it.
KEYBOARD_BUTTONS_PER_ROW_MAX = 8
KEYBOARD_BUTTONS_MAX = 100

MEDIA_GROUP_MIN = 2
MEDIA_GROUP_MAX = 10

INVOICE_TITLE_MAX = 32
INVOICE_DESCRIPTION_MAX = 255
INVOICE_PAYLOAD_MAX_BYTES = 128
PRE_CHECKOUT_ANSWER_SECONDS = 10  # answerPreCheckoutQuery later than this cancels the payment

MESSAGES_PER_SECOND = 30  # per bot, all chats together
SECONDS_BETWEEN_MESSAGES_PER_CHAT = 1.0
# "We may allow short bursts that go over this limit, but eventually you'll begin receiving 429
# errors" (Telegram's Bot FAQ, "My bot is hitting limits"): an answer of up to this many
# messages (a text and its cards) goes out at once; beyond, one a second; a 429 is honoured.
MESSAGES_PER_CHAT_BURST = 3
MESSAGES_PER_MINUTE_PER_GROUP = 20


def utf16_units(text: str) -> int:
    """Length as Telegram counts it: characters outside the BMP (most emoji) count twice."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


_TAG = re.compile(r"</?[a-z]+>")


def shown(html_text: str) -> str:
    """What Telegram shows of a parse_mode=HTML text, and what its limits count: the tags the
    adapter writes (`<b>`) parsed away, entities (`&amp;`) as their one character."""
    return html.unescape(_TAG.sub("", html_text))
