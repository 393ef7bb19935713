"""Finding the article that answers a question, with a confidence that can be thresholded.

Each script has its own index (English, Khmer, romanised Khmer). A question is compared with every
article in two ways, each in [0, 1]: TF-IDF cosine with the article's example questions and title
(the best one counts), and BM25 against the whole article (title, questions, short and full answer)
divided by the best score any article could reach for that question. Both use words and character
trigrams of the words, which absorbs Khmer segmentation differences, English word endings and the
many spellings of romanised Khmer. Romanised questions are also matched, by consonant skeleton,
against the Khmer-script text, because the articles carry only a few romanised examples. The
weighted mix is scaled down when the question shares too little specific vocabulary with the article
(see EVIDENCE_MIN), so that one incidental shared word does not make an answer.

A supervised ranker (`legal_info.ranker`), trained when the knowledge base is built on each script's
example questions, titles and short answers, gives every article a probability; it learns which
n-grams tell the articles apart, where the lexical scores weigh every shared word alike. The
confidence is the weighted sum of the lexical score and that probability (RANKER_WEIGHT), scaled by
the same evidence factor, and `DEFAULT_THRESHOLD` is where the service stops trusting it.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path

from legal_info.articles_loader import Article, load_articles
from legal_info.ranker import QuestionRanker
from nlu.khmer import is_khmer_char, khmer_ratio, normalize, tokenize

log = logging.getLogger(__name__)

# Re-checked on the development sets (legal_info/eval/dev*.jsonl) after the ranker was added: the
# highest dev off-topic confidence is just under 0.30, so 0.32 leaves a margin at the cost of a few
# right answers on dev2. Re-check with `python -m legal_info evaluate --set dev --sweep` (and
# `--set dev2`); tune on dev and dev2, never on the held-out files.
DEFAULT_THRESHOLD = 0.32
# Below the threshold, articles that still come close are offered as numbered topics for the person
# to choose from (never answered on their own): those at or above SUGGEST_FLOOR and at least
# SUGGEST_RATIO of the best one. On the development sets (dev, dev2, dev3 and the off-topic files)
# 0.20 put the right article among two suggestions for 73% of the in-scope questions that fell below
# the threshold, while only 14% of the declined off-topic messages got any suggestion.
SUGGEST_FLOOR = 0.20
SUGGEST_RATIO = 0.6

# How the confidence is mixed: best example question vs whole article, words vs character n-grams.
QUESTION_WEIGHT = 0.2
WORD_WEIGHT = 0.5
SKELETON = "km-skeleton"  # index of Khmer article text by consonant skeleton, for romanised questions
# Romanised questions: share of the score from the romanised examples vs the Khmer-text skeletons.
ROMANISED_EXAMPLES_WEIGHT = 0.4
# Skeleton matches are fuzzier, so romanised scores come out lower for the same quality of match;
# this puts them on the English/Khmer scale so that one threshold serves all three scripts.
ROMANISED_SCALE = 1.15
BM25_K1, BM25_B = 1.2, 0.75
# Evidence needed before a score is trusted in full. Each query word found in an article adds its
# specificity (1 for a word of one article, 0 for a word of all of them) times its salience there
# (how often the article uses it, saturating at EVIDENCE_TF). Below EVIDENCE_MIN the confidence is
# scaled down: one incidental word ("tomorrow" in an example question) is not enough to answer.
EVIDENCE_MIN = 1.0
EVIDENCE_TF = 4
# Share of the confidence from the supervised ranker's probability (the rest is the lexical score).
# Set on dev + dev2 with the ranker's softmax temperature (ranker.TEMPERATURE).
RANKER_WEIGHT = 0.4
MIN_SKELETON_LEN = 3  # shorter consonant skeletons (st, pn) match nearly every article
# Field repetitions in the whole-article vector: what people ask weighs more than the answer prose.
FIELD_WEIGHTS = {"title": 2, "questions": 2, "short": 1, "full": 1}

_EN_STOP = frozenset(
    """a about after again all also am an and any are as at be because been being but by can could
    did do does doing don for from get got had has have having he her here hers him his how i if in
    into is it its just me might more most must my myself no of off on once only or other our ours
    out own please same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours tell know want need like one someone something anything
    happen happens happened ok okay hello hi sir madam thanks thank help not dont doesnt didnt cant cannot
    wont isnt much many take took good go going went come came say said says give gave make made now still
    question questions asking
    yes ask let lot really very today way""".split()
)
# Function words and question particles of Khmer: they say nothing about the topic.
_KM_STOP = frozenset(
    """តើ ខ្ញុំ យើង គាត់ គេ អ្នក ត្រូវ ធ្វើ អ្វី បាន មាន ការ នៅ ជា និង ទេ ឬ របស់ ដែល ទៅ ពី ក្នុង នឹង អាច
    ហើយ ដោយ ដើម្បី ឱ្យ អោយ យ៉ាង ម៉េច ដូចម្តេច ណា ឯណា របៀប ខ្លះ នេះ នោះ គឺ ក៏ ដែរ ទៀត ចង់ សួរ បាទ ចាស សូម
    ប៉ុន្តែ បើ ពេល លើ ក្រោម នូវ ចំពោះ ដល់ ទាំង ណាស់ ហ្នឹង ឯ រួច ថា វា ខ្លួន ឡើយ ដូច ផង នៃ គួរ តែ មិន
    យ៉ាងម៉េច ដូចម្តេច ប៉ុន្មាន មួយ មក អត់ ម្នាក់ ពេក ម៉េច ឬទេ ឬអត់ ដែរឬទេ នៅឯណា អីចឹង ចុះ
    យ៉ាងដូចម្តេច យ៉ាងដូចម្ដេច ដោយរបៀបណា យ៉ាងណា បែបណា""".split()
)
# The nominaliser ការ / សេចក្តី is often glued to the word it makes a noun of (ការលែងលះ, "divorce"
# in formal writing): a question's word is looked up with and without it.
_KM_NOMINALISERS = ("ការ", "សេចក្តី", "សេចក្ដី")
# Romanised Khmer function words, in the spellings people type (keyed after `romanised_key`).
_KM_LATN_STOP_RAW = """knhom khnhom khnom kjom knyom ey avey avei ey te tee de ban mean mien nov nouv na
    nana ach arch yang yangmech mech mdech doch klah oy aoy ouy pi pee knong kanong jea chea
    derm dermbei bei ot min hoy haey nih nis nas del dael kor ke tae dae euy bong oun chong
    chorng sour suor tver twer tveu trov trouv please plz pls som sum tov tou mok muoy moy muy tha hz
    reu rue kot yerng yeung nung neung""".split()

# A few romanised words whose spellings differ by more than the key rules can absorb.
_KM_LATN_SYNONYMS = {"avey": "ey", "avei": "ey", "ei": "ey", "ery": "ey", "bdey": "pdey", "ptey": "pdey"}

# Romanised-Khmer words that are not English: used only to guess the script of a Latin message.
_KM_LATN_MARKERS = frozenset(
    """knhom khnhom khnom kjom knyom ey avey te ban mean nov ach chong sour tver twer trov dei dey
    bdey pdey propun prapon kon koun srok khum phum chbab tolakar mdech yang mech klah oy pi knong
    jea chea ot min hoy nih del dael kor bong oun neak srey bros pteah sala luy prak ke derm bei
    kamnaet sombot plong chit khang vay chuoy chuay rok tov mok thngai chnam ayu ponman pel chenh
    samrab laor lor yob minh nis sdab tngai mdong ngai kdav klean leng jol chol""".split()
)


# Words villagers use for the same legal idea, folded into one term (before stemming). General
# vocabulary of the domain, not tuned to any question set.
_EN_EQUIVALENTS = {
    **dict.fromkeys("kid kids children childs".split(), "child"),
    **dict.fromkeys("died dies dead death deceased".split(), "die"),
    **dict.fromkeys("fired fire sacked sack laid layoff dismissal dismissed".split(), "dismiss"),
    **dict.fromkeys("jail jailed imprisoned imprisonment".split(), "prison"),
    **dict.fromkeys("salary salaries wages".split(), "wage"),
    **dict.fromkeys("boss bosses employers".split(), "employer"),
    **dict.fromkeys("beat beats beating beaten hits hitting".split(), "hit"),
    **dict.fromkeys("husband husbands wife wives spouse".split(), "spouse"),
    **dict.fromkeys("attorney lawyers".split(), "lawyer"),
    **dict.fromkeys("lend lends lent lending lender lenders borrow borrowed borrowing".split(), "loan"),
    **dict.fromkeys("threat threats threatened threatening threatens".split(), "threaten"),
    **dict.fromkeys("marriage married marry marries wedding wed".split(), "marry"),
    **dict.fromkeys("inheritance inherited inherits heir heirs".split(), "inherit"),
    **dict.fromkeys("lawsuit sued suing".split(), "sue"),
    **dict.fromkeys("stole stolen steal steals stealing theft thief thieves robbed robbery rob".split(), "steal"),
    **dict.fromkeys("trafficked trafficking trafficker traffickers".split(), "traffic"),
    **dict.fromkeys("agreement agreements agreed agrees".split(), "agree"),
    **dict.fromkeys("mediation mediator mediators mediated mediating".split(), "mediate"),
    **dict.fromkeys("registration registered registering".split(), "register"),
    **dict.fromkeys("center centers".split(), "centre"),
    **dict.fromkeys("neighbor neighbors neighbours".split(), "neighbour"),
    **dict.fromkeys("divorced divorcing".split(), "divorce"),
    **dict.fromkeys("separated separating separation split".split(), "separate"),
    **dict.fromkeys("arrested arrest detained detention custody".split(), "arrest"),
    **dict.fromkeys("evicted eviction evict".split(), "evict"),
}


def _stem_en(word: str) -> str:
    """Light English stemming: enough to meet "married"/"marry", "beats"/"beat", "divorce"/"divorces"."""
    word = _EN_EQUIVALENTS.get(word, word)
    if len(word) <= 3:
        return word
    w = word
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                break
            if suffix == "es" and not w.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            w = w[: -len(suffix)] + repl
            break
    # A final e and a doubled consonant come and go with endings: divorce/divorced, stopped/stop.
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w


_LATN_DIGRAPHS = (("kh", "k"), ("ph", "p"), ("th", "t"), ("ch", "c"), ("nh", "n"), ("sh", "s"), ("gn", "n"))
_LATN_LETTERS = str.maketrans({"b": "p", "d": "t", "g": "k", "v": "w", "j": "c", "q": "k", "u": "o", "z": "s"})
_VOWELS = "aeio"


def romanised_key(word: str) -> str:
    """One spelling for the many ways a Khmer word is typed in Latin letters.

    knhom/khnhom/khnom -> knom, dei/dey -> tei, bdey/pdey -> ptei, tver/twer -> twe, sour/suor -> so.
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return word.lower()
    w = _KM_LATN_SYNONYMS.get(w, w)
    for old, new in _LATN_DIGRAPHS:
        w = w.replace(old, new)
    w = w.translate(_LATN_LETTERS)
    # y after a vowel is a vowel: dey -> dei, vay -> wai.
    w = re.sub(r"(?<=[aeiou])y", "i", w)
    # An r closing a vowel is usually a length mark (tver, derm, kamnert), not a sound.
    w = re.sub(r"(?<=[aeio])r(?=[^aeio]|$)", "", w)
    w = re.sub(r"(.)\1+", r"\1", w)  # doubled letters
    return w or word.lower()


_KM_LATN_STOP = frozenset(romanised_key(w) for w in _KM_LATN_STOP_RAW)

# Consonant skeletons bridge romanised questions to the Khmer-script articles: vowels are written
# every which way in Latin letters, consonants much less so (ប្តី bdey/pdey -> "pt").
_KM_CONSONANT_CLASS = {
    ch: cls
    for chars, cls in (
        ("កខគឃ", "k"),
        ("ង", "N"),
        ("ចឆជឈ", "c"),
        ("ញ", "Y"),
        ("ដឋឌឍតថទធ", "t"),
        ("ណន", "n"),
        ("បពផភ", "p"),
        ("ម", "m"),
        ("យ", "y"),
        ("រ", "r"),
        ("លឡ", "l"),
        ("វ", "w"),
        ("សឝឞ", "s"),
        ("ហ", "h"),
    )
    for ch in chars
}
_NIKAHIT = "\u17c6"  # "am"/"om": written m in Latin letters


def khmer_skeleton(word: str) -> str:
    """Consonant classes of a Khmer word: សំបុត្រ -> smptr."""
    out = "".join("m" if ch == _NIKAHIT else _KM_CONSONANT_CLASS.get(ch, "") for ch in word)
    return re.sub(r"(.)\1+", r"\1", out)


def latin_skeleton(word: str) -> str:
    """Consonant classes of a romanised Khmer word, comparable with `khmer_skeleton`: sombot -> smpt."""
    w = re.sub(r"[^a-z]", "", word.lower())
    for pattern, cls in (
        (r"ng", "N"),
        (r"nh|ny|gn", "Y"),
        (r"chh|ch|j", "c"),
        (r"kh|g|q", "k"),
        (r"ph|b", "p"),
        (r"th|d", "t"),
        (r"sh|z", "s"),
        (r"v", "w"),
    ):
        w = re.sub(pattern, cls, w)
    w = re.sub(r"(?<=[aeiou])h$", "", w)  # a final h is a vowel sound (pteah), not a consonant
    w = w[:1] + re.sub(r"[aeiouy]", "", w[1:]) if w.startswith("y") else re.sub(r"[aeiouy]", "", w)
    return re.sub(r"(.)\1+", r"\1", w)


@cache
def _article_tokens(text: str) -> tuple[str, ...]:
    # Article texts are tokenized for several indexes and the rankers, and Khmer segmentation is slow.
    # Only article texts come here (cleared once the knowledge base is built), never people's messages.
    return tuple(tokenize(normalize(text)))


def _words(text: str, script: str, article_text: bool = False) -> list[str]:
    """Index terms of `text` for one script (stop-words dropped, spellings unified)."""
    out: list[str] = []
    for tok in _article_tokens(text) if article_text else tokenize(normalize(text)):
        if is_khmer_char(tok[0]):
            if script in ("km", SKELETON) and tok not in _KM_STOP and not re.fullmatch(r"[\u17d4-\u17dd]+", tok):
                out.append(khmer_skeleton(tok) if script == SKELETON else tok)
                if script == "km" and not article_text:  # the question's words only: the index stays as it was
                    for prefix in _KM_NOMINALISERS:
                        rest = tok.removeprefix(prefix)
                        if rest != tok and len(rest) >= 4 and rest not in _KM_STOP:
                            out.append(rest)
                            break
            continue
        tok = tok.lower()
        if script == SKELETON:
            if romanised_key(tok) not in _KM_LATN_STOP and not tok.isdigit():
                out.append(latin_skeleton(tok))
        elif script == "km-Latn":
            key = romanised_key(tok)
            if key not in _KM_LATN_STOP:
                out.append(key)
        elif tok not in _EN_STOP:
            out.append(_stem_en(tok.replace("'", "")))
    return out


def _grams(words: Sequence[str], script: str) -> list[str]:
    """Character n-grams: trigrams inside each word, or for skeletons 3- and 4-grams across words
    (a romanised question splits words where the Khmer segmenter does not)."""
    if script != SKELETON:
        return _trigrams(words)
    s = "#" + "".join(w for w in words if w) + "#"
    return [s[i : i + n] for n in (3, 4) for i in range(max(1, len(s) - n + 1))]


def _trigrams(words: Iterable[str]) -> list[str]:
    grams: list[str] = []
    for w in words:
        padded = f"#{w}#"
        grams.extend(padded[i : i + 3] for i in range(max(1, len(padded) - 2)))
    return grams


Vector = Mapping[str, float]


def _cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b.get(k, 0.0) for k, v in a.items())


@dataclass(frozen=True)
class _Doc:
    """An article seen from one script: example-question vectors and whole-article term counts."""

    article: Article
    question_vectors: tuple[tuple[Vector, Vector], ...]  # (words, trigrams) per example question/title
    counts: tuple[Mapping[str, int], Mapping[str, int]]  # whole-article term counts (words, n-grams), for BM25
    lengths: tuple[int, int]


class _Index:
    """One script's view of every article: IDF, question vectors and BM25 counts."""

    def __init__(self, script: str, fields: Sequence[tuple[Article, dict[str, list[str]]]]):
        self.script = script
        analysed = [(article, *self._analyse(parts)) for article, parts in fields]
        n = max(1, len(analysed))
        df_w: Counter[str] = Counter()
        df_g: Counter[str] = Counter()
        for _, _, whole in analysed:
            df_w.update(set(whole))
            df_g.update(set(_grams(whole, script)))
        # Smoothed IDF: a term in every article still counts a little, an unseen one counts most.
        self._idf_w = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df_w.items()}
        self._idf_g = {t: math.log((1 + n) / (1 + d)) + 1 for t, d in df_g.items()}
        self._unseen = math.log(1 + n) + 1
        # Specificity of a word in [0, 1]: 1 for a word of one article, 0 for a word of every article.
        self._specificity = {t: math.log(n / d) / math.log(n) if n > 1 else 1.0 for t, d in df_w.items()}
        self.docs: list[_Doc] = [self._doc(article, pieces, whole) for article, pieces, whole in analysed]
        self._avg = (
            sum(d.lengths[0] for d in self.docs) / n,
            sum(d.lengths[1] for d in self.docs) / n,
        )

    def _doc(self, article: Article, pieces: dict[str, list[list[str]]], whole: list[str]) -> _Doc:
        qvecs = tuple(self._vectors(words) for words in pieces.get("questions", []) + pieces.get("title", []) if words)
        grams = _grams(whole, self.script)
        return _Doc(article, qvecs, (Counter(whole), Counter(grams)), (len(whole), len(grams)))

    def _bm25(
        self, terms: set[str], counts: Mapping[str, int], length: int, avg: float, idf: Mapping[str, float]
    ) -> float:
        """BM25 of the query terms in one document, divided by the best any document could score."""
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / (avg or 1.0))
        got = best = 0.0
        for t in terms:
            w = idf.get(t, self._unseen)
            tf = counts.get(t, 0)
            got += w * tf * (BM25_K1 + 1) / (tf + norm) if tf else 0.0
            best += w * (BM25_K1 + 1)
        return got / best if best else 0.0

    def _analyse(self, parts: dict[str, list[str]]) -> tuple[dict[str, list[list[str]]], list[str]]:
        pieces = {name: [_words(t, self.script, article_text=True) for t in texts] for name, texts in parts.items()}
        whole: list[str] = []
        for name, lists in pieces.items():
            for words in lists:
                whole.extend(words * FIELD_WEIGHTS[name])
        return pieces, whole

    def _vector(self, terms: Sequence[str], idf: Mapping[str, float]) -> dict[str, float]:
        tf = Counter(terms)
        vec = {t: (1 + math.log(c)) * idf.get(t, self._unseen) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def _vectors(self, words: Sequence[str]) -> tuple[Vector, Vector]:
        return self._vector(words, self._idf_w), self._vector(_grams(words, self.script), self._idf_g)

    def evidence(self, text: str) -> dict[str, float]:
        """How much specific, salient vocabulary of each article `text` contains (article id -> evidence)."""
        words = set(_words(text, self.script))
        if self.script == SKELETON:
            words = {w for w in words if len(w) >= MIN_SKELETON_LEN}
        out: dict[str, float] = {}
        for doc in self.docs:
            counts = doc.counts[0]
            out[doc.article.id] = sum(
                self._specificity.get(w, 0.0) * min(1.0, counts[w] / EVIDENCE_TF) for w in words if w in counts
            )
        return out

    def scores(self, text: str) -> list[tuple[Article, float]]:
        """Every article with its confidence for `text`, best first."""
        words = _words(text, self.script)
        if not words:
            return [(d.article, 0.0) for d in self.docs]
        qw, qg = self._vectors(words)
        out = []
        for doc in self.docs:
            best_q = max(
                (
                    WORD_WEIGHT * _cosine(qw, vw) + (1 - WORD_WEIGHT) * _cosine(qg, vg)
                    for vw, vg in doc.question_vectors
                ),
                default=0.0,
            )
            whole = WORD_WEIGHT * self._bm25(set(words), doc.counts[0], doc.lengths[0], self._avg[0], self._idf_w) + (
                1 - WORD_WEIGHT
            ) * self._bm25(set(_grams(words, self.script)), doc.counts[1], doc.lengths[1], self._avg[1], self._idf_g)
            score = QUESTION_WEIGHT * best_q + (1 - QUESTION_WEIGHT) * whole
            out.append((doc.article, min(1.0, max(0.0, score))))
        out.sort(key=lambda pair: (-pair[1], pair[0].id))
        return out


def guess_language(text: str) -> str:
    """Script of a message: "km" for Khmer script, "km-Latn" for romanised Khmer, else "en".

    A stand-in until the NLU's language detection is wired in: Khmer letters decide first, then a
    short list of common romanised-Khmer words.
    """
    if khmer_ratio(text) >= 0.3:
        return "km"
    words = [w.lower() for w in re.findall(r"[A-Za-z]+", text)]
    if not words:
        return "en"
    hits = sum(1 for w in words if w in _KM_LATN_MARKERS)
    english = sum(1 for w in words if w in _EN_STOP and w not in _KM_LATN_MARKERS)
    return "km-Latn" if (hits >= 2 and hits > english) or (hits >= 1 and not english) else "en"


@dataclass(frozen=True)
class Hit:
    """An article that may answer the question, with a confidence in [0, 1]."""

    article: Article
    confidence: float


class KnowledgeBase:
    """The articles and one index per script; build it once with `load` or `from_articles`."""

    def __init__(self, articles: Sequence[Article], threshold: float = DEFAULT_THRESHOLD):
        self.articles: dict[str, Article] = {a.id: a for a in articles}
        self.threshold = threshold
        self._indexes = {
            "en": _Index("en", [(a, self._fields(a, "en", "en")) for a in articles]),
            "km": _Index("km", [(a, self._fields(a, "km", "km")) for a in articles]),
            # Romanised questions only exist as examples: there is no romanised answer text.
            "km-Latn": _Index("km-Latn", [(a, {"questions": list(a.questions.get("km-Latn", ()))}) for a in articles]),
            SKELETON: _Index(SKELETON, [(a, self._fields(a, "km", "km")) for a in articles]),
        }
        self._rankers = {script: self._train_ranker(articles, script) for script in ("en", "km", "km-Latn")}
        _article_tokens.cache_clear()

    @staticmethod
    def _train_ranker(articles: Sequence[Article], script: str) -> QuestionRanker | None:
        lang = "en" if script == "en" else "km"
        examples: list[tuple[str, str]] = []
        for a in articles:
            examples.extend((q, a.id) for q in a.questions.get(script, ()))
            if script != "km-Latn":  # titles and answers exist only in English and Khmer script
                examples.extend((t, a.id) for t in (a.title.get(lang, ""), a.short.get(lang, "")))
        analysed = [_words(text, script, article_text=True) for text, _ in examples]
        return QuestionRanker.train(examples, partial(_words, script=script), example_words=analysed)

    @staticmethod
    def _fields(article: Article, lang: str, script: str) -> dict[str, list[str]]:
        return {
            "title": [article.title.get(lang, "")],
            "questions": list(article.questions.get(script, ())),
            "short": [article.short.get(lang, "")],
            "full": [article.full.get(lang, "")],
        }

    @classmethod
    def load(cls, directory: Path | str, threshold: float = DEFAULT_THRESHOLD) -> KnowledgeBase:
        """Read and index every article in `directory`."""
        articles = load_articles(Path(directory))
        log.info("knowledge base loaded: %d articles from %s", len(articles), directory)
        return cls(articles, threshold=threshold)

    @classmethod
    def from_articles(cls, articles: Sequence[Article], threshold: float = DEFAULT_THRESHOLD) -> KnowledgeBase:
        """Index articles that are already parsed (tests, or content from elsewhere)."""
        return cls(articles, threshold=threshold)

    def get(self, article_id: str) -> Article | None:
        """The article with this id, or None."""
        return self.articles.get(article_id)

    def search(self, text: str, language: str | None = None, limit: int = 3) -> list[Hit]:
        """The best `limit` articles for a question, best first (confidence may be below threshold)."""
        language = language or guess_language(text)
        if language not in ("en", "km", "km-Latn"):
            raise ValueError(f"unknown language {language!r}")
        scored = self._scored(text, language)
        scored.sort(key=lambda p: (-p[1], p[0].id))
        return [Hit(a, round(s, 4)) for a, s in scored[:limit] if s > 0]

    def suggest(self, hits: Sequence[Hit], limit: int = 2) -> list[Hit]:
        """Articles worth offering as choices when the best of `hits` is below the threshold
        (empty when it is above: then there is an answer, not a choice)."""
        if not hits or hits[0].confidence >= self.threshold:
            return []
        floor = max(SUGGEST_FLOOR, SUGGEST_RATIO * hits[0].confidence)
        return [h for h in hits[:limit] if h.confidence >= floor]

    def _scored(self, text: str, language: str) -> list[tuple[Article, float]]:
        """Every article's confidence: lexical and ranker scores mixed, scaled by the evidence."""
        scores, factor = self._lexical(text, language)
        ranker = self._rankers.get(language)
        if ranker is not None:
            probability = ranker.probabilities(text)
            w = RANKER_WEIGHT
            scores = [(a, (1 - w) * s + w * probability.get(a.id, 0.0)) for a, s in scores]
        return [(a, s * factor.get(a.id, 0.0)) for a, s in scores]

    def _lexical(self, text: str, language: str) -> tuple[list[tuple[Article, float]], dict[str, float]]:
        """Lexical score of every article, and the factor in [0, 1] by which its evidence scales it."""
        scores = self._indexes[language].scores(text)
        evidence = self._indexes[language].evidence(text)
        if language == "km-Latn" and ROMANISED_EXAMPLES_WEIGHT < 1:
            bridge = dict((a.id, s) for a, s in self._indexes[SKELETON].scores(text))
            w = ROMANISED_EXAMPLES_WEIGHT
            scores = [(a, min(1.0, ROMANISED_SCALE * (w * s + (1 - w) * bridge.get(a.id, 0.0)))) for a, s in scores]
            skeleton = self._indexes[SKELETON].evidence(text)
            evidence = {k: max(v, skeleton.get(k, 0.0)) for k, v in evidence.items()}
        return scores, {a.id: min(1.0, evidence.get(a.id, 0.0) / EVIDENCE_MIN) for a, _ in scores}
