"""Romanised Khmer spelling variants, built systematically instead of one by one.

People type Khmer on Latin keyboards in many ways: "neak chit khang" and "neak jit khang"
(neighbour), "knhom" / "khnhom" / "gnhom", "tver" / "twer" / "thver", "juoy" / "chuoy" / "jouy",
"dei" / "dey" / "dai". The alternations are regular, so a term written once stands for all of
them: `pattern(term)` turns it into a regular expression fragment in which each sound that is
spelled several ways matches any of its spellings, and `variants(term)` lists the spellings (for
tests and for checking collisions with English words). `fold(word)` goes the other way for the
embedded classifier: one canonical spelling per word, so that its features do not depend on how a
word was spelled.

The alternations (each unit matches any spelling in its group):
  consonants  ch/j, k/g/kh, p/b/ph, t/d/th, v/w, s/h at the end of a word (nis / nih)
  vowels      ou/o/u/uo, ei/ey/ai/ay, ie/ea/ia, oe/eu/oeu/ue/er (kampleung / kamplerng)
The text is matched in the form `nlu.safety` gives it (lower case, repeated letters squashed), so
"kkh" and "oo" need no rule of their own.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import product
from pathlib import Path

# nlu/data (nlu.training.DATA_DIR), found here so that the Rasa tokenizer, which runs on Python
# 3.10 without the app's modules, can use english_words() too.
_DATA_DIR = Path(__file__).resolve().parent / "data"

# Longest units first: "kh" before "k", "oeu" before "oe".
_CONSONANTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ch", ("ch", "j")),
    ("kh", ("kh", "k", "g")),
    ("ph", ("ph", "p", "b")),
    ("th", ("th", "t", "d")),
    ("j", ("j", "ch")),
    ("k", ("k", "g", "kh")),
    ("g", ("g", "k")),
    ("p", ("p", "b", "ph")),
    ("b", ("b", "p")),
    ("t", ("t", "d", "th")),
    ("d", ("d", "t")),
    ("v", ("v", "w")),
    ("w", ("w", "v")),
)
_VOWELS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("oeu", ("oeu", "oe", "eu", "ue", "er")),
    ("oe", ("oe", "eu", "oeu", "ue", "er")),
    ("eu", ("eu", "oe", "oeu", "ue", "er")),
    ("er", ("er", "eu", "oe", "oeu")),
    ("ou", ("ou", "o", "u", "uo")),
    ("uo", ("uo", "ou", "o", "u")),
    ("ei", ("ei", "ey", "ai", "ay")),
    ("ey", ("ey", "ei", "ai", "ay")),
    ("ai", ("ai", "ay", "ei", "ey")),
    ("ay", ("ay", "ai", "ei", "ey")),
    ("ie", ("ie", "ea", "ia")),
    ("ea", ("ea", "ie", "ia")),
    ("ia", ("ia", "ie", "ea")),
    ("o", ("o", "ou", "u", "uo")),
    ("u", ("u", "ou", "o", "uo")),
)
_UNITS = _CONSONANTS + _VOWELS
# Short words collide with English ("bat" would match "bad", "pat"): words of this length or
# shorter keep their spelling unless they are part of a longer term.
MIN_WORD = 4


def _units(word: str) -> list[tuple[str, ...]]:
    """A word as a list of spelling groups (a letter with no alternation is a group of one)."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(word):
        for unit, group in _UNITS:
            if word.startswith(unit, i):
                out.append(group)
                i += len(unit)
                break
        else:
            out.append((word[i],))
            i += 1
    # A final s / h and a final ae / e are the same sound ("pel nis" / "pel nih", "tae" / "te").
    if len(word) > 2 and word[-1] in "sh" and len(out[-1]) == 1:
        out[-1] = ("s", "h")
    return out


def _word_groups(word: str, alone: bool) -> list[tuple[str, ...]]:
    if not word.isalpha() or not word.isascii() or (alone and len(word) < MIN_WORD):
        return [(ch,) for ch in word]
    return _units(word)


def _split(term: str) -> list[str]:
    return term.lower().split()


def pattern(term: str) -> str:
    """A regex fragment matching every systematic spelling of a romanised term (no anchors;
    words may be joined by any run of non-letters, as in `nlu.safety`; `*` = any ending)."""
    words = _split(term)
    alone = len(words) == 1
    parts = []
    for word in words:
        star = word.endswith("*")
        core = word.rstrip("*")
        frag = "".join(
            re.escape(g[0]) if len(g) == 1 else "(?:" + "|".join(re.escape(x) for x in g) + ")"
            for g in _word_groups(core, alone)
        )
        parts.append(frag + ("[a-z]*" if star else ""))
    return r"[\W_]*".join(parts)


@lru_cache(maxsize=4096)
def variants(term: str, limit: int = 512) -> frozenset[str]:
    """The spellings `pattern(term)` matches (at most `limit`; `*` kept as written)."""
    words = _split(term)
    alone = len(words) == 1
    per_word = []
    for word in words:
        star = "*" if word.endswith("*") else ""
        groups = _word_groups(word.rstrip("*"), alone)
        spellings = ["".join(p) + star for p, _ in zip(product(*groups), range(limit))]
        per_word.append(spellings)
    out = set()
    for combo in product(*per_word):
        out.add(" ".join(combo))
        if len(out) >= limit:
            break
    return frozenset(out)


def regex(terms: tuple[str, ...] | list[str]) -> re.Pattern:
    """One case-insensitive whole-word regex for several romanised terms and all their spellings."""
    body = "|".join(sorted((pattern(t) for t in terms), key=len, reverse=True))
    return re.compile(r"(?<![a-z])(?:" + body + r")(?![a-z])", re.IGNORECASE)


# Common English words the English training file may lack; a romanised spelling variant that
# equals one of them is not used (the term then matches as written).
_COMMON_ENGLISH = frozenset(
    "bad bed bid bud dad did dog dot god got gut kid kit pad pat pet pit pot put tab tag tap tip top tub "
    "bath bake bear beat bite boat book boot cage cake chat chop dead deal debt deep dock done door dope "
    "duck dump gate goat hope jump kick king meat pack park peak pick pile pipe pope pork take tape task "
    "tide tied toad told tone took tour town tube vote wake wide wipe week "
    "dinner good dough booth bought doubt taught teacher thought tough "
    # English words of the danger lists (nlu.safety, nlu.triage): matched as written, never
    # through romanised variants ("punch*" matched "bunchol", top up; "nude*" matched "note")
    "punch slap slapped knives stab burns burned burnt burning injure injur injury bruise bruis violence "
    "violent violen abuse abus attack strangle strangl choking guns acid assault torture tortur bleeding "
    "cigarette burn chained black eye starve starv murder threat harass intimidat chase chasing fear "
    "unsafe stalk follow nude rapist sexual molest grop indecent touch ransom trafficking traffick "
    "prostitut brothel trapped captive prisoner kidnap abduct missing disappeared slave slavery labo "
    "marriage married bride engaged engagement secret hidden camera filmed recorded lens witness testif "
    "complained informed whistle warn warning warned careful disappear".split()
)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Words of the English training file plus a list of common words: a Latin term made only of
    these is English, and a spelling variant that is one of these is not used."""
    path = _DATA_DIR / "nlu_en.yml"
    try:
        text = path.read_text(encoding="utf-8").lower()
    except OSError:
        text = ""
    return frozenset(re.findall(r"[a-z]+", text)) | _COMMON_ENGLISH


def is_romanised(term: str) -> bool:
    """True for a Latin term that is not plain English (at least one word unknown to English)."""
    english = english_words()
    words = [w.rstrip("*") for w in _split(term)]
    return any(w.isalpha() and w.isascii() and w not in english for w in words)


def safe_pattern(term: str) -> str | None:
    """`pattern(term)` for a romanised term whose spellings collide with no English word, else None
    (the caller then matches the term as written)."""
    if not is_romanised(term):
        return None
    words = _split(term)
    if len(words) == 1:
        english = english_words()
        spelled = words[0].rstrip("*")
        if any(v.rstrip("*") in english and v.rstrip("*") != spelled for v in variants(term)):
            return None
    return pattern(term)


# --- folding: one spelling for all of them ------------------------------------------------------
# `pattern` widens a term to every spelling, for word lists; `fold` goes the other way, for the
# classifier's features: it writes a romanised word in one canonical spelling, so that "khchey" /
# "kchei" / "gchey", "jouy" / "juoy" / "chuoy" / "juy" and "ort" / "ot" become one feature. Its
# classes are the alternations above taken as equivalences (voiced / unvoiced / aspirated, the
# vowel groups), widened with what people type that the word lists need not know:
#   an "h" after any consonant (aspiration: "chhob" = "chob", "mhob" = "mob"), "nh" / "ny" one
#   nasal ("knhom" = "knyom"), "c" for "ch" ("mec"), oa / ua / ao / au with the back vowels,
#   ei / ey / ai / ay / y with i ("eylov" = "ylov" = "ilov"), a post-vowel "r" that is not
#   pronounced ("ort" = "ot", "torn" = "ton"; "er" is the vowel of "deur"), a final h or s after a
#   vowel ("keh" = "ke", "nis" = "nih"), the first syllable's a / o before a nasal ("somlab" =
#   "samlab", "kompong" = "kampong"), doubled letters and apostrophes ("ch'ap", "taam").
# The folded form is for matching only, never shown.
_FOLD_CONSONANTS: tuple[tuple[str, str], ...] = (  # longest first
    ("ng", "ng"),  # the velar nasal keeps its spelling (before "g" and "nh")
    ("nh", "n"),
    ("kh", "k"),
    ("gh", "k"),
    ("ch", "c"),
    ("ph", "p"),
    ("th", "t"),
    ("g", "k"),
    ("j", "c"),
    ("b", "p"),
    ("d", "t"),
    ("w", "v"),
)
_VOWEL_LETTERS = frozenset("aeiou")
# A run of vowel letters (doubles squashed, a final glide "y" taken off) -> its class.
_FOLD_VOWELS: dict[str, str] = {
    **dict.fromkeys(("o", "ou", "u", "uo", "oa", "ua", "oua", "uoa", "ao", "au", "aou", "ouo"), "o"),
    **dict.fromkeys(("i", "y", "ei", "ai", "aei"), "i"),
    **dict.fromkeys(("ie", "ea", "ia", "iea", "eia"), "ea"),
    **dict.fromkeys(("oe", "eu", "oeu", "ue", "aeu", "oeo", "eo"), "eu"),
    **dict.fromkeys(("e", "ae"), "e"),
}
_PRESYLLABLE = re.compile(r"(?:ng|m|n)[^aeiouy]")  # a nasal closing the first syllable
_LATIN = re.compile(r"[a-z][a-z'\u2019]*")


def _is_vowel(w: str, i: int) -> bool:
    """A vowel letter, or a "y" that no vowel follows ("kchey", "ylov"; "yub" starts with a consonant)."""
    return w[i] in _VOWEL_LETTERS or (w[i] == "y" and (i + 1 == len(w) or w[i + 1] not in _VOWEL_LETTERS))


def _fold_vowels(run: str, before_r: bool) -> str:
    glide = len(run) > 1 and run.endswith("y")
    core = run[:-1] if glide else run
    out = _FOLD_VOWELS.get(core, core)
    if before_r and out == "e":
        out = "eu"  # "er" is written for the vowel of "deur" / "daeu" / "doeu"
    if glide:  # "ey" / "ay" = "i"; "oy" / "uoy" / "ouy" = "oi"
        out = "i" if out in ("e", "a", "i") else out + "i"
    return out


@lru_cache(maxsize=8192)
def fold(word: str) -> str:
    """One canonical spelling of a romanised Khmer word, for matching (see the classes above):
    "khchey" and "kchei" fold to "kci", "ort" and "ot" to "ot", "eylov" and "ilov" to "ilov"."""
    w = re.sub(r"(.)\1+", r"\1", word.lower().replace("'", "").replace("\u2019", ""))
    out: list[str] = []
    seen_vowel = False
    i, n = 0, len(w)
    while i < n:
        if _is_vowel(w, i):
            j = i
            while j < n and _is_vowel(w, j):
                j += 1
            before_r = j < n and w[j] == "r" and (j + 1 == n or not (w[j + 1] in _VOWEL_LETTERS or w[j + 1] == "y"))
            vowel = _fold_vowels(w[i:j], before_r)
            if (
                not seen_vowel
                and vowel in ("a", "o")
                and _PRESYLLABLE.match(w, j)
                and any(c in _VOWEL_LETTERS for c in w[j + 2 :])
            ):
                vowel = "a"
            seen_vowel = True
            out.append(vowel)
            if before_r:
                j += 1
            elif j == n - 1 and w[j] in "hs" and i > 0:
                j += 1
            i = j
            continue
        if w.startswith("ny", i) and i + 2 < n and w[i + 2] in _VOWEL_LETTERS:
            out.append("n")
            i += 2
            continue
        for unit, canon in _FOLD_CONSONANTS:
            if w.startswith(unit, i):
                out.append(canon)
                i += len(unit)
                break
        else:
            out.append(w[i])
            i += 1
        if i < n and w[i] == "h":  # aspiration after any consonant ("jh", "mh"); a first "h" stays
            i += 1
    return re.sub(r"(.)\1+", r"\1", "".join(out))


def fold_latin(text: str) -> str:
    """The Latin words of a message, each folded (`fold`), joined by single spaces:
    the input of the classifier's spelling-blind features ("" for a message in Khmer script)."""
    return " ".join(fold(w) for w in _LATIN.findall(text.lower()))
