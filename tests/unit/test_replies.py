"""Every reply template, in each language, within the SMS budget; printed as a table."""

from __future__ import annotations

import pytest

from intake.replies import TEMPLATES, render
from intake.sms import count_segments

# Realistic worst-case values: the longest sample office names, a reference, a province.
PARAMS = {
    "ref": "K7M-4TXP",
    "office": "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងសែនមនោរម្យ",
    "province": "ខេត្តបន្ទាយមានជ័យ",
    "choices": "1 Srae Ambel (0906), 2 Srae Ambel (0906)",
    "status": "ការិយាល័យបានទទួលយក",
    "place": "Sangkae District, Battambang Province",
    "reason": "nearest: 23 km",
    "summary": "",
    "urgent": "",
    "when": "ព្រហស្បតិ៍ 03/12 09:00",
    "phone": "+855 23 864 201",
}
EN_PARAMS = PARAMS | {
    "office": "Saen Monourom Justice Service Centre",
    "province": "Banteay Meanchey Province",
    "status": "accepted by the office",
    "when": "Thu 03/12 09:00",
    "place": "Saen Monourom Justice Service Centre",
}
PARAMS["place"] = "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងសែនមនោរម្យ"
CITIZEN = sorted(k for k in TEMPLATES if not k.startswith("official_"))


def segments(key: str, lang: str) -> int:
    params = EN_PARAMS if lang == "en" else PARAMS
    return count_segments(render(key, lang, **params)).segments


def test_segment_table(capsys):
    with capsys.disabled():
        print("\ntemplate               en  km")
        for key in CITIZEN:
            print(f"{key:<22} {segments(key, 'en'):>2}  {segments(key, 'km'):>2}")


@pytest.mark.parametrize("key", CITIZEN)
@pytest.mark.parametrize("lang", ["en", "km"])
def test_citizen_replies_never_take_more_than_three_segments(key, lang):
    assert 1 <= segments(key, lang) <= 3


@pytest.mark.parametrize(
    "key",
    [
        "help",
        "ask_location",
        "stopped",
        "empty",
        "status_unknown",
        "dispute_opened",
        "protection_opened",
        "protection_safety",
    ],
)
def test_english_replies_fit_one_segment(key):
    assert segments(key, "en") == 1


def test_english_sms_replies_are_plain_gsm7():
    for key in CITIZEN:
        assert count_segments(render(key, "en", **EN_PARAMS)).encoding == "GSM-7", key


def test_no_reply_a_victim_might_receive_later_names_the_harm():
    words = ("violence", "abuse", "beat", "rape", "traffick", "husband", "ហិង្សា", "វាយដំ", "រំលោភ", "ជួញដូរ", "ប្តី")
    for key in (
        "protection_opened",
        "protection_opened_untold",
        "status",
        "no_office",
        "check_in",
        "check_in_help",
        "check_in_help_untold",
        "case_moved_discreet",
        "discreet_call_back",
        "discreet_good_time",
        "discreet_are_you_ok",
        "reminder",
        "follow_up",
    ):
        for lang, params in (("en", EN_PARAMS), ("km", PARAMS)):
            text = render(key, lang, **params).lower()
            assert not any(w in text for w in words), (key, lang)


@pytest.mark.parametrize("key", ["appointment", "appointment_moved", "reminder"])
def test_a_session_at_the_office_with_its_address_and_phone_fits_three_segments(key):
    at_office = {
        "en": "Saen Monourom Justice Service Centre, Street 2, Spean Meanchey village (tel +85573123456)",
        "km": "មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងសែនមនោរម្យ, ផ្លូវលេខ២ ភូមិស្ពានមានជ័យ (tel +85573123456)",
    }
    for lang, params in (("en", EN_PARAMS), ("km", PARAMS)):
        assert count_segments(render(key, lang, **(params | {"place": at_office[lang]}))).segments <= 3, lang


def test_hotlines_are_in_latin_digits_in_every_language():
    for key, template in TEMPLATES.items():
        assert "១១៧" not in template["km"] and "១២៨០" not in template["km"], key
