"""The domain without Flask, Telegram or a database: references, routing, dialogue, directory, SMS."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.config import Config
from intake import dialogue
from intake.directory import DirectoryError, parse_directory
from intake.model import REF_ALPHABET, CaseKind, Office, new_case_ref, parse_case_ref
from intake.routing import great_circle_km, route
from intake.sms import count_segments
from nlu.types import Intent, Language, Location, PlaceCandidate, Understanding


# ------------------------------------------------------------------ references

def test_case_refs_are_short_unambiguous_and_self_checking():
    refs = {new_case_ref() for _ in range(2000)}
    assert len(refs) == 2000
    for ref in itertools.islice(refs, 200):
        assert len(ref) == 8 and ref[3] == "-"
        assert set(ref.replace("-", "")) <= set(REF_ALPHABET)
        assert not set(ref) & set("0O1IL5S8B2ZQV")
        assert parse_case_ref(ref) == ref


def test_check_character_catches_every_single_typo_and_neighbour_swap():
    ref = new_case_ref().replace("-", "")
    for i in range(7):
        for c in REF_ALPHABET:
            if c != ref[i]:
                assert parse_case_ref(ref[:i] + c + ref[i + 1:]) is None
    for i in range(6):
        if ref[i] != ref[i + 1]:
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
            assert parse_case_ref(swapped) is None


def test_ref_is_found_in_messy_text():
    ref = new_case_ref()
    assert parse_case_ref(f"status {ref.lower().replace('-', ' ')} please") == ref
    assert parse_case_ref("status of my case please") is None


# ------------------------------------------------------------------ routing

def office(code, kind, province, district, lat, lon, covered=(), active=True):
    return Office(code=code, kind=kind, name_en=code, name_km=code, province_code=province, district_code=district,
                  lat=lat, lon=lon, covered_districts=list(covered), active=active, id=hash(code) % 1000)


POINTS = {"0208": (13.15, 103.25), "0203": (13.09, 103.20), "02": (13.0, 103.1), "020801": (13.16, 103.26)}
def make_offices():
    return [
    office("JSC-BTB", "jsc", "02", "0203", 13.09, 103.20, covered=["0203"]),
    office("JSC-FAR", "jsc", "12", "1202", 11.57, 104.92, covered=["1202"]),
    office("DOSVY-02", "protection", "02", "0203", 13.09, 103.20, covered=["0203", "0208"]),
    office("DOSVY-12", "protection", "12", "1202", 11.57, 104.92, covered=["1202"]),
    ]


def do_route(kind, offices=None, **codes):
    codes = {"province_code": None, "district_code": None, "commune_code": None} | codes
    return route(kind, offices=offices or make_offices(), centroid=POINTS.get, place_name=lambda c: f"<{c}>",
                 **codes)


def test_dispute_goes_to_the_covering_jsc():
    decision = do_route(CaseKind.DISPUTE, province_code="02", district_code="0203")
    assert decision.office.code == "JSC-BTB" and decision.reason == "covers <0203>" and decision.distance_km is None


def test_dispute_outside_coverage_goes_to_the_nearest_jsc_with_the_distance():
    decision = do_route(CaseKind.DISPUTE, province_code="02", district_code="0208", commune_code="020801")
    expected = great_circle_km((13.16, 103.26), (13.09, 103.20))
    assert decision.office.code == "JSC-BTB"
    assert decision.distance_km == pytest.approx(expected, abs=0.1)
    assert decision.reason == f"nearest: {expected:.0f} km"


def test_protection_never_goes_to_a_jsc():
    decision = do_route(CaseKind.PROTECTION, province_code="02", district_code="0208")
    assert decision.office.code == "DOSVY-02" and decision.office.kind == "protection"


def test_protection_with_only_a_province_goes_to_that_province_office():
    assert do_route(CaseKind.PROTECTION, province_code="12").office.code == "DOSVY-12"


def test_inactive_offices_are_skipped_and_no_place_means_no_route():
    offices = make_offices()
    offices[0].active = False
    assert do_route(CaseKind.DISPUTE, offices, province_code="02", district_code="0203").office.code == "JSC-FAR"
    assert do_route(CaseKind.DISPUTE) is None


def test_great_circle_distance_phnom_penh_to_battambang():
    assert great_circle_km((11.5564, 104.9282), (13.0957, 103.2022)) == pytest.approx(254, abs=5)


# ------------------------------------------------------------------ SMS segments

@pytest.mark.parametrize(
    "text, encoding, segments",
    [("", "GSM-7", 0), ("a" * 160, "GSM-7", 1), ("a" * 161, "GSM-7", 2), ("a" * 306, "GSM-7", 2),
     ("a" * 307, "GSM-7", 3), ("€" * 80, "GSM-7", 1), ("€" * 81, "GSM-7", 2), ("ក" * 70, "UCS-2", 1),
     ("ក" * 71, "UCS-2", 2), ("ក" * 134, "UCS-2", 2), ("ក" * 135, "UCS-2", 3), ("😀" * 35, "UCS-2", 1),
     ("a" * 69 + "“", "UCS-2", 1)],
)
def test_segments(text, encoding, segments):
    count = count_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)


# ------------------------------------------------------------------ dialogue

def u(intent, urgent=False, **loc):
    return Understanding(Intent(intent), 0.9, Language.ENGLISH, urgent=urgent, location=Location(**loc))


def test_dispute_with_a_district_opens_a_case_at_once():
    d = dialogue.step("my neighbour moved the boundary", u("dispute_mediation", province_code="02",
                                                            district_code="0208"), "idle", {})
    assert [type(a) for a in d.actions] == [dialogue.OpenCase]
    assert d.actions[0].kind == CaseKind.DISPUTE and d.actions[0].location.district_code == "0208"
    assert d.state == "idle"


def test_dispute_without_a_place_asks_where_then_opens_with_the_first_story():
    first = dialogue.step("my neighbour moved the boundary", u("dispute_mediation"), "idle", {})
    assert first.actions == [dialogue.Reply("ask_location")] and first.state == "awaiting_location"
    second = dialogue.step("Sangkae, Battambang", u("out_of_scope", province_code="02", district_code="0208"),
                           first.state, first.data)
    action = second.actions[0]
    assert isinstance(action, dialogue.OpenCase)
    assert action.summary == "my neighbour moved the boundary" and action.location.district_code == "0208"


def test_province_alone_asks_for_the_district_of_that_province():
    d = dialogue.step("land problem in Battambang", u("dispute_mediation", province_code="02"), "idle", {})
    assert d.actions == [dialogue.Reply("ask_district", {"province_code": "02"})]
    d2 = dialogue.step("Sangkae", u("out_of_scope", district_code="0208", province_code="02"), d.state, d.data)
    assert isinstance(d2.actions[0], dialogue.OpenCase)


def test_ambiguous_place_asks_which_one():
    cands = (PlaceCandidate("district", "0101", "ក", "Same Name"), PlaceCandidate("district", "1701", "ខ", "Same Name"))
    d = dialogue.step("dispute in Same Name", u("dispute_mediation", ambiguous=cands), "idle", {})
    assert d.actions[0].key == "ask_which_place" and "0101" in d.actions[0].params["choices"]


def test_victim_gets_safety_first_and_never_mediation():
    d = dialogue.step("my husband beats me", u("victim_protection", urgent=True), "idle", {})
    assert d.actions == [dialogue.Reply("protection_safety")]
    d2 = dialogue.step("Sangkae Battambang", u("out_of_scope", province_code="02", district_code="0208"), d.state, d.data)
    assert d2.actions[0].kind == CaseKind.PROTECTION and d2.actions[0].urgent


def test_danger_in_the_middle_of_a_dispute_turns_it_into_protection():
    d = dialogue.step("land problem", u("dispute_mediation"), "idle", {})
    d2 = dialogue.step("now he threatens to kill me", u("dispute_mediation", urgent=True), d.state, d.data)
    assert d2.actions == [dialogue.Reply("protection_safety")] and d2.data["kind"] == CaseKind.PROTECTION


@pytest.mark.parametrize("text, expected", [("STOP", dialogue.SetOptOut(True)), (" stop. ", dialogue.SetOptOut(True)),
                                            ("ឈប់", dialogue.SetOptOut(True)), ("START", dialogue.SetOptOut(False))])
def test_keywords(text, expected):
    d = dialogue.step(text, u("dispute_mediation"), "awaiting_location", {"kind": "dispute"})
    assert d.actions[0] == expected and d.state == "idle"


def test_emoji_only_gets_a_helpful_reply():
    assert dialogue.step("😀😀", u("out_of_scope"), "idle", {}).actions == [dialogue.Reply("empty")]


def test_legal_question_and_status():
    assert isinstance(dialogue.step("what is a land title", u("legal_information"), "idle", {}).actions[0],
                      dialogue.AnswerLegalQuestion)
    ref = new_case_ref()
    assert dialogue.step(f"status {ref}", u("out_of_scope"), "idle", {}).actions == [dialogue.ShowStatus(ref)]


# ------------------------------------------------------------------ directory and config

def test_directory_reports_every_bad_line(tmp_path: Path):
    f = tmp_path / "d.csv"
    f.write_text(
        "code,kind,name_en,name_km,province_code,district_code,lat,lon,phone,covered_districts\n"
        "A,jsc,A,ក,02,0203,13.1,103.2,,0203\n"
        "A,court,B,ខ,02,0203,13.1,103.2,,\n"
        "C,jsc,C,គ,99,0203,45.0,103.2,,9999\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectoryError) as err:
        parse_directory(f, lambda code: code in {"02", "0203"})
    problems = "\n".join(err.value.problems)
    assert "line 3: duplicate code A" in problems
    assert "line 3: kind must be jsc, protection or legal_aid" in problems
    assert "line 4: unknown province_code '99'" in problems
    assert "line 4: unknown covered district codes 9999" in problems
    assert "line 4: lat/lon 45.0,103.2 is outside Cambodia" in problems


def test_config_from_environment_defaults_to_embedded_mode():
    cfg = Config.from_env({})
    assert cfg.database_url.startswith("sqlite:///") and cfg.database_url.endswith("var/jsc.db")
    assert cfg.redis_url is None and cfg.rasa_url is None and cfg.simulator is True
    assert cfg.twilio_api_url == "https://api.twilio.com" and cfg.timezone == "Asia/Phnom_Penh"
    live = Config.from_env({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+1",
                            "TWILIO_API_URL": "https://api.somleng.org/", "REDIS_URL": "redis://r:6379/0"})
    assert live.sms_configured and live.simulator is False and live.twilio_api_url == "https://api.somleng.org"
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": "x", "SIMULATOR": "1"}).simulator is True
