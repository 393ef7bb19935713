"""Find the place a message names: province, district, commune and village codes from the gazetteer.

Names are found in two views of the message. Khmer script has no spaces, so Khmer names are looked
up as substrings of the normalised text (longest first, on cluster boundaries). Latin text is split
into words and every run of up to five words is joined without spaces and looked up by key, so
"Sen Sok", "Sensok" and "sen-sok" meet; a phonetic skeleton (Kompong/Kampong, Stueng/Stung,
Preaek/Prek, ea/e, doubled letters...) and a bounded edit distance catch common variants and typos.

Unit words (ខេត្ត, ស្រុក, ឃុំ, Khaet, Srok, Khum, district, commune...) are optional; when present they
pick the level. Short or common names (a one-syllable Khmer name, "Thmei", "Phsar", "Veal") count
only with a unit word or when their parent is named too. Villages, which are many and mostly
ordinary words, count only after ភូមិ / Phum / village, or inside a commune the message names.

When a name belongs to several units the ones consistent with the other places named win; if
several remain, the location carries them as `ambiguous` and leaves that level unset so the
dialogue can ask.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from nlu.gazetteer import CODE_LENGTH, LEVEL_OF_LENGTH, AdminUnit, Gazetteer
from nlu.khmer import normalize
from nlu.types import Location, PlaceCandidate

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # longer messages are cut: a place is named near the start, and time stays bounded
MAX_NAME_TOKENS = 5
MAX_VILLAGE_CANDIDATES = 8  # more same-named villages than this is no question to put to a user
LEVEL_RANK = {"province": 0, "district": 1, "commune": 2, "village": 3}

UNIT_WORDS_KM = {  # word → (level, the unit_latin it names)
    "រាជធានី": ("province", "reach theani"),
    "ខេត្ត": ("province", "khaet"),
    "ស្រុក": ("district", "srok"),
    "ក្រុង": ("district", "krong"),
    "ខណ្ឌ": ("district", "khan"),
    "ឃុំ": ("commune", "khum"),
    "សង្កាត់": ("commune", "sangkat"),
    "ភូមិ": ("village", "phum"),
}
UNIT_KIND_LATIN = {
    "khaet": "khaet",
    "khet": "khaet",
    "khett": "khaet",
    "khaett": "khaet",
    "srok": "srok",
    "srock": "srok",
    "krong": "krong",
    "municipality": "krong",
    "city": "krong",
    "town": "krong",
    "khan": "khan",
    "khum": "khum",
    "khom": "khum",
    "sangkat": "sangkat",
    "quarter": "sangkat",
}
UNIT_WORDS_LATIN = {
    "khaet": "province",
    "khet": "province",
    "khett": "province",
    "khaett": "province",
    "province": "province",
    "provincial": "province",
    "prov": "province",
    "capital": "province",
    "reachtheani": "province",
    "theani": "province",
    "srok": "district",
    "srock": "district",
    "district": "district",
    "krong": "district",
    "khan": "district",
    "municipality": "district",
    "city": "district",
    "town": "district",
    "section": "district",
    "khum": "commune",
    "khom": "commune",
    "sangkat": "commune",
    "commune": "commune",
    "quarter": "commune",
    "phum": "village",
    "phoum": "village",
    "phoom": "village",
    "village": "village",
}

# Token spellings that mean the same word in place names; applied to names and messages alike.
TOKEN_ALIASES = {
    "kg": "kampong",
    "kpg": "kampong",
    "kompong": "kampong",
    "kampung": "kampong",
    "kumpong": "kampong",
    "kampong": "kampong",  # not "kompung": that is កំពុង "currently"
    "phnum": "phnom",
    "pnom": "phnom",
    "phnom": "phnom",
    "st": "stung",
    "stueng": "stung",
    "steung": "stung",
    "stoeng": "stung",
    "stung": "stung",
    "o": "ou",
    "oo": "ou",
    "tuol": "tuol",
    "toul": "tuol",
    "tol": "tuol",
}
# Substring rewrites after the words are joined, longest first, so "Boeung", "Beung" and "Boeng"
# all become "bung" and "Preaek", "Praek" and "Prek" become "prek".
_SKELETON_RULES = (
    ("oeu", "u"),
    ("eu", "u"),
    ("ue", "u"),
    ("oe", "u"),
    ("eae", "e"),
    ("ea", "e"),
    ("ae", "e"),
    ("uo", "o"),
    ("ou", "o"),
    ("ao", "o"),
    ("oa", "o"),
    ("ei", "ey"),
    ("aa", "a"),
)
# "Boeng Kak Ti Pir" is written "Boeung Kak 2" as often as not.
_NUMBER_WORDS = {
    "muoy": "1",
    "mouy": "1",
    "moy": "1",
    "muy": "1",
    "pir": "2",
    "pi": "2",
    "bei": "3",
    "bey": "3",
    "buon": "4",
    "boun": "4",
    "pram": "5",
    "prammuoy": "6",
    "prampir": "7",
    "prambei": "8",
    "prambuon": "9",
}

# Common names that people also use outside place names (in a single word): romanised Khmer words
# ("thmei" new, "phsar" market, "kandal" middle, "svay" mango...) and English words. Alone they need
# a unit word or a named parent. Provinces are never weak.
COMMON_LATIN = frozenset(
    """
    phsar psar thmei thmey kandal svay ampil prasat kaoh koh boeng bung doung champa malai samang
    thala raksa reaksa nimit nimitt srang robieb leach chrey krala sambok thmea chas chaas samlanh
    rohas chhuk krouch khnat veal ream pate olympic char cham chak chey bati peam pong sang lang
    dar kor lak kak sla trab tras roya ponley punley reab tani pir bei buon prei pou mien ngan teun
    sdok kus lve lvea sya omal snao soea tien trea kear koub koul reul roka rung saeb saob saom
    sdau tasu ouda boko bour hab chob chek mkak nhor peuk phav pher pouy puok seda skuh srak taan
    kdanh kampenh lumhach chres chrach sandan sandar trang treang tuek toek tuk spean sala
    ou o ta yeay phnum phnom thum thom toch chhoeu chheu dei dey srae sre prey kampong speu
    """.split()
)
# Words that never start or end a place name in a message; fuzzy matching skips spans with them.
STOPWORDS_LATIN = frozenset(
    """
    a an the and or but if of to in on at by for from with without about into over under after
    before between through during up down out off again then than too very can could would should
    will shall may might must do does did done have has had having be is are was were been being
    i me my mine we us our you your he him his she her it its they them their this that these those
    what which who whom whose when where why how all any both each few more most other some such no
    not only own same so just now here there also please help hello hi thanks thank yes ok okay
    live living lives stay staying house home land title husband wife child children son daughter
    mother father family neighbour neighbor police court law legal lawyer money debt pay paid want
    need know tell told say said go going went come came get got give gave take took make made see
    call phone number today tomorrow yesterday day week month year time new old big small good bad
    ruong rueng reuang knhom khnhom knhum khnom nhom chong chang sour suor sur dei dey ban mean men min ot te tae nas
    nah nis ning nirng nung jea chea neak nak lok look bong oun kon pdey bdey propon prapun vay
    nov nau rous rus mok tov tow pi pii tha ke kee vea yerng yeung juy chuoy chuy sum som ey hz
    jol jit kbe khang phteah phtas phum srok khum khet krong khan sangkat luy loy chnam khae thngai
    phong phlov ansong kanhchok sontepheap santepheap krasuong khchey kchey chief taken chol
    bangkok thailand thai vietnam malaysia korea japan china laos border market keep
    kompung ruom knea sra srah reang ka bat tang bandoeng bandeng peaky chaek mae tuk tuek ba
    """.split()
)
# "neak phum" is a villager and "me phum" a village chief: "phum" there is no unit word.
NOT_UNIT_BEFORE_PHUM = frozenset({"neak", "nak", "me", "mae", "mephum", "knong", "chas"})
ENGLISH_UNIT_WORDS = frozenset(
    {
        "province",
        "provincial",
        "capital",
        "district",
        "municipality",
        "city",
        "town",
        "section",
        "commune",
        "quarter",
        "village",
    }
)
# Single-syllable Khmer names and everyday words that are also unit names: alone they need a unit
# word or a named parent, like the weak Latin names above.
COMMON_KM = frozenset(
    """
    ថ្មី ស្រែ ព្រៃ ភ្នំ បឹង វាល ជ្រៃ ដូង ឈូក ផ្សារ អូរ ជ័យ ពាម គំរូ ស្វាយ អំពិល ប្រាសាទ កោះ ទឹក
    ស្ពាន សាលា ត្រពាំង ទួល ព្រែក កំពង់ ចាស់ ធំ តូច ជើង ត្បូង លិច កើត ក្លែង ប្រឡាយ ពង្រ
    របៀប
    """.split()
)
# Words that end in a place name without being one: អ្នកកណ្តាល "go-between" and ពាក់កណ្តាល "half"
# are not Kandal, ថៅកែ "boss" before a word starting with ប is not Kep.
NEGATIVE_PREFIX_KM = {"កណ្តាល": ("អ្នក", "ពាក់", "ចំ"), "កែប": ("ថៅ",)}
NEGATIVE_PREFIX_LATIN = frozenset({"neak", "nak", "anak"})  # neak kandal "mediator"

# Spellings that no data source carries but people use.
ALIASES = {
    "18": ("Sihanouk Ville", "Sihanouk"),
    "12": ("PhnomPenh",),
    "0110": ("Poi Pet",),
    "1203": ("7 Makara", "Prampi Makara"),
}
ALIASES_KM = {"0110": ("ប៉ោយប៉ែត",)}


@dataclass(frozen=True)
class _Entry:
    level: str
    code: str
    official: bool  # an NCDD / pumi name or our alias, not only a secondary source's spelling
    weak: bool
    kind: str = ""  # the unit's own word, lower-case: "srok", "krong", "khan", "khum", "sangkat"


@dataclass
class _Mention:
    view: str  # "km" or "latn"
    start: int
    end: int
    entries: tuple[_Entry, ...]
    score: float  # 1.0 exact, lower for skeleton and fuzzy matches
    unit_level: str | None = None
    unit_kind: str = ""  # the unit word as written, folded to "srok", "krong", "khum"...
    village: bool = False  # introduced by a village unit word: entries are villages
    self_named: bool = False  # the village's own name begins with the unit word ("ភូមិ១")
    candidates: list[_Entry] = field(default_factory=list)

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def anchored(self) -> bool:
        """Introduced by a unit word of one of its levels ("ឃុំ" before a commune name)."""
        return self.unit_level is not None and any(e.level == self.unit_level for e in self.entries)


# Text folding ---------------------------------------------------------------------------------

_KHMER = r"\u1780-\u17ff\u19e0-\u19ff"
# Spaces inside a Khmer run (and before a digit, as in "បឹងកក់ទី ១") are not word boundaries.
_KHMER_GAP = re.compile(rf"(?<=[{_KHMER}])\s+(?=[{_KHMER}0-9])|(?<=[0-9])\s+(?=[{_KHMER}])")
_KHMER_PUNCT = re.compile(r"[\u17d4-\u17da‹›«»()\[\]\"“”'‘’]")
_COMBINING_KM = re.compile(r"[\u17b6-\u17d3\u17dd]")
_LATIN_WORDS = re.compile(r"[a-z0-9]+")


def fold_khmer(text: str) -> str:
    """Khmer text as the matcher compares it: normalised, subscript DA written as subscript TA
    (both spellings of កណ្ដាល/កណ្តាល are in use), no spaces between Khmer letters."""
    text = normalize(text).replace("\u17d2\u178a", "\u17d2\u178f").replace("ឲ", "ឱ")
    text = _KHMER_PUNCT.sub(" ", text)
    return _KHMER_GAP.sub("", text)


def latin_tokens(text: str) -> list[str]:
    """Lower-case ASCII words of a text: diacritics stripped, apostrophes dropped (Ro'ang → roang)."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"['’‘`ʼ]", "", text)
    return _LATIN_WORDS.findall(text)


def skeleton(tokens: list[str] | tuple[str, ...]) -> str:
    """Phonetic key of a run of words: aliases, vowel spellings and doubled letters folded."""
    words: list[str] = []
    for t in tokens:
        if words and words[-1] == "ti" and t in _NUMBER_WORDS:
            words[-1] = _NUMBER_WORDS[t]
        elif words and words[-1] == "ti" and t.isdigit():
            words[-1] = t
        else:
            words.append(TOKEN_ALIASES.get(t, t))
    joined = "".join(words)
    for old, new in _SKELETON_RULES:
        joined = joined.replace(old, new)
    return re.sub(r"(.)\1+", r"\1", joined)


def _is_cluster_start(text: str, i: int) -> bool:
    if i > 0 and text[i - 1] == "\u17d2":
        return False
    return not _COMBINING_KM.match(text[i])


def _is_cluster_end(text: str, i: int) -> bool:
    return i >= len(text) or not (_COMBINING_KM.match(text[i]) or text[i] == "\u17d2")


def _ends_mid_syllable(text: str, i: int) -> bool:
    """True when the next letter is a final consonant of the same syllable (ស្លា|ប់ "to die")."""
    return i + 1 < len(text) and "\u1780" <= text[i] <= "\u17a2" and text[i + 1] in "\u17cb\u17cd"


# Indexes --------------------------------------------------------------------------------------


class _NameIndex:
    """Khmer and Latin spellings → entries, with what the scanners need to be fast."""

    def __init__(self) -> None:
        self.km: dict[str, list[_Entry]] = defaultdict(list)
        self.raw: dict[str, list[_Entry]] = defaultdict(list)
        self.skel: dict[str, list[_Entry]] = defaultdict(list)
        self.km_lengths: list[int] = []
        self.fuzzy_keys: dict[str, list[str]] = defaultdict(list)  # first letter → skeleton keys

    def add_km(self, name: str, entry: _Entry) -> None:
        key = fold_khmer(name).replace(" ", "")
        # "បឹងកក់ទី២" is also written "បឹងកក់២".
        for k in {key, re.sub("ទី(?=[0-9])", "", key)}:
            if k and entry not in self.km[k]:
                self.km[k].append(entry)

    def add_latin(self, name: str, entry: _Entry) -> None:
        tokens = latin_tokens(name)
        if not tokens:
            return
        for table, key in ((self.raw, "".join(tokens)), (self.skel, skeleton(tokens))):
            if entry not in table[key]:
                table[key].append(entry)

    def finish(self) -> None:
        self.km_lengths = sorted({len(k) for k in self.km}, reverse=True)
        for key, entries in self.skel.items():
            if len(key) >= 5 and not all(e.weak for e in entries):
                self.fuzzy_keys[key[0]].append(key)


def _weak_latin(level: str, name: str) -> bool:
    if level == "province":
        return False
    tokens = latin_tokens(name)
    if len(tokens) > 1 and tokens[0] == "phum":
        return True  # "Phum Thmei" is a commune, and also "new village" in any message
    return len("".join(tokens)) <= 4 or (len(tokens) == 1 and tokens[0] in COMMON_LATIN)


def _weak_km(level: str, name: str) -> bool:
    if level == "province":
        return False
    key = fold_khmer(name).replace(" ", "")
    return len(key) <= 3 or key in COMMON_KM or (key.startswith("ភូមិ") and len(key) > 4)


def _build_index(gazetteer: Gazetteer) -> _NameIndex:
    index = _NameIndex()
    for level in ("province", "district", "commune"):
        for unit in gazetteer.units(level):
            if not unit.current:
                continue  # MEF-only codes renumber NCDD communes that are indexed already
            kind = unit.unit_latin.lower()
            for name in {unit.name_km, *ALIASES_KM.get(unit.code, ())}:
                index.add_km(name, _Entry(level, unit.code, True, _weak_km(level, name), kind))
            for name in {unit.name_mef_km, *unit.variants_km} - {unit.name_km, ""}:
                index.add_km(name, _Entry(level, unit.code, False, _weak_km(level, name), kind))
            official = {unit.name_latin, *ALIASES.get(unit.code, ())}
            for name in official:
                index.add_latin(name, _Entry(level, unit.code, True, _weak_latin(level, name), kind))
            for name in {unit.name_mef_en, *unit.variants_latin} - official - {""}:
                index.add_latin(name, _Entry(level, unit.code, False, _weak_latin(level, name), kind))
    index.finish()
    return index


def _build_village_index(gazetteer: Gazetteer) -> _NameIndex:
    index = _NameIndex()
    for unit in gazetteer.units("village"):
        if not unit.current:
            continue
        entry = _Entry("village", unit.code, True, False)
        for name in {unit.name_km, unit.name_mef_km} - {""}:
            index.add_km(name, entry)
        for name in {unit.name_latin, *unit.name_mef_en.split("|")} - {""}:
            index.add_latin(name, entry)
    index.finish()
    return index


# Resolver -------------------------------------------------------------------------------------


def _compatible(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _common_ancestor(codes: list[str]) -> str | None:
    prefix = codes[0]
    for code in codes[1:]:
        n = 0
        while n < min(len(prefix), len(code)) and prefix[n] == code[n]:
            n += 1
        prefix = prefix[:n]
    for length in (6, 4, 2):
        if len(prefix) >= length:
            return prefix[:length]
    return None


class PlaceResolver:
    """Resolves the places named in a message to a `Location` (never raises)."""

    def __init__(self, gazetteer: Gazetteer):
        self.gazetteer = gazetteer
        self._index = _build_index(gazetteer)
        self._villages: _NameIndex | None = None
        self._village_keys: dict[str, list] = {}
        self._lock = threading.Lock()

    @classmethod
    def default(cls) -> PlaceResolver:
        """The resolver over the repository's gazetteer, built once per process."""
        return _default_resolver()

    def _village_index(self) -> _NameIndex:
        if self._villages is None:
            with self._lock:
                if self._villages is None:
                    self._villages = _build_village_index(self.gazetteer)
        return self._villages

    # Public -----------------------------------------------------------------------------------

    def resolve(self, text: str) -> Location:
        """The location named in `text`: codes for the levels it settles, `ambiguous` for the rest."""
        try:
            return self._resolve(text if isinstance(text, str) else "")
        except Exception as exc:  # a message must never fail because of its place names
            # The type only: an exception's message or traceback could quote the citizen's words.
            log.error("place resolution failed (%s)", type(exc).__name__)
            return Location()

    # Scanning ---------------------------------------------------------------------------------

    def _scan_khmer(self, text: str) -> list[_Mention]:
        mentions: list[_Mention] = []
        index = self._index
        for start in range(len(text)):
            ch = text[start]
            if "0" <= ch <= "9":  # "៧មករា" (7 Makara) begins with a digit
                if start > 0 and "0" <= text[start - 1] <= "9":
                    continue
            elif not ("\u1780" <= ch <= "\u17b3") or not _is_cluster_start(text, start):
                continue
            unit_level, unit_kind = None, ""
            for word, (level, kind) in UNIT_WORDS_KM.items():
                if start >= len(word) and text.startswith(word, start - len(word), start):
                    unit_level, unit_kind = level, kind
                    break
            if unit_level == "village" and _is_cluster_end(text, start):
                village = self._match_village_km(text, start)
                if village:
                    mentions.append(village)
            for length in index.km_lengths:
                end = start + length
                if end > len(text):
                    continue
                entries = index.km.get(text[start:end])
                if entries and _is_cluster_end(text, end) and not _ends_mid_syllable(text, end):
                    negative = NEGATIVE_PREFIX_KM.get(text[start:end], ())
                    if any(text.endswith(p, 0, start) for p in negative) and not unit_level:
                        break
                    mentions.append(_Mention("km", start, end, tuple(entries), 1.0, unit_level, unit_kind))
                    break
        return mentions

    def _match_village_km(self, text: str, start: int) -> _Mention | None:
        villages = self._village_index()
        best: tuple[int, list[_Entry], bool] | None = None
        # A village's own name may begin with ភូមិ ("ភូមិ1"), so try from the unit word too.
        for begin in (start - len("ភូមិ"), start):
            for length in villages.km_lengths:
                end = begin + length
                if end <= len(text) and text[begin:end] in villages.km and _is_cluster_end(text, end):
                    if best is None or end > best[0]:
                        best = (end, villages.km[text[begin:end]], begin < start)
                    break
        if best is None:
            return None
        # The span covers the unit word, so a longer name that contains it ("ឃុំភូមិថ្មី", the
        # commune Phum Thmei) still wins.
        end, entries, self_named = best
        return _Mention(
            "km",
            start - len("ភូមិ"),
            end,
            tuple(entries),
            1.0,
            "village",
            village=True,
            self_named=self_named,
        )

    def _scan_latin(self, tokens: list[str]) -> list[_Mention]:
        mentions: list[_Mention] = []
        index = self._index
        n = len(tokens)
        for i in range(n):
            if UNIT_WORDS_LATIN.get(tokens[i]) == "village" and not (i > 0 and tokens[i - 1] in NOT_UNIT_BEFORE_PHUM):
                village = self._match_village_latin(tokens, i)
                if village:
                    mentions.append(village)
            if tokens[i] in UNIT_WORDS_LATIN and tokens[i] != "phum":
                continue  # "Srok", "district"... never begin a name; "Phum Thmei" is a commune
            found = False
            for j in range(min(n, i + MAX_NAME_TOKENS), i, -1):
                span = tokens[i:j]
                raw = "".join(span)
                entries, score = index.raw.get(raw), 1.0
                if not entries and not all(t in STOPWORDS_LATIN for t in span):
                    # A folded key needs some length: "Ta Ou" folds to "to".
                    key = skeleton(span)
                    entries, score = (index.skel.get(key) if len(key) >= 5 else None), 0.95
                if entries:
                    level, kind = self._latin_unit(tokens, i, j)
                    if i > 0 and tokens[i - 1] in NEGATIVE_PREFIX_LATIN and not level:
                        found = True  # "neak kandal": a go-between, not Kandal
                        break
                    if all(t in STOPWORDS_LATIN for t in span):
                        # "juy phong" (please help), "ke chong" (they want): everyday words in
                        # the message make even a long name weak.
                        entries = [replace(e, weak=True) for e in entries]
                    mentions.append(_Mention("latn", i, j, tuple(entries), score, level, kind))
                    found = True
                    break
            if not found:
                fuzzy = self._fuzzy_latin(tokens, i)
                if fuzzy:
                    mentions.append(fuzzy)
        return mentions

    @staticmethod
    def _latin_unit(tokens: list[str], i: int, j: int) -> tuple[str | None, str]:
        """Level and unit kind named by the word before the span, or after it in English order."""
        if i > 0 and tokens[i - 1] in UNIT_WORDS_LATIN:
            word = tokens[i - 1]
            before = tokens[i - 2] if i > 1 else ""
            # English unit words follow their name ("Bavel district, Battambang"): one binds
            # forward only at the start or after a small word ("in district 7 Makara").
            forward = word not in ENGLISH_UNIT_WORDS or not before or before in STOPWORDS_LATIN
            if word in ("phum", "phoum") and before in NOT_UNIT_BEFORE_PHUM:
                forward = False
            if forward:
                return UNIT_WORDS_LATIN[word], UNIT_KIND_LATIN.get(word, "")
        if j < len(tokens) and tokens[j] in UNIT_WORDS_LATIN and tokens[j] not in ("phum", "khan"):
            word = tokens[j]  # "Sen Sok district", "Kandal province"
            return UNIT_WORDS_LATIN[word], UNIT_KIND_LATIN.get(word, "")
        return None, ""

    def _fuzzy_latin(self, tokens: list[str], i: int) -> _Mention | None:
        """Closest name within a small edit distance of the words from `i` (typos, odd spellings)."""
        if tokens[i] in STOPWORDS_LATIN or tokens[i].isdigit():
            return None
        best: tuple[int, float, int, str] | None = None
        for j in range(i + 1, min(len(tokens), i + 4) + 1):
            if tokens[j - 1] in STOPWORDS_LATIN or tokens[j - 1].isdigit():
                break
            unit_level, _ = self._latin_unit(tokens, i, j)
            query = skeleton(tokens[i:j])
            typed = sum(len(t) for t in tokens[i:j])  # thresholds on what was typed, not the fold
            if typed < (6 if unit_level else 8) or len(query) < 5:
                continue
            allowed = 1 if typed < (9 if unit_level else 11) else 2
            keys = self._index.fuzzy_keys.get(query[0], ())
            hit = process.extractOne(query, keys, scorer=Levenshtein.distance, score_cutoff=allowed)
            if hit:
                key, distance = hit[0], hit[1]
                score = 1.0 - distance / max(len(query), len(key))
                if best is None or (score, j) > (best[1], best[2]):
                    best = (distance, score, j, key)
        if best is None:
            return None
        _, score, j, key = best
        entries = tuple(e for e in self._index.skel[key] if not e.weak)
        return _Mention("latn", i, j, entries, score, *self._latin_unit(tokens, i, j))

    def _match_village_latin(self, tokens: list[str], i: int) -> _Mention | None:
        """A village named after "Phum"/"village" at `i`, or before "village" at `i`."""
        villages = self._village_index()

        def lookup(span: list[str]) -> list[_Entry] | None:
            if not span or all(t in STOPWORDS_LATIN for t in span):
                return None  # "our village", "phum khang" (the next village)
            key = skeleton(span)
            return villages.raw.get("".join(span)) or (villages.skel.get(key) if len(key) >= 5 else None)

        # "Phum Ou Thum"; "Phum 1" is itself a village name, so the unit word may belong to it.
        for j in range(min(len(tokens), i + 1 + MAX_NAME_TOKENS), i + 1, -1):
            entries = lookup(tokens[i + 1 : j])
            if entries:
                return _Mention("latn", i, j, tuple(entries), 1.0, "village", village=True)
            entries = lookup(tokens[i:j])
            if entries:
                return _Mention("latn", i, j, tuple(entries), 1.0, "village", village=True, self_named=True)
        if tokens[i] == "village":  # "Ou Thum village"
            for begin in range(max(0, i - MAX_NAME_TOKENS), i):
                entries = lookup(tokens[begin:i])
                if entries:
                    return _Mention("latn", begin, i + 1, tuple(entries), 1.0, "village", village=True)
        return None

    # Selection --------------------------------------------------------------------------------

    @staticmethod
    def _select(mentions: list[_Mention]) -> list[_Mention]:
        """Non-overlapping mentions, longest first (a village's span includes its unit word)."""
        chosen: list[_Mention] = []
        taken: dict[str, list[tuple[int, int]]] = {"km": [], "latn": []}
        # A name right after its unit word beats a longer one that swallows the next unit word
        # ("ឃុំអូរឫស្សី ស្រុក…" is not "ឫស្សីស្រុក").
        order = sorted(mentions, key=lambda m: (m.anchored, m.length, not m.village, m.score))
        for m in reversed(order):
            if any(m.start < e and s < m.end for s, e in taken[m.view]):
                continue
            taken[m.view].append((m.start, m.end))
            chosen.append(m)
        return chosen

    def _resolve(self, text: str) -> Location:
        text = text[:MAX_TEXT]
        khmer = fold_khmer(text)
        tokens = latin_tokens(text)
        mentions = self._scan_khmer(khmer) if re.search(f"[{_KHMER}]", khmer) else []
        mentions += self._scan_latin(tokens)
        mentions = self._select(mentions)
        if not mentions:
            return Location()

        places = [m for m in mentions if not m.village]
        villages = [m for m in mentions if m.village]
        for m in places:
            m.candidates = self._filter_entries(m)
        strong = [m for m in places if m.unit_level or not all(e.weak for e in m.candidates)]
        for m in places:
            m.candidates = self._by_support(m, [o for o in strong if o is not m])
        places = [m for m in places if m.candidates]

        anchor, ambiguous = self._assemble(places)
        used = places + villages
        anchor, ambiguous = self._add_villages(villages, anchor, ambiguous, khmer, tokens, used)
        return self._location(anchor, ambiguous)

    def _filter_entries(self, m: _Mention) -> list[_Entry]:
        entries = list(dict.fromkeys(m.entries))
        if m.unit_level:
            at_level = [e for e in entries if e.level == m.unit_level]
            if at_level:
                entries = at_level
            else:
                m.unit_level = None  # "ក្រុងភ្នំពេញ": ក្រុង also means city; read it as a bare name
        by_level: dict[str, list[_Entry]] = defaultdict(list)
        for e in entries:
            by_level[e.level].append(e)
        kept: list[_Entry] = []
        for level_entries in by_level.values():
            official = [e for e in level_entries if e.official]
            kept.extend(official or level_entries)
        # One unit reached through several spellings counts once.
        return list({e.code: e for e in kept}.values())

    @staticmethod
    def _by_support(m: _Mention, others: list[_Mention]) -> list[_Entry]:
        """Candidates most consistent with the other places named; weak names need a parent."""

        def support(e: _Entry) -> int:
            return sum(any(_compatible(e.code, o.code) for o in other.candidates) for other in others)

        def has_parent(e: _Entry) -> bool:
            return any(
                e.code.startswith(o.code) and len(e.code) - len(o.code) == 2
                for other in others
                for o in other.candidates
            )

        candidates = m.candidates
        if not m.unit_level:
            candidates = [e for e in candidates if not e.weak or has_parent(e)]
        if not candidates:
            return []
        scores = {e.code: support(e) for e in candidates}
        best = max(scores.values())
        if best > 0:
            candidates = [e for e in candidates if scores[e.code] == best]
            if m.unit_kind and len(candidates) > 1:
                # "Khum Samraong Srok Samraong": the Khum in the Srok, not the Sangkat in the
                # Krong. Only with context: alone, people write "khum" for any commune.
                candidates = [e for e in candidates if e.kind == m.unit_kind] or candidates
        if not m.unit_level and len({e.level for e in candidates}) > 1:
            # "Kampong Cham" alone is the province, not the district or commune of that name.
            top = min(LEVEL_RANK[e.level] for e in candidates)
            candidates = [e for e in candidates if LEVEL_RANK[e.level] == top]
        return candidates

    @staticmethod
    def _assemble(places: list[_Mention]) -> tuple[str | None, list[tuple[_Entry, float]]]:
        """The deepest code all settled mentions agree on, and the still-ambiguous candidates."""
        definite = [(m.candidates[0], m.score) for m in places if len(m.candidates) == 1]
        anchor: str | None = None
        ambiguous: list[tuple[_Entry, float]] = []
        if definite:
            counts = {e.code: sum(_compatible(e.code, o.code) for o, _ in definite) for e, _ in definite}
            best = max(counts.values())
            leaders = sorted({c for c, n in counts.items() if n == best}, key=len, reverse=True)
            if all(_compatible(leaders[0], c) for c in leaders):
                anchor = leaders[0]
            else:
                # Two places that cannot both hold ("Battambang ... Siem Reap"): ask.
                anchor = _common_ancestor(leaders)
                scores = {e.code: s for e, s in definite}
                ambiguous = [
                    (next(e for e, _ in definite if e.code == c), scores[c])
                    for c in leaders
                    if anchor is None or len(c) > len(anchor)
                ]
                return anchor, ambiguous
        for m in places:
            if len(m.candidates) < 2:
                continue
            fitting = [e for e in m.candidates if anchor is None or _compatible(e.code, anchor)]
            deeper = [e for e in fitting if anchor is None or len(e.code) > len(anchor)]
            if not fitting:
                continue  # a second, different place; the settled one wins
            if len(fitting) == 1 or not deeper:
                if deeper:
                    anchor = deeper[0].code
                continue
            ambiguous.extend((e, m.score) for e in deeper)
        if ambiguous:
            common = _common_ancestor([e.code for e, _ in ambiguous])
            if common and (anchor is None or len(common) > len(anchor)):
                anchor = common
        return anchor, ambiguous

    def _add_villages(
        self,
        villages: list[_Mention],
        anchor: str | None,
        ambiguous: list[tuple[_Entry, float]],
        khmer: str,
        tokens: list[str],
        mentions: list[_Mention],
    ) -> tuple[str | None, list[tuple[_Entry, float]]]:
        """Villages named after a unit word, else the named commune's villages found in the text."""
        found: list[_Entry] = []
        for m in villages:
            if m.self_named and (anchor is None or len(anchor) < CODE_LENGTH["commune"]):
                continue  # "ភូមិ១" or "ភូមិធំ" alone: there are dozens; only inside a known commune
            fitting = [e for e in m.entries if anchor is None or e.code.startswith(anchor)]
            found.extend(fitting)
        if not found and anchor and len(anchor) == CODE_LENGTH["commune"]:
            found = self._villages_in_commune(anchor, khmer, tokens, mentions)
        found = list({e.code: e for e in found}.values())
        if not found:
            return anchor, ambiguous
        if len(found) == 1:
            return found[0].code, [a for a in ambiguous if found[0].code.startswith(a[0].code)]
        common = _common_ancestor([e.code for e in found])
        if common and (anchor is None or len(common) > len(anchor)):
            anchor = common
            ambiguous = [a for a in ambiguous if common.startswith(a[0].code)]
        if len(found) <= MAX_VILLAGE_CANDIDATES:
            ambiguous = ambiguous + [(e, 1.0) for e in found]
        return anchor, ambiguous

    def _commune_villages(self, commune: str) -> list[tuple[_Entry, set[str], set[tuple[int, str]]]]:
        """A commune's villages with their Khmer keys and (word count, skeleton) Latin keys."""
        cached = self._village_keys.get(commune)
        if cached is None:
            cached = []
            for village in self.gazetteer.children(commune):
                if not village.current:
                    continue
                km = {fold_khmer(n).replace(" ", "") for n in (village.name_km, village.name_mef_km)}
                latin = set()
                for name in {village.name_latin, *village.name_mef_en.split("|")} - {""}:
                    words = latin_tokens(name)
                    if words and not all(w in STOPWORDS_LATIN for w in words):
                        latin.add((len(words), skeleton(words)))
                cached.append((_Entry("village", village.code, True, False), km - {""}, latin))
            self._village_keys[commune] = cached
        return cached

    def _villages_in_commune(
        self, commune: str, khmer: str, tokens: list[str], mentions: list[_Mention]
    ) -> list[_Entry]:
        taken_km = [(m.start, m.end) for m in mentions if m.view == "km"]
        taken_latn = [(m.start, m.end) for m in mentions if m.view == "latn"]
        windows: dict[tuple[int, int], str] = {}  # skeletons of the message's free word runs

        def window(i: int, n: int) -> str | None:
            if (i, n) not in windows:
                free = not any(i < e and s < i + n for s, e in taken_latn)
                windows[(i, n)] = skeleton(tokens[i : i + n]) if free else ""
            return windows[(i, n)]

        found: list[_Entry] = []
        for entry, km_keys, latin_keys in self._commune_villages(commune):
            hit = False
            for key in km_keys:
                start = khmer.find(key)
                while start >= 0 and not hit:
                    end = start + len(key)
                    free = not any(start < e and s < end for s, e in taken_km)
                    hit = free and _is_cluster_start(khmer, start) and _is_cluster_end(khmer, end)
                    start = khmer.find(key, start + 1)
            for n, want in latin_keys:
                if hit:
                    break
                hit = any(window(i, n) == want for i in range(len(tokens) - n + 1))
            if hit:
                found.append(entry)
        return found

    def _location(self, anchor: str | None, ambiguous: list[tuple[_Entry, float]]) -> Location:
        codes = {}
        if anchor:
            for level, length in CODE_LENGTH.items():
                if len(anchor) >= length:
                    codes[f"{level}_code"] = anchor[:length]
        candidates = []
        seen = set()
        for entry, score in ambiguous:
            unit: AdminUnit | None = self.gazetteer.unit(entry.code)
            if unit is None or entry.code in seen:
                continue
            seen.add(entry.code)
            level = LEVEL_OF_LENGTH[len(entry.code)]
            candidates.append(PlaceCandidate(level, entry.code, unit.name_km, unit.name_latin, round(score, 3)))
        return Location(**codes, ambiguous=tuple(candidates))


@lru_cache(maxsize=1)
def _default_resolver() -> PlaceResolver:
    return PlaceResolver(Gazetteer.load())
