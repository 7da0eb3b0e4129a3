"""A variant named in words while the bot asks which one: "red 38", "rouge 38", "taille M" or
"Red · 38" picks it as its button would, in any of the shop's languages.

Only the variants on screen are candidates, and only one that every meaningful word names is
picked: "38" between "Rouge · 38" and "Noir · 38" picks nothing, and the sentence goes on to be
read as free text (a search), as it did before.
"""

import re

from catalog.models import Variant
from catalog.search import colour_of, fold
from conversations.payloads import decode
from shops.models import Shop

VARIANT_ACTIONS = frozenset({"v", "bv"})  # Add to cart / Buy now of one variant
# Words that say which kind of option follows ("taille 38", "size M") or frame the choice
# ("je prends la 38", "I'll take the red one"), not which variant. Not "l" nor "a": sizes.
FRAMING_WORDS = frozenset(
    re.findall(
        r"\w+",
        """taille tailles size sizes pointure colour color couleur coloris en in du de la le les
        un une the an one je j prends prendre veux voudrais take ll i want would like please
        svp stp merci thanks""",
    )
)
_WORD = re.compile(r"\w+")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _variant_words(variant: Variant) -> set[str]:
    # Its name in every language the brand wrote, and its option values.
    texts = [
        variant.name,
        *(texts.get("name", "") for texts in (variant.translations or {}).values()),
        *(str(value) for value in (variant.options or {}).values()),
    ]
    return {word for text in texts for word in _words(text)}


def _names(word: str, words: set[str]) -> bool:
    if word in words:
        return True
    # "red" names "Rouge" (and "bleue" "Bleu") even where no translation was written.
    colour = colour_of(word)
    return colour is not None and any(colour_of(other) == colour for other in words)


def typed_variant_choice(text: str, offered: list[str], *, shop: Shop) -> str | None:
    """The payload of the one offered variant (`offered`: the payloads on screen) that every
    meaningful word of `text` names; None when the screen offers no variant, or the words name
    none or several."""
    payloads = {}
    for payload in offered:
        tap = decode(payload)
        if tap is not None and tap.action in VARIANT_ACTIONS and len(tap.args) == 1:
            payloads[tap.args[0]] = payload
    words = [word for word in _words(text) if word not in FRAMING_WORDS]
    if not payloads or not words:
        return None
    variants = Variant.objects.for_shop(shop).filter(pk__in=list(payloads))
    named = [v for v in variants if all(_names(word, _variant_words(v)) for word in words)]
    return payloads[named[0].pk] if len(named) == 1 else None
