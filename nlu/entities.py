"""Phone numbers and dates in a message (Khmer, romanised Khmer or English), as plain values.

Phones come back in E.164 ("+85512345678"); only Cambodian numbers are recognised (0 or 855 followed
by an 8- or 9-digit national number), so amounts, dates and hotline short codes are left alone.
Dates are read day-first, as Cambodia writes them; a date given without a year is taken in the year
that puts it closest to `today`, and a weekday name means its next occurrence after `today`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from nlu.khmer import normalize

__all__ = ["find_phones", "find_dates"]

MAX_TEXT = 5000

# Phones ---------------------------------------------------------------------------------------

_PHONE_RUN = re.compile(r"(?<![\d+])(?:\+|00)?\s?\d+(?:[ .\-]?\(?\d+\)?)*")


def _national(digits: str) -> str | None:
    """The national significant number of a Cambodian number, or None."""
    if digits.startswith("00855"):
        digits = digits[2:]
    if digits.startswith("855"):
        rest = digits[3:]
        rest = rest[1:] if rest.startswith("0") else rest  # "+855 012 …" keeps a trunk zero
    elif digits.startswith("0"):
        rest = digits[1:]
    else:
        return None
    if len(rest) in (8, 9) and rest[0] != "0":
        return rest
    return None


def find_phones(text: str) -> tuple[str, ...]:
    """Cambodian phone numbers in `text` as E.164 strings, in order, without repeats."""
    if not isinstance(text, str) or not text:
        return ()
    text = normalize(text[:MAX_TEXT])
    found: list[str] = []
    for match in _PHONE_RUN.finditer(text):
        groups = re.findall(r"\d+", match.group())
        # Figures run together ("3-12-2026 012 345 678 10 times"): from each group, the longest
        # run of groups that makes a valid number wins.
        i = 0
        while i < len(groups):
            for j in range(len(groups), i, -1):
                national = _national("".join(groups[i:j]))
                if national:
                    phone = "+855" + national
                    if phone not in found:
                        found.append(phone)
                    i = j
                    break
            else:
                i += 1
    return tuple(found)


# Dates ----------------------------------------------------------------------------------------

MONTHS_EN = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
MONTHS_KM = {
    "មករា": 1,
    "កុម្ភៈ": 2,
    "កុម្ភះ": 2,
    "កុម្ភ": 2,
    "មីនា": 3,
    "មេសា": 4,
    "ឧសភា": 5,
    "មិថុនា": 6,
    "កក្កដា": 7,
    "សីហា": 8,
    "កញ្ញា": 9,
    "តុលា": 10,
    "វិច្ឆិកា": 11,
    "ធ្នូ": 12,
}
WEEKDAYS_EN = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}
# After "ថ្ងៃ" (day), which these words need: ច័ន្ទ is also the moon, អាទិត្យ the sun and a week.
WEEKDAYS_KM = {
    "ច័ន្ទ": 0,
    "ចន្ទ": 0,
    "អង្គារ": 1,
    "ពុធ": 2,
    "ពុទ្ធ": 2,
    "ព្រហស្បតិ៍": 3,
    "ព្រហស្បត្តិ៍": 3,
    "ព្រហស្បតិ": 3,
    "សុក្រ": 4,
    "សៅរ៍": 5,
    "សៅរ": 5,
    "សៅ": 5,
    "អាទិត្យ": 6,
}
# Romanised after "thngai"/"tngai" (day); "sok", "put" and "sau" are ordinary words alone.
WEEKDAYS_LATN = {
    "chan": 0,
    "chhan": 0,
    "jan": 0,
    "angkear": 1,
    "angkea": 1,
    "angkar": 1,
    "ongkea": 1,
    "put": 2,
    "puth": 2,
    "pot": 2,
    "pud": 2,
    "prohoah": 3,
    "prohas": 3,
    "prohos": 3,
    "prohous": 3,
    "prohoas": 3,
    "prohorsbotei": 3,
    "sok": 4,
    "sokr": 4,
    "sukr": 4,
    "sau": 5,
    "sao": 5,
    "sav": 5,
    "saur": 5,
    "atit": 6,
    "aatit": 6,
    "atith": 6,
    "atek": 6,
}
_DAY_WORD_LATN = r"(?:thngai|thnai|tngai|thgnai|thngay|tngay|ngai)"

_RELATIVE = [  # (pattern, days from today); longer phrases first so they win their span
    (r"\bday after tomorrow\b", 2),
    (r"ខានស្អែក", 2),
    (r"\b(?:khan|kan)\s*s\W?a?\W?ek\b", 2),
    (r"\bday before yesterday\b", -2),
    (r"\btomorrow\b|\btmr\b|\btmrw\b", 1),
    (r"(?:ថ្ងៃ\s*)?ស្អែក", 1),
    (rf"\b(?:{_DAY_WORD_LATN}\s*)?s\W?a\W?ek\b|\bsaek\b|\bs'aek\b", 1),
    (r"\btoday\b|\btonight\b", 0),
    (r"ថ្ងៃ\s*នេះ|យប់\s*នេះ", 0),
    (rf"\b{_DAY_WORD_LATN}\s*(?:nis|nih|nes|ni)\b", 0),
    (r"\byesterday\b", -1),
    (r"ម្សិល\s*មិញ", -1),
    (r"\bm(?:sel|sil|sol)\s*m(?:inh|ing|in)\b", -1),
]
_RELATIVE_RE = [(re.compile(p, re.IGNORECASE), d) for p, d in _RELATIVE]

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<![\d/.\-])(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{4}|\d{2}))?(?![\d/])")
_EN_MONTH_NAMES = "|".join(sorted(MONTHS_EN, key=len, reverse=True))
_DAY_MONTH_EN = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th)?\s*(?:of\s+)?({_EN_MONTH_NAMES})\.?\b(?:,?\s*(\d{{4}}))?",
    re.IGNORECASE,
)
_MONTH_DAY_EN = re.compile(
    rf"\b({_EN_MONTH_NAMES})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)(?:,?\s*(\d{{4}}))?",
    re.IGNORECASE,
)
_KM_MONTH_NAMES = "|".join(sorted(MONTHS_KM, key=len, reverse=True))
_DAY_MONTH_KM = re.compile(
    rf"(?:ថ្ងៃ\s*)?(?:ទី\s*)?(\d{{1,2}})\s*(?:ខែ\s*)?({_KM_MONTH_NAMES})(?:\s*(?:ឆ្នាំ\s*)?(\d{{4}}))?"
)
_WEEKDAY_EN = re.compile(r"\b(?:next\s+|this\s+|on\s+)?(" + "|".join(WEEKDAYS_EN) + r")\b", re.I)
_WEEKDAY_KM = re.compile(r"ថ្ងៃ\s*(" + "|".join(sorted(WEEKDAYS_KM, key=len, reverse=True)) + r")")
_WEEKDAY_LATN = re.compile(
    rf"\b{_DAY_WORD_LATN}\s*(" + "|".join(sorted(WEEKDAYS_LATN, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


def _make(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(value: str | None) -> int | None:
    if not value:
        return None
    y = int(value)
    return y + 2000 if y < 100 else y


def _nearest(today: date, month: int, day: int) -> date | None:
    """The date with this day and month closest to `today` (last, this or next year)."""
    options = [d for y in (today.year - 1, today.year, today.year + 1) if (d := _make(y, month, day))]
    return min(options, key=lambda d: abs((d - today).days)) if options else None


def _next_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7 or 7)


def find_dates(text: str, today: date) -> tuple[date, ...]:
    """Dates named in `text` relative to `today`, in order of appearance, without repeats."""
    if not isinstance(text, str) or not text:
        return ()
    text = normalize(text[:MAX_TEXT])
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, date]] = []

    def add(start: int, end: int, value: date | None) -> None:
        if value is None or any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append((start, value))

    for m in _ISO.finditer(text):
        add(m.start(), m.end(), _make(int(m[1]), int(m[2]), int(m[3])))
    for m in _DAY_MONTH_KM.finditer(text):
        day, month, year = int(m[1]), MONTHS_KM[m[2]], _year(m[3])
        add(m.start(), m.end(), _make(year, month, day) if year else _nearest(today, month, day))
    for m in _DAY_MONTH_EN.finditer(text):
        day, month, year = int(m[1]), MONTHS_EN[m[2].lower()], _year(m[3])
        add(m.start(), m.end(), _make(year, month, day) if year else _nearest(today, month, day))
    for m in _MONTH_DAY_EN.finditer(text):
        if m[1].lower() == "may" and not m[3]:
            continue  # "may 3" is more often "may" the verb before a number
        day, month, year = int(m[2]), MONTHS_EN[m[1].lower()], _year(m[3])
        add(m.start(), m.end(), _make(year, month, day) if year else _nearest(today, month, day))
    for m in _NUMERIC.finditer(text):
        day, month, year = int(m[1]), int(m[2]), _year(m[3])
        if m[3] is None and "/" not in m.group():
            continue  # "3.5" is a number and "1-2" a range; without a year only 3/12 is a date
        add(m.start(), m.end(), _make(year, month, day) if year else _nearest(today, month, day))
    for pattern, days in _RELATIVE_RE:
        for m in pattern.finditer(text):
            add(m.start(), m.end(), today + timedelta(days=days))
    for pattern, table in ((_WEEKDAY_EN, WEEKDAYS_EN), (_WEEKDAY_KM, WEEKDAYS_KM), (_WEEKDAY_LATN, WEEKDAYS_LATN)):
        for m in pattern.finditer(text):
            add(m.start(), m.end(), _next_weekday(today, table[m[1].lower()]))

    ordered: list[date] = []
    for _, value in sorted(found, key=lambda item: item[0]):
        if value not in ordered:
            ordered.append(value)
    return tuple(ordered)
