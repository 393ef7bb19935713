"""Language detection: Khmer script, romanised Khmer or English, with defaults for short text."""

from __future__ import annotations

import pytest

from nlu.language import detect_language
from nlu.types import Language


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ប្តីខ្ញុំវាយខ្ញុំ", Language.KHMER),
        ("ខ្ញុំចង់ប្តឹងរឿងដី JSC Battambang", Language.KHMER),  # Khmer dominates a few Latin words
        ("wifi password អី", Language.KHMER),  # one Khmer word beside two Latin words
        ("knhom chong sour pi dei", Language.KHMER_LATIN),
        ("bdey khnhom vay khnhom", Language.KHMER_LATIN),
        ("neak phum khang phteah rum prom dei knhom", Language.KHMER_LATIN),
        ("sousdey bong", Language.KHMER_LATIN),
        ("kgnom ot yol te", Language.KHMER_LATIN),
        ("my neighbour moved the boundary of my land", Language.ENGLISH),
        ("how do I get a birth certificate", Language.ENGLISH),
        ("hello", Language.ENGLISH),
        ("stop", Language.ENGLISH),
        ("I live in Bavel district, Battambang", Language.ENGLISH),
    ],
)
def test_detects_the_language(text, expected):
    assert detect_language(text) == expected


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "123 456", "?!", "\u200b"])
def test_text_without_letters_defaults_to_khmer_script(text):
    assert detect_language(text) == Language.KHMER


def test_latin_text_without_evidence_defaults_to_romanised_khmer():
    assert detect_language("Sokha") == Language.KHMER_LATIN


def test_very_long_text_is_handled():
    assert detect_language("the land " * 5000) == Language.ENGLISH
