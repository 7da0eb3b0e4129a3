"""The languages a shop speaks to its shoppers: its own (Shop.language) and the others it offers
(Shop.languages), all among those Souk has the bot's phrases in (settings.LANGUAGES)."""

from django.conf import settings

# Chinese written in traditional characters: Souk has only simplified Chinese, and answering
# a Taiwanese shopper in it would be a guess, so these tags count as no language Souk speaks.
TRADITIONAL_CHINESE = {"hant", "tw", "hk", "mo"}


def souk_languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def souk_language(tag: str) -> str:
    """A platform's language tag as one of settings.LANGUAGES ("fr-CA" → "fr", "zh-CN",
    "zh_Hans" or "zh" → "zh-hans"), or "" when Souk speaks none of it."""
    tag = (tag or "").strip().lower().replace("_", "-")
    known = souk_languages()
    if tag in known:
        return tag
    base, *rest = tag.split("-")
    if base == "zh":
        return "" if TRADITIONAL_CHINESE & set(rest) else "zh-hans"
    return base if base in known else ""


def offered_languages(shop) -> tuple[str, ...]:
    """The languages `shop` offers besides its own, in settings.LANGUAGES order."""
    offered = set(shop.languages or ())
    return tuple(code for code in souk_languages() if code in offered and code != shop.language)


def spoken_languages(shop) -> tuple[str, ...]:
    """Every language a shopper of `shop` can be answered in, the shop's own first."""
    return (shop.language, *offered_languages(shop))
