"""A supervised ranker: which article a question belongs to, learnt from the articles' own example questions.

The lexical scores in `retrieval` compare a question with each example separately; this ranker learns,
per script, which character n-grams and words tell the articles apart (TF-IDF of character n-grams
inside words, which needs no Khmer segmentation and absorbs romanised spelling variation, plus words
and word pairs) with a linear SVM, one class per article. Its decision values become probabilities
with a softmax whose temperature (`TEMPERATURE`) was set on the development sets. Training takes
about 0.1 s a script for 44 articles, so it happens when the knowledge base is built; nothing is cached on disk.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from nlu.khmer import normalize

# Softmax temperature for the SVM decision values (which fall roughly in [-1.5, 1]): lower is sharper.
TEMPERATURE = 0.2
SVM_C = 1.0
CHAR_NGRAMS = (2, 5)


def _pairs(words: list[str]) -> list[str]:
    """Words and adjacent word pairs: "hard title" means more than "hard" and "title"."""
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class QuestionRanker:
    """A linear classifier over article ids for one script; build it with `train`."""

    def __init__(
        self, char_vectorizer, word_vectorizer, model, words: Callable[[str], list[str]], chars: Callable[[str], str]
    ):
        self._char_vectorizer = char_vectorizer
        self._word_vectorizer = word_vectorizer
        self._model = model
        self._words = words
        self._chars = chars
        self.labels: tuple[str, ...] = tuple(model.classes_)

    @classmethod
    def train(
        cls,
        examples: Sequence[tuple[str, str]],
        words: Callable[[str], list[str]],
        chars: Callable[[str], str] = lambda text: normalize(text).lower(),
        example_words: Sequence[list[str]] | None = None,
    ) -> QuestionRanker | None:
        """Fit on (text, article id) pairs; None when fewer than two articles have examples.

        `words` analyses questions into words; `example_words`, if given, are the examples' words
        already analysed (the knowledge base has them from indexing)."""
        if example_words is None:
            example_words = [words(text) if text else [] for text, _ in examples]
        kept = [(text, label, w) for (text, label), w in zip(examples, example_words) if text and text.strip()]
        if len({label for _, label, _ in kept}) < 2:
            return None
        # Imported here: scikit-learn takes a while to import and is only needed when training.
        from scipy.sparse import hstack
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        texts = [text for text, _, _ in kept]
        labels = [label for _, label, _ in kept]
        char_vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, preprocessor=chars, dtype=np.float32
        )
        word_vectorizer = TfidfVectorizer(analyzer=_pairs, sublinear_tf=True, dtype=np.float32)
        features = hstack(
            [char_vectorizer.fit_transform(texts), word_vectorizer.fit_transform([w for _, _, w in kept])]
        ).tocsr()
        model = LinearSVC(C=SVM_C)
        model.fit(features, labels)
        return cls(char_vectorizer, word_vectorizer, model, words, chars)

    def decision(self, text: str) -> dict[str, float]:
        """Raw SVM decision value of every article for `text`."""
        from scipy.sparse import hstack

        features = hstack(
            [self._char_vectorizer.transform([text]), self._word_vectorizer.transform([self._words(text)])]
        ).tocsr()
        values = self._model.decision_function(features)[0]
        if len(self.labels) == 2:  # a binary SVM gives one value, for the second label
            values = [-values, values]
        return {label: float(v) for label, v in zip(self.labels, values)}

    def probabilities(self, text: str, temperature: float = TEMPERATURE) -> dict[str, float]:
        """Softmax of the decision values: how likely each article is to be the one asked about."""
        values = self.decision(text)
        top = max(values.values())
        exp = {label: math.exp((v - top) / temperature) for label, v in values.items()}
        total = sum(exp.values())
        return {label: e / total for label, e in exp.items()}
