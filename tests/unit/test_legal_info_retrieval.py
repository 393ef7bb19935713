"""Finding the right fixture article from Khmer, romanised Khmer and English questions."""

from pathlib import Path

import pytest

from legal_info.retrieval import DEFAULT_THRESHOLD, KnowledgeBase, guess_language, romanised_key

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "legal_info" / "articles"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load(ARTICLES)


# Worded differently from the articles' own example questions.
@pytest.mark.parametrize(
    "question, language, expected",
    [
        ("ប្តីខ្ញុំវាយធ្វើបាបខ្ញុំរាល់យប់ ខ្ញុំខ្លាចណាស់", "km", "domestic-violence-help"),
        ("អ្នកជិតខាងយករបងមកដាក់ក្នុងដីខ្ញុំ", "km", "land-boundary-dispute"),
        ("កូនខ្ញុំអត់មានសំបុត្រកំណើតទេ", "km", "birth-registration"),
        ("ahengsa knong kruosar, pdey vay propon real yob", "km-Latn", "domestic-violence-help"),
        ("neak jit khang yok robong dak leu dey khnom", "km-Latn", "land-boundary-dispute"),
        ("kon khnhom ot mean sambot kamnert", "km-Latn", "birth-registration"),
        ("My husband hits me when he is drunk", "en", "domestic-violence-help"),
        ("My neighbour put his fence posts inside my rice field", "en", "land-boundary-dispute"),
        ("how to get birth certificate for my daughter", "en", "birth-registration"),
        ("I need a hard title for my farm land", "en", "land-title-registration"),
    ],
)
def test_finds_the_right_article_confidently(kb, question, language, expected):
    hits = kb.search(question, language=language)
    assert hits[0].article.id == expected
    assert hits[0].confidence >= kb.threshold
    assert all(0.0 <= h.confidence <= 1.0 for h in hits)
    assert [h.confidence for h in hits] == sorted((h.confidence for h in hits), reverse=True)


@pytest.mark.parametrize(
    "question, language",
    [
        ("What will the weather be like tomorrow?", "en"),
        ("Who won the football match last night?", "en"),
        ("តើថ្ងៃស្អែកភ្លៀងទេ?", "km"),
        ("knhom chong bonchol luy tursap", "km-Latn"),
    ],
)
def test_off_topic_questions_stay_below_the_threshold(kb, question, language):
    assert all(h.confidence < kb.threshold for h in kb.search(question, language=language))


def test_language_is_guessed_when_not_given(kb):
    assert kb.search("bdey knhom vay knhom")[0].article.id == "domestic-violence-help"


def test_limit_and_empty_question(kb):
    assert len(kb.search("land", "en", limit=1)) == 1
    assert kb.search("?!", "en") == []


def test_unknown_language_is_refused(kb):
    with pytest.raises(ValueError):
        kb.search("hello", language="fr")


def test_default_threshold_is_used():
    assert KnowledgeBase([]).threshold == DEFAULT_THRESHOLD
    assert KnowledgeBase([]).search("land", "en") == []


@pytest.mark.parametrize(
    "spellings",
    [
        ("knhom", "khnhom", "khnom"),
        ("dei", "dey"),
        ("bdey", "pdey"),
        ("ey", "avey"),
        ("tver", "twer"),
        ("sour", "suor"),
    ],
)
def test_romanised_spellings_share_one_key(spellings):
    assert len({romanised_key(s) for s in spellings}) == 1


@pytest.mark.parametrize(
    "text, language",
    [
        ("ប្តីខ្ញុំវាយខ្ញុំ", "km"),
        ("knhom chong sour pi dei", "km-Latn"),
        ("bdey khnhom vay khnhom", "km-Latn"),
        ("My neighbour moved my land boundary", "en"),
        ("Can I ban my neighbour from my land?", "en"),
        ("birth certificate", "en"),
    ],
)
def test_guess_language(text, language):
    assert guess_language(text) == language
