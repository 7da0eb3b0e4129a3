"""Every phrase a French shopper can read has a Simplified Chinese translation too, with the
same placeholders: a phrase added to locale/fr only (or a placeholder dropped in Chinese)
fails here, before a Chinese shopper gets it in English or a reply crashes on format()."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
# {name} for str.format phrases, %(name)s for gettext's own.
PLACEHOLDER = re.compile(r"\{\w*\}|%\(\w+\)[sd]")
# Latin letters a Chinese phrase may hold: codes, card brands and the platforms' own names.
ALLOWED_LATIN = {
    *("AppID", "AppSecret", "EncodingAESKey", "Token", "wx", "D", "Secure", "x"),
    # Instagram has no Chinese name in use; HUMAN_AGENT is the API's tag, quoted as is.
    *("Instagram", "HUMAN", "AGENT"),
}


def catalog(language: str):
    with (LOCALE / language / "LC_MESSAGES" / "django.po").open("rb") as po:
        return read_po(po, locale=language)


def entries(language: str) -> dict:
    return {(m.context, m.id): m.string for m in catalog(language) if m.id}


def placeholders(text) -> list[str]:
    texts = text if isinstance(text, tuple) else (text,)
    return sorted({p for t in texts for p in PLACEHOLDER.findall(t or "")})


FRENCH = entries("fr")
CHINESE = entries("zh_Hans")


def test_the_chinese_catalogue_is_one_of_the_languages_souk_speaks():
    assert ("zh-hans", "简体中文") in settings.LANGUAGES
    assert catalog("zh_Hans").plural_forms == "nplurals=1; plural=0;"


@pytest.mark.parametrize("key", sorted(FRENCH, key=str), ids=lambda key: f"{key[0]}:{key[1]}"[:60])
def test_every_french_phrase_has_a_chinese_translation_with_the_same_placeholders(key):
    assert key in CHINESE, f"no Chinese for {key}: add it to locale/zh_Hans/LC_MESSAGES/django.po"
    chinese = CHINESE[key]
    texts = chinese if isinstance(chinese, tuple) else (chinese,)
    assert all(texts), f"empty Chinese for {key}"
    assert placeholders(chinese) == placeholders(key[1])


@pytest.mark.parametrize("key", sorted(CHINESE, key=str), ids=lambda key: f"{key[0]}:{key[1]}"[:60])
def test_chinese_phrases_hold_no_english_words_nor_western_punctuation(key):
    chinese = CHINESE[key]
    text = chinese[0] if isinstance(chinese, tuple) else chinese
    bare = PLACEHOLDER.sub("", text)
    latin = set(re.findall(r"[A-Za-z]+", bare)) - ALLOWED_LATIN
    # The brand's connect guides (msgctxt "connect …") quote the platforms' consoles and API
    # names word for word (Twilio's console, Meta for Developers' menus are English only).
    quotes_a_console = (key[0] or "").startswith("connect")
    assert quotes_a_console or not latin, f"{key}: English left in {text!r}"
    if re.search(r"[\u4e00-\u9fff]", bare):
        # Chinese is followed by full-width punctuation (U+3002, U+FF0C, U+FF1F…), never ASCII.
        assert not re.search(r"[\u4e00-\u9fff][,.?!:;]", bare), f"{key}: {text!r}"
