"""The shipped knowledge base: off-topic messages that share one word with an article are declined."""

from pathlib import Path

import pytest

from legal_info.answers import answer, decline_text
from legal_info.retrieval import KnowledgeBase

ARTICLES = Path(__file__).resolve().parents[2] / "legal_info" / "articles"


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load(ARTICLES)


# Each shares a single incidental word with an article ("tomorrow" with debt-collection-threats,
# "how much" with jsc-voluntary-free): that must not be enough to answer.
@pytest.mark.parametrize(
    "question",
    ["what will the weather be tomorrow", "will it rain tomorrow", "how much is a phone top-up"],
)
def test_weather_and_top_up_questions_are_declined(kb, question):
    reply = answer(kb, question, "en", office_name="Kampot Justice Service Centre")
    assert not reply.confident and reply.article_ids == () and reply.next_office is None
    assert reply.text == decline_text("en", "Kampot Justice Service Centre")


def test_a_real_question_with_tomorrow_is_still_answered(kb):
    reply = answer(kb, "The money lender says he will take my house tomorrow if I do not pay", "en")
    assert reply.confident and reply.article_ids == ("debt-collection-threats",)
    assert reply.next_office == "police"


@pytest.mark.parametrize("language, most", [("en", 2), ("km", 3)])
def test_an_offer_of_the_two_longest_labels_fits_the_sms_budget(kb, language, most):
    from intake.sms import count_segments
    from legal_info.answers import suggest_text

    labels = sorted((a.menu_label(language) for a in kb.articles.values()), key=len)[-2:]
    text = suggest_text([("a", labels[0]), ("b", labels[1])], language)
    assert labels[0] in text and labels[1] in text and count_segments(text).segments <= most


@pytest.mark.parametrize(
    "question",
    ["តើការលែងលះត្រូវធ្វើយ៉ាងដូចម្តេច?", "តើការលែងលះត្រូវធ្វើដោយរបៀបណា?"],
)
def test_the_formal_khmer_divorce_question_reaches_its_article(kb, question):
    # ការលែងលះ (the nominalised "divorce" of formal writing) is looked up as លែងលះ too, and
    # យ៉ាងដូចម្តេច ("in what way") is a question word, not a topic.
    reply = answer(kb, question, "km")
    assert reply.confident and reply.article_ids == ("family-divorce",)


@pytest.mark.parametrize(
    "question", ["a question about papers for my child", "I have a question about papers for my child"]
)
def test_papers_for_a_child_do_not_confidently_get_the_child_arrest_article(kb, question):
    reply = answer(kb, question, "en")
    assert "juvenile-rights-in-custody" not in reply.article_ids
    assert not reply.confident  # vague: offered topics or an honest decline, never a guess


def test_police_questioning_a_child_still_finds_the_custody_article(kb):
    reply = answer(kb, "Can the police question my child without me there?", "en")
    assert reply.confident and reply.article_ids == ("juvenile-rights-in-custody",)
