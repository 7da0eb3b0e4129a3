"""The one language a shopper is spoken to in: every phrase, product title and receipt of a
conversation is in it, so no reply mixes two.

In order: the language the customer is known by (their platform profile, e.g. Telegram's
`language_code`, or an earlier detection), else the language their own messages are written in
(the word lists of conversations/understanding.py), else the shop's. Only languages the shop can
answer in count: the shop's own, and those it offers (Shop.languages, shops/languages.py). A
language found in the messages is stored on the customer, so it holds for every later reply
(order news too) and a short "OK" does not switch it back.
"""

import re

from catalog.search import fold
from conversations.models import Conversation, Customer, Direction
from conversations.understanding import ENGLISH_WORDS, FRENCH_WORDS, is_chinese
from shops.languages import souk_language, spoken_languages
from shops.models import Shop

# The latest texts a language is read from, while none is known.
RECENT_TEXTS = 3
_WORDS = re.compile(r"[^\W_]+")
CLEAR_MARGIN = 2


def supported_languages(shop: Shop) -> tuple[str, ...]:
    return spoken_languages(shop)


def supported(code: str, shop: Shop) -> str:
    """`code` as one of the shop's languages ("fr-CA" → "fr", "zh-CN" → "zh-hans"), or ""
    when it speaks none."""
    language = souk_language(code)
    return language if language in supported_languages(shop) else ""


def written_language(text: str) -> str:
    """The language `text` is clearly written in, or "" when its words do not tell. Clearly:
    two more words of one language than of the other, so a lone "hi" or "ok" (said in every
    language) never moves a shopper out of the shop's language."""
    if is_chinese(text):
        return "zh-hans"
    words = _WORDS.findall(fold(text).replace("'", " "))
    french = sum(1 for word in words if word in FRENCH_WORDS)
    english = sum(1 for word in words if word in ENGLISH_WORDS)
    if french - english >= CLEAR_MARGIN:
        return "fr"
    if english - french >= CLEAR_MARGIN:
        return "en"
    return ""


def shopper_language(conversation: Conversation) -> str:
    shop, customer = conversation.shop, conversation.customer
    known = supported(customer.language, shop) if customer else ""
    if known:
        return known
    texts = (
        conversation.messages.filter(direction=Direction.INBOUND)
        .exclude(text="")
        .order_by("-id")
        .values_list("text", flat=True)[:RECENT_TEXTS]
    )
    for text in texts:
        found = supported(written_language(text), shop)
        if found:
            if customer:
                customer_language_set(customer=customer, language=found)
            return found
    return shop.language


def customer_language_set(*, customer: Customer, language: str) -> None:
    customer.language = language
    Customer.objects.filter(pk=customer.pk).update(language=language)
