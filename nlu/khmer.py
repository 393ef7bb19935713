"""Khmer text handling shared by the app and the Rasa tokenizer component.

Khmer is written without spaces between words, often with invisible zero-width spaces, with
Khmer digits, and with vowels and signs typed in more than one order that look the same on
screen. Everything that compares Khmer text goes through `normalize` first, and everything that
needs words goes through `tokenize`.

This module must stay importable from the Rasa environment (Python 3.10): standard library and
khmer-nltk only, nothing from the rest of the project.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\u17b4\u17b5"), None)
_DIGITS = {ord("០") + i: str(i) for i in range(10)} | {ord("٠") + i: str(i) for i in range(10)}
_DEPRECATED = {"\u17a3": "\u17a2", "\u17a4": "\u17a2\u17b6", "\u17d8": "\u17d4\u179b\u17d2\u1794\u17bd"}
# Vowels typed as two parts that should be one code point.
_SPLIT_VOWELS = {"\u17c1\u17b8": "\u17be", "\u17c1\u17b6": "\u17c4"}

COENG = "\u17d2"
RO = "\u179a"


def is_khmer_char(ch: str) -> bool:
    """True for a character in the Khmer blocks (U+1780–U+17FF, U+19E0–U+19FF)."""
    o = ord(ch)
    return 0x1780 <= o <= 0x17FF or 0x19E0 <= o <= 0x19FF


def khmer_ratio(text: str) -> float:
    """Share of letters in `text` that are Khmer (0.0 when there are no letters)."""
    letters = [c for c in text if c.isalpha() or is_khmer_char(c)]
    if not letters:
        return 0.0
    return sum(1 for c in letters if is_khmer_char(c)) / len(letters)


def _rank(ch: str) -> int:
    """Canonical position of a combining Khmer mark inside a cluster (lower comes first)."""
    o = ord(ch)
    if o in (0x17C9, 0x17CA):  # register shifters
        return 1
    if 0x17B6 <= o <= 0x17C5:  # dependent vowels
        return 3
    if o == 0x17C6 or o == 0x17C7 or o == 0x17C8:  # nikahit, reahmuk, yuukaleapintu
        return 4
    if 0x17CB <= o <= 0x17D1 or o == 0x17D3 or o == 0x17DD:  # other signs
        return 5
    return 0


def _reorder_cluster(marks: list[str]) -> list[str]:
    """Order the marks after a base consonant: shifters, subscripts (RO last), vowels, signs."""
    subscripts: list[str] = []
    others: list[str] = []
    i = 0
    while i < len(marks):
        if marks[i] == COENG and i + 1 < len(marks):
            subscripts.append(marks[i] + marks[i + 1])
            i += 2
            continue
        others.append(marks[i])
        i += 1
    # A subscript RO is written after any other subscript in the standard order.
    subscripts.sort(key=lambda s: s[1] == RO)
    shifters = [m for m in others if _rank(m) == 1]
    rest = sorted((m for m in others if _rank(m) != 1), key=_rank)
    return shifters + subscripts + rest


def _reorder(text: str) -> str:
    out: list[str] = []
    marks: list[str] = []
    for ch in text:
        if ch == COENG or _rank(ch) > 0 or (marks and marks[-1] == COENG):
            marks.append(ch)
            continue
        if marks:
            out.extend(_reorder_cluster(marks))
            marks = []
        out.append(ch)
    if marks:
        out.extend(_reorder_cluster(marks))
    return "".join(out)


def normalize(text: str) -> str:
    """Canonical form of a message: NFC, no invisible characters, ASCII digits, standard Khmer
    character order, single spaces. Latin case is kept (callers lower-case when they need to)."""
    if not text:
        return ""
    if len(text) > 2000:
        return _normalize(text)
    # One message is normalised by every step of the NLU (classifier, safety, places, entities):
    # the last few results are kept.
    return _normalize_recent(text)


@lru_cache(maxsize=64)
def _normalize_recent(text: str) -> str:
    return _normalize(text)


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_INVISIBLE).translate(_DIGITS)
    for old, new in _DEPRECATED.items():
        text = text.replace(old, new)
    text = _reorder(text)
    for old, new in _SPLIT_VOWELS.items():
        text = text.replace(old, new)
    return re.sub(r"\s+", " ", text).strip()


_KHMER_RUN = re.compile(r"[\u1780-\u17dd\u19e0-\u19ff]+")
_LATIN_WORD = re.compile(r"[0-9]+(?:[.:/-][0-9]+)*|[^\W\d_]+(?:'[^\W\d_]+)?", re.UNICODE)


@lru_cache(maxsize=1)
def _khmer_segmenter():
    """khmer-nltk's CRF word segmenter, loaded once on first use (it takes about half a second)."""
    from khmernltk import word_tokenize  # imported lazily: no model loading at import time

    # khmer-nltk installs its own INFO handler when it loads its model; keep it to warnings.
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    return word_tokenize


@lru_cache(maxsize=4096)
def _segment_khmer(run: str) -> tuple[str, ...]:
    return tuple(t for t in _khmer_segmenter()(run) if t.strip())


def tokenize(text: str) -> list[str]:
    """Words of a normalised message: Khmer runs segmented by khmer-nltk, Latin words lower-cased,
    numbers kept whole, punctuation and emoji dropped."""
    tokens: list[str] = []
    pos = 0
    for m in _KHMER_RUN.finditer(text):
        tokens.extend(w.lower() for w in _LATIN_WORD.findall(text[pos : m.start()]))
        tokens.extend(t for t in _segment_khmer(m.group()) if not re.fullmatch(r"[\u17d4-\u17da]+", t))
        pos = m.end()
    tokens.extend(w.lower() for w in _LATIN_WORD.findall(text[pos:]))
    return tokens


def token_spans(text: str) -> list[tuple[str, int, int]]:
    """Tokens with their character offsets in `text` (what Rasa's tokenizer interface needs)."""
    spans: list[tuple[str, int, int]] = []
    cursor = 0
    for tok in tokenize(text):
        lowered = text.lower()
        start = lowered.find(tok.lower(), cursor)
        if start < 0:  # a token the segmenter changed; keep order, point at the cursor
            start = cursor
        end = start + len(tok)
        spans.append((tok, start, end))
        cursor = end
    return spans
