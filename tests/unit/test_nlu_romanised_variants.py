"""Romanised Khmer spelled as people guess it: `nlu.romanise.fold` writes every spelling of a word
one way, the embedded classifier's features carry the folded words beside the written ones, and
the shipped model reads spellings its training data does not hold (messages written for these
tests, not taken from any evaluation file)."""

from __future__ import annotations

import pytest

from nlu.romanise import fold, fold_latin

# --- fold: one spelling per word ----------------------------------------------------------------


@pytest.mark.parametrize(
    "spellings",
    [
        ("khchey", "kchey", "kchei", "gchey"),  # kh / k / g, ey / ei
        ("juoy", "jouy", "chuoy", "juy"),  # ch / j, uo / ou / u
        ("ort", "ot"),  # a post-vowel r is not pronounced
        ("torn", "ton"),
        ("eylov", "ylov", "ilov", "ailov"),  # ey / y / i / ai
        ("knhom", "khnhom", "gnhom", "knyom"),  # nh / ny, aspiration
        ("chhob", "chob", "jhob"),  # doubled letters, h after a consonant
        ("mech", "mec"),  # c for ch
        ("keh", "ke"),  # final h after a vowel
        ("nis", "nih"),  # final s / h
        ("somlab", "samlab", "sumlab"),  # the first syllable's vowel before a nasal
        ("kampong", "kompong"),
        ("pteah", "phteah", "ptiah"),  # ph / p, ea / ia
        ("daoy", "doy"),  # ao / o
        ("deur", "daeu"),  # "er" spells the vowel of ដើរ
        ("ch'ap", "chap"),  # apostrophes
        ("taam", "tam"),
    ],
)
def test_every_spelling_of_a_word_folds_to_one(spellings):
    assert len({fold(s) for s in spellings}) == 1, {s: fold(s) for s in spellings}


@pytest.mark.parametrize(
    "a, b",
    [
        ("kon", "kan"),  # child / hold: the vowel of a one-syllable word stays
        ("kong", "kon"),  # the velar nasal keeps its g
        ("yang", "ang"),  # a y before a vowel is a consonant
        ("chbab", "chab"),
        ("hz", "z"),  # a word's first h stays
    ],
)
def test_different_words_stay_apart(a, b):
    assert fold(a) != fold(b)


def test_fold_latin_keeps_only_the_latin_words_folded():
    assert fold_latin("Khnhom JONG dg ខ្ញុំ 12 chbab!") == "knom cong tk cpap"
    assert fold_latin("ប្តីខ្ញុំវាយខ្ញុំ") == ""
