"""Turning a question into the reply a person receives over SMS or Telegram.

Replies follow the person's script: English for "en", Khmer script for "km" and for romanised
Khmer (the articles have no romanised answer text, and Khmer script reads better than a guessed
romanisation). Below the knowledge base's threshold the reply says honestly that we do not know and
offers a person at an office instead: it never answers from a weak match.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from intake.sms import count_segments
from legal_info.articles_loader import MORE_SUFFIX, SMS_MAX_SEGMENTS, Article, sms_with_suffix
from legal_info.retrieval import Hit, KnowledgeBase, guess_language
from nlu.khmer import is_khmer_char

CHANNELS = ("sms", "telegram")
MORE_MAX_SEGMENTS = 3
_CITATION_LABEL = {"en": "Law: ", "km": "ច្បាប់៖ "}
_DEFAULT_OFFICE = {
    "en": "the nearest Justice Service Centre or a legal aid office",
    "km": "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ ឬការិយាល័យជំនួយផ្លូវច្បាប់ជិតបំផុត",
}
_DECLINE = {
    "en": (
        "Sorry, I do not know the answer to this one and I do not want to guess. "
        "A person at {office} can help. Reply YES to be put in touch, or ask another question."
    ),
    "km": "សូមទោស ខ្ញុំមិនដឹងចម្លើយនេះច្បាស់ទេ ហើយមិនចង់ទាយ។ {office} អាចជួយបាន។ ឆ្លើយ YES ដើម្បីឱ្យយើងភ្ជាប់ ឬសួរសំណួរផ្សេង។",
}

# "Not sure" with numbered topics: the person picks one (a number), or asks a person at an office.
_SUGGEST = {
    "en": "I am not sure I understood. Is it about {options}? Reply with the number, or ask in other words. "
    "A person at {office} can also help.",
    "km": "ខ្ញុំមិនប្រាកដថាយល់ទេ។ តើជារឿង {options}? ឆ្លើយលេខ ឬសួរម្តងទៀត។ {office} ក៏អាចជួយបាន។",
}
_OR = {"en": " or ", "km": " ឬ "}
_SHORT_OFFICE = {"en": "a Justice Service Centre or legal aid office", "km": "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ ឬជំនួយផ្លូវច្បាប់"}
# How many topics to offer: each costs SMS characters; Telegram shows them as buttons.
SUGGESTIONS = {"sms": 2, "telegram": 3}


@dataclass(frozen=True)
class Answer:
    """What to send back: the text, the article(s) it came from and where to go next.

    `confident` is False when the service declined; `related` holds (article id, title) pairs for
    Telegram buttons.
    """

    text: str
    article_ids: tuple[str, ...]
    confident: bool
    next_office: str | None
    language: str = "en"
    related: tuple[tuple[str, str], ...] = ()
    hits: tuple[Hit, ...] = ()
    suggestions: tuple[tuple[str, str], ...] = ()  # (article id, title) offered when not confident


def reply_language(language: str) -> str:
    """Language of the article text used for a person writing in `language`."""
    return "en" if language == "en" else "km"


def decline_text(language: str, office_name: str | None = None) -> str:
    """The honest "I don't know this one" reply, offering `office_name` (or a generic office)."""
    lang = reply_language(language)
    return _DECLINE[lang].format(office=office_name or _DEFAULT_OFFICE[lang])


def suggest_text(suggestions: Sequence[tuple[str, str]], language: str, office_name: str | None = None) -> str:
    """ "Not sure: reply 1 for …, 2 for …", still offering a person at an office."""
    lang = reply_language(language)
    options = _OR[lang].join(f"{n}) {label}" for n, (_, label) in enumerate(suggestions, start=1))
    return _SUGGEST[lang].format(options=options, office=office_name or _SHORT_OFFICE[lang])


# Said with every answer until a qualified lawyer has reviewed the article (`legal_review: true`).
NOT_REVIEWED = {
    "en": "General information only, not yet checked by a lawyer.",
    "km": "ព័ត៌មានទូទៅ មិនទាន់ពិនិត្យដោយមេធាវីទេ។",
}
# MORE sends the next page: at most MORE_MAX_SEGMENTS segments, cut at sentence ends, with this
# line when there is more.
MORE_AGAIN = {"en": "Reply MORE for more.", "km": "ផ្ញើ MORE ដឹងបន្ថែម"}


def full_text(article: Article, lang: str) -> str:
    """The full answer with its citations (and, until reviewed, the not-checked-by-a-lawyer note):
    what Telegram shows, and what MORE sends in pages."""
    note = "" if article.reviewed.legal_review else f"\n\n{NOT_REVIEWED[lang]}"
    return f"{article.full[lang]}\n\n{_CITATION_LABEL[lang]}{article.citation_line()}{note}"


def sms_answer(article: Article, lang: str) -> str:
    """The first SMS answer: the short answer, the not-checked note when there is room for it in
    SMS_MAX_SEGMENTS segments (otherwise the MORE pages carry it), and the MORE line."""
    body = sms_with_suffix(article.short[lang], lang)
    if article.reviewed.legal_review:
        return body
    noted = f"{article.short[lang]} {NOT_REVIEWED[lang]}\n{MORE_SUFFIX[lang]}"
    return noted if count_segments(noted).segments <= SMS_MAX_SEGMENTS else body


def related_buttons(kb: KnowledgeBase, article: Article, lang: str) -> tuple[tuple[str, str], ...]:
    """(article id, button text) for the articles related to `article`."""
    return tuple((rid, kb.articles[rid].button_label(lang)) for rid in article.related if rid in kb.articles)


def answer(
    kb: KnowledgeBase,
    text: str,
    language: str | None = None,
    channel: str = "sms",
    office_name: str | None = None,
) -> Answer:
    """The reply to a legal question for one channel ("sms" or "telegram")."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    language = language or guess_language(text)
    lang = reply_language(language)
    hits = tuple(kb.search(text, language=language, limit=3))
    if not hits or hits[0].confidence < kb.threshold:
        offered = kb.suggest(hits, limit=SUGGESTIONS[channel])
        suggestions = tuple((h.article.id, h.article.menu_label(lang)) for h in offered)
        text_out = (
            suggest_text(suggestions, language, office_name) if suggestions else decline_text(language, office_name)
        )
        return Answer(text_out, (), False, None, language, (), hits, suggestions)
    article = hits[0].article
    if channel == "sms":
        body = sms_answer(article, lang)
        related: tuple[tuple[str, str], ...] = ()
    else:
        body = full_text(article, lang)
        related = related_buttons(kb, article, lang)
    return Answer(body, (article.id,), True, article.next_office, language, related, hits)


def _budget(text: str) -> int:
    """Units that fit in MORE_MAX_SEGMENTS concatenated segments for this text's encoding."""
    per_part = 153 if count_segments(text).encoding == "GSM-7" else 67
    return per_part * MORE_MAX_SEGMENTS


def _units(text: str) -> int:
    return count_segments(text).units


# A full stop after these is no sentence end ("Sub-decree No. 103", "Art. 978").
_ABBREVIATIONS = re.compile(r"(?:^|\s)(?:No|Art|Arts|art|para|Mr|Mrs|Ms|Dr|St|e\.g|i\.e|etc|vs|cf)\.$")


def _pieces(text: str) -> list[str]:
    """Sentences (Latin ". " or Khmer "។"), the smallest units we prefer not to break."""
    out: list[str] = []
    for para in text.split("\n\n"):
        sentences: list[str] = []
        for s in re.split(r"(?<=[.!?។៕])\s+|(?<=[។៕])(?=\S)", para.strip()):
            if not s:
                continue
            if sentences and _ABBREVIATIONS.search(sentences[-1]):
                sentences[-1] = f"{sentences[-1]} {s}"
            else:
                sentences.append(s)
        out.extend(sentences)
    return out


def _hard_split(piece: str, budget: int) -> list[str]:
    """Split an over-long sentence at spaces, or between Khmer clusters as a last resort."""
    parts: list[str] = []
    current = ""
    for word in piece.split(" "):
        candidate = f"{current} {word}" if current else word
        if _units(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
        current = word
        while _units(current) > budget:
            cut = min(budget, len(current) - 1)
            while cut > 1 and _units(current[:cut]) > budget:
                cut -= 1
            # Do not cut before a combining mark or a subscript: it would split a Khmer cluster.
            while cut > 1 and (
                is_khmer_char(current[cut]) and not current[cut].isalpha() or current[cut - 1] == "\u17d2"
            ):
                cut -= 1
            parts.append(current[:cut])
            current = current[cut:]
    if current:
        parts.append(current)
    return parts


def split_sms(text: str) -> list[str]:
    """`text` as SMS parts of at most MORE_MAX_SEGMENTS segments each, numbered "(1/3)" when several."""
    budget = _budget(text)
    if _units(text) <= budget:
        return [text]
    room = budget - len("(99/99) ")
    parts: list[str] = []
    current = ""
    for piece in _pieces(text):
        for chunk in _hard_split(piece, room) if _units(piece) > room else [piece]:
            candidate = f"{current} {chunk}" if current else chunk
            if _units(candidate) <= room:
                current = candidate
            else:
                parts.append(current)
                current = chunk
    if current:
        parts.append(current)
    return [f"({i}/{len(parts)}) {p}" for i, p in enumerate(parts, 1)]


def pages(text: str, lang: str, max_segments: int = MORE_MAX_SEGMENTS) -> list[str]:
    """`text` as MORE pages: each at most `max_segments` SMS segments, cut at sentence ends (inside
    a sentence only when one sentence alone is too long), every page but the last ending with
    "Reply MORE for more"."""
    again = MORE_AGAIN[lang]
    per_part = 153 if count_segments(text + again).encoding == "GSM-7" else 67
    room = per_part * max_segments - _units(again) - 1
    chunks: list[str] = []
    for piece in _pieces(text):
        chunks.extend(_hard_split(piece, room) if _units(piece) > room else [piece])
    out: list[str] = []
    current = ""
    for chunk in chunks:
        candidate = f"{current} {chunk}" if current else chunk
        if _units(candidate) <= room:
            current = candidate
        else:
            out.append(current)
            current = chunk
    if current:
        out.append(current)
    if len(out) == 1 and _units(out[0]) <= per_part * max_segments:
        return out
    return [f"{p}\n{again}" if i < len(out) - 1 else p for i, p in enumerate(out)]


def more(kb: KnowledgeBase, article_id: str, language: str) -> list[str]:
    """The full answer of an article as MORE pages (one per MORE); KeyError for an unknown id."""
    article = kb.articles[article_id]
    lang = reply_language(language)
    return pages(full_text(article, lang), lang)
