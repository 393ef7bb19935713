"""Romanised Khmer spelled as people guess it: `nlu.romanise.fold` writes every spelling of a word
one way, the embedded classifier's features carry the folded words beside the written ones, and
the shipped model reads spellings its training data does not hold (messages written for these
tests, not taken from any evaluation file)."""

from __future__ import annotations

import pytest

from nlu.embedded import chars, words
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


# --- the classifier's features ------------------------------------------------------------------


def _folded(grams: list[str]) -> set[str]:
    return {g for g in grams if g.startswith("~")}


def test_two_spellings_of_a_message_share_their_folded_features():
    a, b = "khnhom jong deung pi jbab mordork", "knyom chorng dueng pii chbap mordok"
    assert _folded(chars(a)) == _folded(chars(b))
    assert _folded(words(a)) == _folded(words(b))
    assert set(chars(a)) != set(chars(b))  # as written they differ


def test_a_message_in_khmer_script_has_only_its_written_features():
    from sklearn.feature_extraction.text import TfidfVectorizer

    text = "ប្តីខ្ញុំវាយខ្ញុំ រាល់ថ្ងៃ"
    char_wb = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    assert chars(text) == char_wb(text)  # exactly scikit-learn's char_wb n-grams, nothing folded
    assert not _folded(words(text))


@pytest.mark.parametrize("text", ["a", "ab cd", "abcdefgh x", "knhom  chong dg pi"])
def test_the_character_ngrams_are_scikit_learns_char_wb(text):
    from sklearn.feature_extraction.text import TfidfVectorizer

    char_wb = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), lowercase=False).build_analyzer()
    assert [g for g in chars(text) if not g.startswith("~")] == char_wb(text)
