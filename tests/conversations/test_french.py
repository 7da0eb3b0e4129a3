"""A French shop speaks French only: every phrase of the bot has a French translation of its
own, with no English word left in it and French typography (a narrow no-break space before
? ! ; and a no-break space before : and inside « »); a payment declined by the provider in
English is told in French; the receipt keeps the size and says the delivery is free."""

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

from channels_adapters.messages import receipt_text
from conversations import notifications
from conversations.phrases import PHRASES, Plural, say
from tests.orders.conftest import buy, hot, pay  # noqa: F401

NNBSP, NBSP = "\u202f", "\u00a0"

# Read the same in both languages.
SAME_IN_FRENCH = {"plus_one", "minus_one"}

# Words only English uses; a French phrase holding one has English left in it.
ENGLISH_WORDS = set(
    re.findall(
        r"\w+",
        """the and but your you we our my is are was were be been has have had does did not
        yes of to in at for with from by this that these those here there what which who how
        when where why please thanks thank sorry welcome hello order orders card cart items
        item free shipping delivery pay paid payment declined refund refunded cancelled again
        try other another more browse search choose checkout remove added subtotal sold out
        available size sizes team person reply back shop now see buy""",
    )
)
# Words both languages write the same way.
SHARED_WORDS = {"ok", "total", "x", "sms", "e", "g"}


def _values(text: str) -> dict:
    names = {name for _, name, _, _ in string.Formatter().parse(text) if name}
    return {name: "42" for name in names}


def french_and_english(key: str) -> list[tuple[str, str]]:
    entry = PHRASES[key]
    if isinstance(entry, Plural):
        forms = []
        for count in (1, 2):
            values = {**_values(entry.plural), entry.count: count}
            forms.append((say(key, "fr", **values), say(key, "en", **values)))
        return forms
    english = say(key, "en", **_values(str(entry) if not isinstance(entry, dict) else ""))
    template = entry.get("en", "") if isinstance(entry, dict) else english
    values = _values(template) if isinstance(entry, dict) else _values(_msgid(entry))
    return [(say(key, "fr", **values), say(key, "en", **values))]


def _msgid(entry) -> str:
    from django.utils import translation

    with translation.override("en"):
        return str(entry)


def words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]+", text)}


def test_every_phrase_is_in_the_po_file_not_inline():
    # A phrase written as {"en": …, "fr": …} works, but only the .po reaches translators.
    inline = sorted(key for key, entry in PHRASES.items() if isinstance(entry, dict))
    assert inline == []


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_every_phrase_has_its_own_french(key):
    for french, english in french_and_english(key):
        if key not in SAME_IN_FRENCH:
            assert french != english, f"{key} is not translated"
        leftover = (words(french) & ENGLISH_WORDS) - SHARED_WORDS
        assert not leftover, f"{key}: English words {leftover} in “{french}”"


@pytest.mark.parametrize("key", sorted(PHRASES))
def test_french_typography(key):
    for french, _ in french_and_english(key):
        assert not re.search(r"[ \w][?!;]", french.replace("http", "")), french
        assert not re.search(r"[ \w]:", french), french
        assert not re.search(r"« | »", french), french
        for mark in re.finditer(r"(.)([?!;:»])", french):
            space = NBSP if mark.group(2) in ":»" else NNBSP
            assert mark.group(1) == space, f"{key}: {mark.group(2)!r} in “{french}”"


def test_one_and_several_items_are_counted_in_french():
    one = say("added", "fr", qty=1, item="Robe", count=1, total="10 €")
    two = say("added", "fr", qty=1, item="Robe", count=2, total="20 €")

    assert "(1 article," in one
    assert "(2 articles," in two
    assert "(1 item," in say("added", "en", qty=1, item="Dress", count=1, total="£10")


def test_every_french_message_of_the_po_file_is_translated():
    path = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale="fr")
    untranslated = [
        message.id
        for message in catalog
        if message.id
        and (
            message.fuzzy
            or not all(message.string if isinstance(message.string, tuple) else [message.string])
        )
    ]
    assert untranslated == []
    keys = {message.context for message in catalog if message.context}
    assert set(PHRASES) - keys == set(), "phrases missing from the .po file"


@pytest.mark.django_db
def test_a_decline_the_provider_words_in_english_is_told_in_french(shop, hot):  # noqa: F811
    order = buy(shop, hot["tracked"], 1)
    pay(order, card="4000000000009995", save=False)  # insufficient funds

    [message] = notifications.BUILDERS["order.payment_failed"](order, {}, "fr")

    assert message.text == (
        f"Le paiement de la commande n°{order.number} n'a pas abouti{NBSP}: Le solde de votre "
        f"carte est insuffisant. Essayer autrement{NNBSP}?"
    )
    [english] = notifications.BUILDERS["order.payment_failed"](order, {}, "en")
    assert "Your card has insufficient funds." in english.text


@pytest.mark.django_db
def test_the_french_receipt_keeps_the_size_and_says_free_delivery(shop, hot):  # noqa: F811
    order = buy(shop, hot["tracked"], 2)
    pay(order)
    order.refresh_from_db()
    assert order.shipping_total == 0

    text = receipt_text(notifications.receipt(order, "fr"))

    assert f"2 x Sac cabas (Naturel){NBSP}: 49,98" in text
    assert f"Livraison{NBSP}: offerte" in text
    assert "0,00" not in text
    assert not (words(text) & ENGLISH_WORDS) - SHARED_WORDS


# What Babel reads as marked for translation; phrases.py's Plural entries are checked above.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
SHOPPER_FACING = ("conversations", "payments", "orders", "catalog", "channels_adapters")
TEMPLATE_TEXT = re.compile(
    r"{% translate \"([^\"]+)\"|{% translate '([^']+)'"
    r"|{% blocktranslate[^%]*%}(.*?){% endblocktranslate %}",
    re.S,
)


def marked_texts() -> set[tuple[str | None, str]]:
    from babel.messages.extract import extract

    root = Path(settings.BASE_DIR)
    found = set()
    for package in SHOPPER_FACING:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            with path.open("rb") as source:
                for _line, message, _comments, context in extract(
                    "python", source, keywords=KEYWORDS
                ):
                    msgid = message[0] if isinstance(message, tuple) else message
                    found.add((context, msgid))
    for path in (root / "templates").rglob("*.html"):
        for match in TEMPLATE_TEXT.finditer(path.read_text()):
            text = match.group(1) or match.group(2) or match.group(3)
            found.add((None, re.sub(r"{{ (\w+) }}", r"%(\1)s", text)))
    return found


def test_every_text_marked_for_translation_has_its_french():
    path = Path(settings.LOCALE_PATHS[0]) / "fr" / "LC_MESSAGES" / "django.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale="fr")
    translated = {
        (message.context, message.id[0] if isinstance(message.id, tuple) else message.id)
        for message in catalog
        if message.id and message.string
    }

    marked = marked_texts()
    # The extraction itself works: a text from Python, one with a context, one from a template.
    assert {
        (None, "Your card was declined."),
        ("delivery", "free"),
        (None, "Back to the conversation"),
    } <= marked
    missing = sorted(marked - translated, key=str)

    assert missing == [], "add these to locale/fr/LC_MESSAGES/django.po"
