"""Every sentence of tests/conversations/sentences.py, read as the bot reads it: the intent, the
attributes, the language, and for a search the product the shopper sees first. CI runs this on
PostgreSQL (full text + trigrams), the default run on SQLite (the Python fallback): the same
sentences must give the same answers on both."""

import pytest

from catalog.selectors import product_search
from conversations.understanding import Attributes, Intent, interpret
from tests.conversations.sentences import NOTHING, SENTENCES, seed_catalog


def test_the_sentence_file_is_big_enough_and_covers_every_intent_in_both_languages():
    assert len(SENTENCES) >= 60
    for language in ("fr", "en"):
        heard = {s.intent for s in SENTENCES if s.shop == language}
        assert heard >= set(Intent) - {Intent.UNKNOWN}, language


@pytest.mark.parametrize("sentence", SENTENCES, ids=str)
def test_sentence(sentence, shop, other_shop):
    chosen = {"fr": shop, "en": other_shop}[sentence.shop]
    seed_catalog(chosen)

    understood = interpret(sentence.text, shop=chosen, language=chosen.language)

    assert understood.intent == sentence.intent
    if sentence.query is not None:
        assert understood.query == sentence.query
    expected = Attributes(**sentence.attributes)
    if sentence.attributes or sentence.intent == "search":
        assert understood.attributes == expected
    if sentence.language:
        assert understood.language == sentence.language
    if sentence.first:
        found = [p.title for p in product_search(shop=chosen, search=understood.shopper_search())]
        assert (found[0] if found else NOTHING) == sentence.first, found
