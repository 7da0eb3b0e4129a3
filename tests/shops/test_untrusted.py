import json

import pytest

from shops.untrusted import UntrustedInput, clean_text, loads, repaired_text


def test_parses_ordinary_json_unchanged():
    body = {"update_id": 1, "message": {"text": "Bonjour 👋", "chat": {"id": 7}}, "n": [1.5, None]}
    assert loads(json.dumps(body).encode()) == body


@pytest.mark.parametrize("raw", [b"[" * 8000, b'{"a":' * 8000 + b"1" + b"}" * 8000])
def test_deep_nesting_is_refused_not_a_recursion_error(raw):
    with pytest.raises(UntrustedInput, match="nested more than"):
        loads(raw)


def test_nesting_just_over_the_limit_is_refused_and_at_the_limit_accepted():
    assert loads(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(UntrustedInput, match="nested more than 32"):
        loads(b"[" * 33 + b"]" * 33)


def test_brackets_inside_strings_do_not_count_as_nesting():
    assert loads(json.dumps({"text": "[" * 500}).encode()) == {"text": "[" * 500}


def test_too_many_items_are_refused():
    with pytest.raises(UntrustedInput, match="more than 100 items"):
        loads(json.dumps(list(range(101))).encode(), max_items=100)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant):
    with pytest.raises(UntrustedInput, match=f"{constant} is not a JSON number"):
        loads(f'{{"price": {constant}}}'.encode())


def test_invalid_utf8_is_refused_even_encoded_surrogates():
    with pytest.raises(UntrustedInput, match="not valid UTF-8"):
        loads(b'{"text": "\xed\xa0\x80"}')


def test_lone_surrogate_escape_is_refused_or_repaired():
    raw = b'{"text": "a\\ud800b", "\\ud83d\\ude00": "ok"}'
    with pytest.raises(UntrustedInput, match="lone surrogate"):
        loads(raw)
    assert loads(raw, repair=True) == {"text": "a\ufffdb", "😀": "ok"}


def test_nul_is_refused_or_repaired():
    raw = b'{"location": {"title": "x\\u0000y"}}'
    with pytest.raises(UntrustedInput, match="NUL"):
        loads(raw)
    assert loads(raw, repair=True) == {"location": {"title": "x\ufffdy"}}
    assert json.dumps(loads(raw, repair=True)).encode()


def test_syntax_errors_name_the_position():
    with pytest.raises(UntrustedInput, match="not valid JSON: Expecting value at position 0"):
        loads(b"")


def test_form_text_checks():
    assert clean_text("héllo") == "héllo"
    with pytest.raises(UntrustedInput, match="message contains a NUL"):
        clean_text("a\x00", field="message")
    assert repaired_text("a\ud800\x00") == "a\ufffd\ufffd"
