"""The replies a person receives: SMS with the MORE line, MORE parts, Telegram, honest declines."""

from pathlib import Path

import pytest

from intake.sms import count_segments
from legal_info.answers import (
    MORE_AGAIN,
    NOT_REVIEWED,
    answer,
    decline_text,
    full_text,
    more,
    sms_answer,
    split_sms,
)
from legal_info.retrieval import KnowledgeBase

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "legal_info" / "articles"
EN_SUFFIX = "Reply MORE for more, or ask another question."
KM_SUFFIX = "ផ្ញើ MORE ដឹងបន្ថែម ឬសួរសំណួរថ្មី"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load(ARTICLES)


def test_english_sms_is_the_short_answer_and_the_more_line(kb):
    reply = answer(kb, "My husband hits me when he is drunk", "en", channel="sms")
    assert reply.confident and reply.article_ids == ("domestic-violence-help",)
    assert reply.next_office == "protection"
    assert reply.text == (
        "Violence at home is against the law (Domestic Violence Law 2005). In danger, call police 117. "
        "Children and youth can call 1280, free. The Department of Social Affairs can help. "
        "Others may read this phone: delete messages if unsafe.\n" + EN_SUFFIX
    )
    assert count_segments(reply.text).segments <= 2


def test_romanised_question_gets_the_khmer_sms(kb):
    reply = answer(kb, "kon khnhom ot mean sambot kamnert", "km-Latn", channel="sms")
    assert reply.article_ids == ("birth-registration",)
    assert reply.text == kb.get("birth-registration").short["km"] + "\n" + KM_SUFFIX
    assert count_segments(reply.text).encoding == "UCS-2"
    assert count_segments(reply.text).segments <= 2


@pytest.mark.parametrize("language", ["en", "km"])
def test_every_fixture_sms_fits_two_segments(kb, language):
    for article in kb.articles.values():
        reply_text = article.short[language] + "\n" + (EN_SUFFIX if language == "en" else KM_SUFFIX)
        assert count_segments(reply_text).segments <= 2, article.id


@pytest.mark.parametrize("language", ["en", "km", "km-Latn"])
def test_more_pages_fit_three_segments_end_at_sentences_and_cover_the_full_answer(kb, language):
    parts = more(kb, "land-boundary-dispute", language)
    lang = "en" if language == "en" else "km"
    again = MORE_AGAIN[lang]
    assert len(parts) >= 2
    assert all(count_segments(p).segments <= 3 for p in parts)
    # Every page but the last says there is more; each page ends at a sentence end.
    assert all(p.endswith("\n" + again) for p in parts[:-1]) and again not in parts[-1]
    bodies = [p.removesuffix("\n" + again) for p in parts]
    assert all(b.rstrip()[-1] in ".!?។៕)" for b in bodies[:-1]), bodies
    article = kb.get("land-boundary-dispute")
    label = "Law: " if lang == "en" else "ច្បាប់៖ "
    expected = article.full[lang] + label + article.citation_line() + NOT_REVIEWED[lang]
    # Nothing lost or reordered: only the whitespace between sentences may differ.
    assert "".join(" ".join(bodies).split()) == "".join(expected.split())
    assert parts[-1].endswith(NOT_REVIEWED[lang])  # not reviewed by a lawyer yet: said at the end


def test_the_not_reviewed_note_goes_in_the_first_sms_when_it_fits(kb):
    article = kb.get("land-title-registration")
    reply = answer(kb, "how do I get a title for my land", "en", channel="sms")
    assert reply.article_ids == ("land-title-registration",)
    if count_segments(f"{article.short['en']} {NOT_REVIEWED['en']}\n{EN_SUFFIX}").segments <= 2:
        assert NOT_REVIEWED["en"] in reply.text
    else:  # no room: the MORE pages carry it
        assert NOT_REVIEWED["en"] in more(kb, "land-title-registration", "en")[-1]
    assert count_segments(reply.text).segments <= 2


def test_a_reviewed_article_carries_no_note(kb):
    from dataclasses import replace

    article = kb.get("land-title-registration")
    reviewed = replace(article, reviewed=replace(article.reviewed, legal_review=True))
    assert NOT_REVIEWED["en"] not in sms_answer(reviewed, "en")
    assert NOT_REVIEWED["en"] not in full_text(reviewed, "en")


def test_more_for_unknown_article_raises(kb):
    with pytest.raises(KeyError):
        more(kb, "no-such-article", "en")


def test_long_khmer_text_without_spaces_is_split_between_clusters():
    text = "ការសម្រុះសម្រួលឥតគិតថ្លៃ" * 30
    parts = split_sms(text)
    assert len(parts) > 1
    assert all(count_segments(p).segments <= 3 for p in parts)
    body = "".join(p.split(" ", 1)[1] for p in parts)
    assert body == text
    for p in parts[1:]:
        first = p.split(" ", 1)[1][0]
        assert first.isalpha(), "a part must not start with a Khmer vowel sign or subscript"


def test_short_text_is_one_part_without_numbering():
    assert split_sms("Go to the commune hall.") == ["Go to the commune hall."]


def test_telegram_gets_full_answer_citation_and_related(kb):
    reply = answer(kb, "My neighbour put his fence posts inside my rice field", "en", channel="telegram")
    article = kb.get("land-boundary-dispute")
    assert reply.text == article.full["en"] + "\n\nLaw: " + article.citation_line() + "\n\n" + NOT_REVIEWED["en"]
    assert reply.related == (("land-title-registration", "How to get a title for my land"),)


def test_telegram_in_khmer_uses_khmer_titles(kb):
    reply = answer(kb, "អ្នកជិតខាងយករបងមកដាក់ក្នុងដីខ្ញុំ", "km", channel="telegram")
    assert reply.text.startswith("ជម្លោះព្រំដី") and "\n\nច្បាប់៖ Land Law (2001)" in reply.text
    assert reply.related == (("land-title-registration", "របៀបធ្វើប័ណ្ណកម្មសិទ្ធិដី"),)


def test_off_topic_question_is_declined_with_the_office(kb):
    reply = answer(kb, "Who won the football match last night?", "en", office_name="Kampot Justice Service Centre")
    assert not reply.confident and reply.article_ids == () and reply.next_office is None
    assert reply.text == (
        "Sorry, I do not know the answer to this one and I do not want to guess. A person at Kampot Justice "
        "Service Centre can help. Reply YES to be put in touch, or ask another question."
    )
    assert count_segments(reply.text).segments <= 2


def test_romanised_off_topic_question_is_declined_in_khmer(kb):
    reply = answer(kb, "thngai saek phlieng te", "km-Latn")
    assert not reply.confident
    assert reply.text == decline_text("km-Latn")
    assert reply.text.startswith("សូមទោស") and "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌" in reply.text
    assert count_segments(reply.text).segments <= 3


def test_weak_match_is_declined_not_guessed(kb):
    strict = KnowledgeBase.load(ARTICLES, threshold=0.99)
    reply = answer(strict, "My husband hits me when he is drunk", "en")
    assert not reply.confident and reply.article_ids == ()
    assert reply.hits[0].article.id == "domestic-violence-help"  # found, but not trusted:
    article = reply.hits[0].article  # offered as a topic to choose, never answered from
    assert reply.suggestions[0] == ("domestic-violence-help", article.menu_label("en"))
    assert article.short["en"] not in reply.text and "1) Violence in the family" in reply.text
    assert count_segments(reply.text).segments <= 2


def test_the_offer_names_at_most_two_topics_on_sms_and_three_on_telegram(kb):
    strict = KnowledgeBase.load(ARTICLES, threshold=0.99)
    question = "my neighbour moved the boundary and I have no land title"
    sms, telegram = answer(strict, question, "en"), answer(strict, question, "en", channel="telegram")
    assert 1 <= len(sms.suggestions) <= 2 and len(sms.suggestions) <= len(telegram.suggestions) <= 3
    assert [aid for aid, _ in sms.suggestions] == [aid for aid, _ in telegram.suggestions][: len(sms.suggestions)]
    assert all(h.confidence >= 0.2 for h in sms.hits[: len(sms.suggestions)])


def test_nothing_close_gets_the_plain_decline_not_an_offer(kb):
    reply = answer(kb, "Who won the football match last night?", "en")
    assert reply.suggestions == () and reply.text == decline_text("en")


def test_unknown_channel_is_refused(kb):
    with pytest.raises(ValueError):
        answer(kb, "land", "en", channel="whatsapp")
