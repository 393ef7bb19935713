"""The Khmer normaliser and tokenizer shared by the app and the Rasa component."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.khmer import khmer_ratio, normalize, token_spans, tokenize

COENG, RO, TA = "\u17d2", "\u179a", "\u178f"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ខ្ញុំ\u200bរស់នៅ", "ខ្ញុំរស់នៅ"),  # zero-width space removed
        ("\ufeffខ្ញុំ\u200c\u200d", "ខ្ញុំ"),  # BOM, ZWNJ, ZWJ removed
        ("លេខ ០១២ ៣៤៥ ៦៧៨", "លេខ 012 345 678"),  # Khmer digits to ASCII
        ("  many   spaces\n\tand lines ", "many spaces and lines"),
        ("ក" + COENG + RO + COENG + TA, "ក" + COENG + TA + COENG + RO),  # subscript RO goes last
        ("\u17c1\u17b8", "\u17be"),  # a vowel typed as two parts becomes one
        ("\u17c1\u17b6", "\u17c4"),
        ("\u17a3", "\u17a2"),  # deprecated independent vowel
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_puts_marks_in_one_order_so_lookalikes_compare_equal():
    shifter_first, vowel_first = "ស\u17ca\u17b7", "ស\u17b7\u17ca"  # look the same on screen
    assert normalize(shifter_first) == normalize(vowel_first) == shifter_first


@given(st.text(max_size=200))
def test_normalize_is_idempotent_and_never_raises(text):
    once = normalize(text)
    assert normalize(once) == once


def test_tokenize_segments_khmer_and_keeps_latin_words_lowercase():
    tokens = tokenize(normalize("ប្តីខ្ញុំវាយខ្ញុំ Srok Sangkae 012"))
    assert tokens[:3] == ["ប្តី", "ខ្ញុំ", "វាយ"] and tokens[-3:] == ["srok", "sangkae", "012"]


@pytest.mark.parametrize("text", ["", "😀🙏", "!!!", "។"])
def test_tokenize_drops_punctuation_and_emoji(text):
    assert tokenize(text) == []


def test_token_spans_point_into_the_text():
    text = normalize("Hello ប្តីខ្ញុំវាយខ្ញុំ, help")
    for token, start, end in token_spans(text):
        assert text[start:end].lower() == token


def test_khmer_ratio():
    assert khmer_ratio("ខ្ញុំ") == 1.0 and khmer_ratio("hello") == 0.0 and khmer_ratio("123") == 0.0
    assert 0 < khmer_ratio("ខ្ញុំ hello") < 1
