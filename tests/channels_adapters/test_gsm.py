"""GSM-7 / UCS-2 detection and segment counting, as carriers count (3GPP TS 23.038)."""

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from channels_adapters.sms import gsm
from channels_adapters.sms.gsm import GSM7, UCS2, segments
from tests.fakes.twilio import sms_segments


def test_basic_table_has_127_characters_and_extension_table_10():
    # 128 positions, one of which (0x1B) is the escape to the extension table.
    assert len(gsm.GSM7_BASIC) == 127
    assert len(gsm.GSM7_EXTENSION) == 10
    assert not gsm.GSM7_BASIC & gsm.GSM7_EXTENSION


@pytest.mark.parametrize(
    ("length", "expected"),
    [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)],
)
def test_plain_ascii_is_160_alone_then_153_a_segment(length, expected):
    assert segments("a" * length) == (GSM7, expected)


def test_empty_text_takes_no_segment():
    assert segments("") == (GSM7, 0)


@pytest.mark.parametrize("char", list("€[]{}\\^~|\f"))
def test_extension_characters_count_double(char):
    assert gsm.units(char) == (GSM7, 2)
    assert segments(char * 80) == (GSM7, 1)  # 160 septets
    assert segments(char * 81) == (GSM7, 2)  # 162 septets


def test_an_escape_sequence_is_never_cut_across_segments():
    # 152 septets then "€" (2): it does not fit in the first 153, so it opens the second one.
    assert segments("a" * 152 + "€" + "a" * 151) == (GSM7, 2)  # 152 | 2 + 151 = 153
    assert segments("a" * 152 + "€" + "a" * 152) == (GSM7, 3)


@pytest.mark.parametrize(
    "letter",
    list("éèùìòÇØøÅåÄÖÑÜ§¿àäöñüßÆæÉ£¥¤¡ΔΦΓΛΩΠΨΣΘΞ_@$"),
)
def test_accented_letters_of_the_gsm_table(letter):
    assert gsm.is_gsm7(letter)


@pytest.mark.parametrize("letter", list("êâîôûçëïÀÈÊœ°`\u2019«"))
def test_letters_outside_the_gsm_table(letter):
    assert not gsm.is_gsm7(letter)


def test_a_french_message_stays_gsm7():
    text = "Votre commande a été expédiée. Où ? Chez vous, à 14h. Ça arrive !"
    assert "Ç" in text  # capital Ç is in the table, lowercase ç is not
    assert segments(text) == (GSM7, 1)


def test_a_lowercase_c_cedilla_makes_it_ucs2():
    assert segments("Reçu") == (UCS2, 1)


def test_an_emoji_turns_the_message_ucs2_counted_in_utf16_units():
    assert gsm.units("☕") == (UCS2, 1)  # in the BMP: one unit
    assert gsm.units("🛍") == (UCS2, 2)  # outside it: a surrogate pair
    assert segments("a" * 69 + "☕") == (UCS2, 1)  # 70 units
    assert segments("a" * 70 + "☕") == (UCS2, 2)  # 71 units: 67 + 4
    assert segments("a" * 68 + "🛍") == (UCS2, 1)  # 70 units
    assert segments("a" * 69 + "🛍") == (UCS2, 2)
    assert segments("a" * 133 + "☕") == (UCS2, 2)  # 134 = 2 x 67
    assert segments("a" * 134 + "☕") == (UCS2, 3)


def test_a_surrogate_pair_is_never_cut_across_segments():
    assert segments("a" * 66 + "🛍" + "a" * 65) == (UCS2, 2)  # 66 | 2 + 65
    assert segments("a" * 66 + "🛍" + "a" * 66) == (UCS2, 3)


def test_curly_apostrophe_is_ucs2_until_cleaned():
    text = "C\u2019est parti : l\u2019article est en route…"
    assert segments(text)[0] == UCS2
    cleaned = gsm.to_gsm(text)
    assert cleaned == "C'est parti : l'article est en route..."
    assert segments(cleaned) == (GSM7, 1)


def test_to_gsm_cleans_typography_and_keeps_letters():
    assert (
        gsm.to_gsm("« Prix » \u2013 12,00\u202f€ — \u201ctop\u201d\u00a0!")
        == '" Prix " - 12,00 € - "top" !'
    )
    assert gsm.to_gsm("fenêtre, reçu, crème") == "fenêtre, reçu, crème"
    assert gsm.is_gsm7(gsm.to_gsm("12,00\u202f€"))


def test_longest_fitting_prefix():
    assert gsm.longest_fitting_prefix("a" * 400, 2) == 306
    assert gsm.longest_fitting_prefix("a" * 400, 1) == 160
    assert gsm.longest_fitting_prefix("a" * 10, 2) == 10
    assert gsm.longest_fitting_prefix("€" * 400, 2) == 152  # 76 escapes a segment
    # the emoji near the start makes everything UCS-2: 134 units
    assert gsm.longest_fitting_prefix("🛍" + "a" * 400, 2) == 133


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aé€[ \u2019😀ç\n")), max_size=700) | st.text())
def test_segments_agree_with_the_fake_twilio_carrier_count(text):
    # two independent implementations of the same rule (the fake is what the tests send to)
    expected = sms_segments(text) if text else 0
    assert segments(text)[1] == expected


@hypothesis_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab€😀ç ")), max_size=700), st.integers(1, 4))
def test_longest_fitting_prefix_is_the_longest(text, max_segments):
    length = gsm.longest_fitting_prefix(text, max_segments)
    assert gsm.fits(text[:length], max_segments)
    if length < len(text):
        assert not gsm.fits(text[: length + 1], max_segments)
