"""Loading knowledge-base articles and the problems `validate` reports."""

from datetime import date
from pathlib import Path

import pytest

from legal_info.articles_loader import (
    ArticleFormatError,
    is_error,
    load_article,
    load_articles,
    parse_article,
    validate,
)

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "legal_info" / "articles"
TODAY = date(2026, 11, 26)
LAND = ARTICLES / "land-boundary-dispute.md"


def variant(replace: dict[str, str], source: str = "land-boundary-dispute.md"):
    """The land fixture with some text replaced, parsed as if read from `source`."""
    text = LAND.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    return parse_article(text, source=source)


def errors(article, **kw):
    return [p for p in validate(article, today=TODAY, **kw) if is_error(p)]


def test_fixture_article_is_parsed_into_both_languages():
    a = load_article(LAND)
    assert a.id == "land-boundary-dispute"
    assert a.title["en"] == "My neighbour moved the boundary of my land"
    assert a.title["km"] == "អ្នកជិតខាងរំកិលព្រំដីរបស់ខ្ញុំ"
    assert a.topics == ("land", "mediation")
    assert len(a.questions["en"]) == len(a.questions["km"]) == len(a.questions["km-Latn"]) == 4
    assert a.full["en"].startswith("Boundary quarrels are common")
    assert a.full["en"].count("\n\n") == 2  # three paragraphs kept apart
    assert a.full["km"].startswith("ជម្លោះព្រំដី")
    assert a.citation_line() == (
        "Land Law (2001); Sub-decree 47 on the Organisation and Functioning of the Cadastral Commission (2002)"
    )
    assert a.reviewed.date == date(2026, 11, 20) and a.reviewed.legal_review is False
    assert a.next_office == "jsc" and a.related == ("land-title-registration",)


def test_article_is_immutable():
    a = load_article(LAND)
    with pytest.raises(AttributeError):
        a.id = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.short["en"] = "changed"  # type: ignore[index]


def test_every_fixture_is_valid_apart_from_the_missing_legal_review():
    articles = load_articles(ARTICLES)
    ids = {a.id for a in articles}
    assert len(articles) == 4
    for a in articles:
        assert validate(a, known_ids=ids, today=TODAY) == [
            "warning: legal_review is false: no qualified lawyer has reviewed this article yet"
        ]


def test_legal_review_done_removes_the_warning():
    a = variant({"legal_review: false": "legal_review: true"})
    assert validate(a, today=TODAY) == []


def test_missing_khmer_section_is_an_error():
    text = LAND.read_text(encoding="utf-8")
    a = parse_article(text.split("## km")[0], source=LAND.name)
    assert errors(a) == ["error: full answer is missing in km"]


def test_missing_khmer_title_and_romanised_questions_are_errors():
    a = variant({"  km: អ្នកជិតខាងរំកិលព្រំដីរបស់ខ្ញុំ\n": "", "  km-Latn:\n": "  km-Latin:\n"})
    assert "error: title is missing in km" in errors(a)
    assert "error: questions are missing in km-Latn" in errors(a)


def test_english_text_in_the_khmer_short_answer_is_an_error():
    a = variant({'km: "កុំរំកិល': 'km: "Do not move the posts. កុំរំកិល'})
    assert any("short in km is not written in Khmer script" in e or "short km" in e for e in errors(a))


def test_short_english_answer_over_250_characters_is_an_error():
    a = variant({"the Cadastral Commission decides.": "the Cadastral Commission decides. " + "x" * 30})
    assert any(e.startswith("error: short en is 2") and "over the budget of 250" in e for e in errors(a))


def test_short_english_answer_with_curly_quotes_is_an_error():
    a = variant({"Stay calm": "\u201cStay calm\u201d"})
    assert any("outside GSM-7" in e for e in errors(a))


def test_short_khmer_answer_over_100_units_is_an_error():
    a = variant({'សម្រុះសម្រួលឥតគិតថ្លៃ។"': 'សម្រុះសម្រួលឥតគិតថ្លៃ។ ការសម្រុះសម្រួលស្ម័គ្រចិត្ត។"'})
    errs = errors(a)
    assert any(e.startswith("error: short km is") and "over the budget of 100" in e for e in errs)
    assert "error: short km with the MORE line takes 3 SMS segments (max 2)" in errs


def test_citation_without_year_is_an_error():
    a = variant({'- {law: "Land Law", year: 2001}': '- {law: "Land Law"}'})
    assert errors(a) == ["error: citation without a year: Land Law"]


def test_no_citations_is_an_error():
    text = LAND.read_text(encoding="utf-8")
    start, end = text.index("citations:"), text.index("reviewed:")
    a = parse_article(text[:start] + "citations: []\n" + text[end:], source=LAND.name)
    assert errors(a) == ["error: no citations"]


def test_review_date_in_the_future_is_an_error():
    a = variant({"date: 2026-11-20": "date: 2027-01-05"})
    assert errors(a) == ["error: reviewed.date 2027-01-05 is in the future"]


def test_review_older_than_two_years_is_an_error():
    a = variant({"date: 2026-11-20": "date: 2024-11-25"})
    assert errors(a) == ["error: reviewed.date 2024-11-25 is older than 2 years: review it again"]
    assert errors(variant({"date: 2026-11-20": "date: 2024-11-26"})) == []


def test_missing_review_date_is_an_error():
    a = variant({"  date: 2026-11-20\n": ""})
    assert errors(a) == ["error: reviewed.date is missing or not a date (YYYY-MM-DD)"]


def test_id_must_equal_the_file_name():
    a = variant({}, source="boundary.md")
    assert errors(a) == ["error: id 'land-boundary-dispute' does not match the file name 'boundary.md'"]


def test_related_article_must_exist():
    a = load_article(LAND)
    assert errors(a, known_ids={"land-boundary-dispute"}) == [
        "error: related article 'land-title-registration' does not exist"
    ]


def test_next_office_must_be_a_known_office():
    errs = errors(variant({"next_office: jsc": "next_office: pagoda"}))
    assert len(errs) == 1 and errs[0].startswith("error: next_office 'pagoda' is not one of")


def test_file_without_front_matter_cannot_be_loaded():
    with pytest.raises(ArticleFormatError, match="no YAML front matter"):
        parse_article("## en\nJust text\n", source="bad.md")


def test_broken_yaml_cannot_be_loaded():
    with pytest.raises(ArticleFormatError, match="not valid YAML"):
        parse_article("---\nid: [unclosed\n---\n## en\nx\n", source="bad.md")


def test_missing_or_long_label_is_an_error_and_the_menu_falls_back_to_the_title():
    unlabelled = variant({'label:\n  en: "Land boundary dispute"\n  km: "ជម្លោះព្រំដី"\n': ""})
    assert any("label is missing in en" in p for p in errors(unlabelled))
    assert unlabelled.menu_label("en") == "My neighbour moved the boundary of my land"
    long = variant({'"Land boundary dispute"': '"' + "x" * 33 + '"'})
    assert any("label in en is 33 characters" in p for p in errors(long))
    assert load_article(LAND).menu_label("km") == "ជម្លោះព្រំដី"


def test_a_button_shows_the_title_when_it_fits_else_the_label():
    assert load_article(LAND).button_label("en") == "My neighbour moved the boundary of my land"
    long_title = "My neighbour moved the boundary of my land and now builds a wall on it, what can I do"
    article = variant({"en: My neighbour moved the boundary of my land": f"en: {long_title}"})
    assert article.button_label("en") == "Land boundary dispute" and len(long_title) > 60
