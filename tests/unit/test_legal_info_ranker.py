"""The supervised ranker: learnt from example questions, it ranks reworded questions and stays
out of the way when there is nothing to learn from."""

from pathlib import Path

from legal_info.articles_loader import load_articles
from legal_info.ranker import QuestionRanker
from legal_info.retrieval import KnowledgeBase, _words

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "legal_info" / "articles"

EXAMPLES = [
    ("How do I get a birth certificate for my baby?", "birth"),
    ("Where do we register a newborn child?", "birth"),
    ("My neighbour moved the fence onto my land", "boundary"),
    ("The boundary posts between our rice fields were moved", "boundary"),
    ("My husband hits me, who can help?", "violence"),
    ("I am beaten at home and scared", "violence"),
]


def test_a_reworded_question_gets_the_highest_probability():
    ranker = QuestionRanker.train(EXAMPLES, lambda text: _words(text, "en"))
    probability = ranker.probabilities("neighbour put his fence posts in my field")
    assert max(probability, key=probability.get) == "boundary"
    assert abs(sum(probability.values()) - 1.0) < 1e-9


def test_romanised_spelling_variants_are_learnt_from_character_ngrams():
    examples = [
        ("pdey knhom vay knhom", "violence"),
        ("sombot kamnaet kon", "birth"),
        ("robong dei jit khang", "boundary"),
    ]
    ranker = QuestionRanker.train(examples, lambda text: _words(text, "km-Latn"))
    probability = ranker.probabilities("bdey khnhom vay")
    assert max(probability, key=probability.get) == "violence"


def test_fewer_than_two_articles_give_no_ranker():
    assert QuestionRanker.train([("birth certificate", "birth"), ("  ", "boundary")], str.split) is None
    assert QuestionRanker.train([], str.split) is None


def test_a_one_article_knowledge_base_still_answers_and_declines():
    article = next(a for a in load_articles(ARTICLES) if a.id == "birth-registration")
    kb = KnowledgeBase.from_articles([article])
    assert kb.search("how to get birth certificate for my daughter", "en")[0].article.id == "birth-registration"
    assert all(h.confidence < kb.threshold for h in kb.search("Will it rain tomorrow?", "en"))
