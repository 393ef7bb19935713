"""Phone numbers and dates as users type them, with a fixed `today` (Thursday 26 November 2026)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nlu.entities import find_dates, find_phones

TODAY = date(2026, 11, 26)  # a Thursday


@pytest.mark.parametrize(
    "text",
    [
        "012 345 678",
        "012-345-678",
        "012.345.678",
        "855 12 345 678",
        "+855 12 345 678",
        "+85512345678",
        "0085512345678",
        "+855 (0)12 345 678",
        "០១២ ៣៤៥ ៦៧៨",
        "លេខទូរស័ព្ទខ្ញុំ ០១២៣៤៥៦៧៨ សូមហៅមក",
        "my number is 012345678, call me",
        "lek knhom 012 345 678 te",
    ],
)
def test_cambodian_phone_formats(text):
    assert find_phones(text) == ("+85512345678",)


def test_nine_digit_mobile_and_landline_in_one_message():
    assert find_phones("call 097 1234 567 or the office 023-224-841") == (
        "+855971234567",
        "+85523224841",
    )


def test_repeated_number_is_listed_once():
    assert find_phones("012 345 678 / +85512345678") == ("+85512345678",)


def test_phone_after_a_date_and_before_other_figures():
    assert find_phones("on 03-12-2026 012 345 678 10 times") == ("+85512345678",)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "he owes me 1 000 000 riel",
        "call 117 or 1280",  # hotline short codes are not the sender's phone
        "2026-12-03",
        "3/12/2026",
        "12345678",  # no trunk zero or country code
        "0000 000 000",
        "+1 415 555 0100",
        "012 345",
        "😀" * 50,
    ],
)
def test_not_a_cambodian_phone(text):
    assert find_phones(text) == ()


@pytest.mark.parametrize(
    "text,expected",
    [
        ("today", date(2026, 11, 26)),
        ("can I come tomorrow?", date(2026, 11, 27)),
        ("the day after tomorrow", date(2026, 11, 28)),
        ("ថ្ងៃនេះ", date(2026, 11, 26)),
        ("ថ្ងៃស្អែក", date(2026, 11, 27)),
        ("ខានស្អែក", date(2026, 11, 28)),
        ("thngai nis", date(2026, 11, 26)),
        ("knhom mok saek", date(2026, 11, 27)),
        ("khan saek", date(2026, 11, 28)),
        ("Monday", date(2026, 11, 30)),
        ("next friday", date(2026, 11, 27)),
        ("on Thursday", date(2026, 12, 3)),  # today is Thursday: the next one
        ("ថ្ងៃច័ន្ទ", date(2026, 11, 30)),
        ("ថ្ងៃអង្គារ", date(2026, 12, 1)),
        ("ថ្ងៃពុធ", date(2026, 12, 2)),
        ("ថ្ងៃព្រហស្បតិ៍", date(2026, 12, 3)),
        ("ថ្ងៃសុក្រ", date(2026, 11, 27)),
        ("ថ្ងៃសៅរ៍", date(2026, 11, 28)),
        ("ថ្ងៃ អាទិត្យ", date(2026, 11, 29)),
        ("thngai chan", date(2026, 11, 30)),
        ("tngai angkear", date(2026, 12, 1)),
        ("thngai sok", date(2026, 11, 27)),
        ("thngai atit", date(2026, 11, 29)),
        ("2026-12-03", date(2026, 12, 3)),
        ("3/12/2026", date(2026, 12, 3)),
        ("03/12/26", date(2026, 12, 3)),
        ("3/12", date(2026, 12, 3)),  # day first
        ("3 December", date(2026, 12, 3)),
        ("3rd of Dec 2027", date(2027, 12, 3)),
        ("December 3, 2027", date(2027, 12, 3)),
        ("ថ្ងៃទី៣ ខែធ្នូ ឆ្នាំ២០២៦", date(2026, 12, 3)),
        ("៣ ធ្នូ", date(2026, 12, 3)),
        ("ថ្ងៃទី 15 ខែមករា", date(2027, 1, 15)),  # nearest 15 January is next year's
        ("ទី១០ តុលា", date(2026, 10, 10)),  # nearest 10 October is last month's
    ],
)
def test_dates(text, expected):
    assert find_dates(text, TODAY) == (expected,)


def test_several_dates_in_order_without_repeats():
    text = "ថ្ងៃនេះ or tomorrow, not 3/12/2026 nor 2026-12-03; today"
    assert find_dates(text, TODAY) == (date(2026, 11, 26), date(2026, 11, 27), date(2026, 12, 3))


@pytest.mark.parametrize(
    "text",
    [
        "my husband beats me",
        "it costs 3.5 dollars",
        "it takes 1-2 hours",
        "31/2/2026",  # no such day
        "knhom sok sabay",  # "sok" alone is not Friday
        "may I ask 3 questions",
        "012 345 678",
        "ច័ន្ទពេញវង់",  # the moon, not Monday
        "",
    ],
)
def test_no_date(text):
    assert find_dates(text, TODAY) == ()


@given(st.text(max_size=300))
def test_any_text_is_safe(text):
    phones = find_phones(text)
    dates = find_dates(text, TODAY)
    assert all(p.startswith("+855") and p[1:].isdigit() for p in phones)
    assert all(isinstance(d, date) for d in dates)


def test_non_string_input():
    assert find_phones(None) == ()  # type: ignore[arg-type]
    assert find_dates(None, TODAY) == ()  # type: ignore[arg-type]
