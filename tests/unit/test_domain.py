"""The domain without Flask, Telegram or a database: references, routing, dialogue, directory, SMS."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from bot.config import Config
from intake import dialogue, replies
from intake.directory import DirectoryError, parse_directory
from intake.model import REF_ALPHABET, CaseKind, Office, new_case_ref, parse_case_ref
from intake.routing import great_circle_km, route
from intake.sms import count_segments
from nlu.types import Intent, Language, Location, PlaceCandidate, Understanding

# ------------------------------------------------------------------ references


def test_case_refs_are_short_unambiguous_and_self_checking():
    refs = {new_case_ref() for _ in range(2000)}
    # Six random characters of 23: ~1.5e8 references, so 2000 draws collide about once in 70 runs
    # (the birthday bound); opening a case draws again on a collision. Random, not sequential:
    assert len(refs) >= 1995
    assert all(set(r) & set("34679") and set(r) - set("34679-") for r in refs)
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
                assert parse_case_ref(ref[:i] + c + ref[i + 1 :]) is None
    for i in range(6):
        if ref[i] != ref[i + 1]:
            swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]
            assert parse_case_ref(swapped) is None


def test_ref_is_found_in_messy_text():
    ref = new_case_ref()
    assert parse_case_ref(f"status {ref.lower().replace('-', ' ')} please") == ref
    assert parse_case_ref(f"status {ref.replace('-', '')}") == ref
    assert parse_case_ref("status of my case please") is None


def test_ordinary_words_are_never_taken_for_a_reference():
    words = (
        "knhom chong deng pi robiab chos sombot kamnaet oy kon tver yang mech prapon kamnaet "
        "chhnam kanhchak sangkat chamkar dambang srae ampil kampong speu"
    ).split()
    texts = [" ".join(words[i : i + n]) for n in (1, 2, 3) for i in range(len(words))]
    assert [t for t in texts if parse_case_ref(t)] == []


# ------------------------------------------------------------------ routing


def office(code, kind, province, district, lat, lon, covered=(), active=True):
    return Office(
        code=code,
        kind=kind,
        name_en=code,
        name_km=code,
        province_code=province,
        district_code=district,
        lat=lat,
        lon=lon,
        covered_districts=list(covered),
        active=active,
        id=hash(code) % 1000,
    )


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
    return route(kind, offices=offices or make_offices(), centroid=POINTS.get, place_name=lambda c: f"<{c}>", **codes)


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
    [
        ("", "GSM-7", 0),
        ("a" * 160, "GSM-7", 1),
        ("a" * 161, "GSM-7", 2),
        ("a" * 306, "GSM-7", 2),
        ("a" * 307, "GSM-7", 3),
        ("€" * 80, "GSM-7", 1),
        ("€" * 81, "GSM-7", 2),
        ("ក" * 70, "UCS-2", 1),
        ("ក" * 71, "UCS-2", 2),
        ("ក" * 134, "UCS-2", 2),
        ("ក" * 135, "UCS-2", 3),
        ("😀" * 35, "UCS-2", 1),
        ("a" * 69 + "“", "UCS-2", 1),
    ],
)
def test_segments(text, encoding, segments):
    count = count_segments(text)
    assert (count.encoding, count.segments) == (encoding, segments)


# ------------------------------------------------------------------ dialogue


def u(intent, urgent=False, **loc):
    return Understanding(Intent(intent), 0.9, Language.ENGLISH, urgent=urgent, location=Location(**loc))


SANGKAE = {"province_code": "02", "district_code": "0208"}


def run(messages, state="idle", data=None, **kw):
    """Feed (text, understanding) pairs through the dialogue; returns every decision."""
    data = data or {}
    decisions = []
    for text, understood in messages:
        d = dialogue.step(text, understood, state, data, **kw)
        decisions.append(d)
        state, data = d.state, d.data
    return decisions


def test_a_full_first_message_needs_only_consent():
    text = "my neighbour moved the boundary, I want the boundary back"
    first, second = run([(text, u("dispute_mediation", **SANGKAE)), ("1", u("affirm"))])
    assert first.actions == [dialogue.Reply("ask_consent")] and first.state == "awaiting_consent"
    [action] = second.actions
    assert isinstance(action, dialogue.OpenCase) and action.kind == CaseKind.DISPUTE
    assert action.summary == text and action.location.district_code == "0208" and second.state == "idle"


def test_a_dispute_asks_only_what_is_missing_in_order():
    d = run(
        [
            ("someone took my land", u("dispute_mediation")),
            ("Sangkae, Battambang", u("out_of_scope", **SANGKAE)),
            ("my cousin Dara, I want my land back", u("dispute_mediation")),
            ("បាទ", u("out_of_scope")),
        ]
    )
    assert [x.actions for x in d[:3]] == [
        [dialogue.Reply("ask_location")],
        [dialogue.Reply("ask_details")],
        [dialogue.Reply("ask_consent")],
    ]
    opened = d[3].actions[0]
    assert opened.summary == "someone took my land" and opened.details == "my cousin Dara, I want my land back"


def test_a_named_relation_means_we_ask_only_what_they_want():
    d = run([("my brother sold our land twice", u("dispute_mediation", **SANGKAE))])
    assert d[0].actions == [dialogue.Reply("ask_wants")]


def test_declining_consent_shares_nothing():
    d = run([("my neighbour's cows eat my rice, I want payment", u("dispute_mediation", **SANGKAE)), ("2", u("deny"))])
    assert d[1].actions == [dialogue.Reply("consent_declined")] and d[1].state == "idle"


def test_an_unclear_consent_answer_asks_again():
    d = run(
        [
            ("my neighbour's cows eat my rice, I want payment", u("dispute_mediation", **SANGKAE)),
            ("maybe later", u("out_of_scope")),
        ]
    )
    assert d[1].actions == [dialogue.Reply("ask_consent")] and d[1].state == "awaiting_consent"


def test_province_alone_asks_for_the_district_of_that_province():
    d = run(
        [
            ("land problem in Battambang", u("dispute_mediation", province_code="02")),
            ("Sangkae", u("out_of_scope", **SANGKAE)),
        ]
    )
    assert d[0].actions == [dialogue.Reply("ask_district", {"province_code": "02"})]
    assert d[1].actions == [dialogue.Reply("ask_details")]


def test_an_ambiguous_place_gets_a_numbered_choice_and_a_number_picks_it():
    cands = (
        PlaceCandidate("district", "2107", "សំរោង", "Samraong"),
        PlaceCandidate("district", "2204", "សំរោង", "Samraong"),
    )
    d = run(
        [
            ("land dispute with my neighbour, I want it fixed, in Samraong", u("dispute_mediation", ambiguous=cands)),
            ("2", u("out_of_scope")),
        ]
    )
    assert d[0].actions == [
        dialogue.Reply(
            "ask_which_place",
            {"candidates": [["district", "2107", "សំរោង", "Samraong"], ["district", "2204", "សំរោង", "Samraong"]]},
        )
    ]
    assert d[1].actions == [dialogue.Reply("ask_consent")]
    assert d[1].data["location"]["district_code"] == "2204"


def test_a_victim_with_no_place_gets_a_case_at_once_and_safety_first():
    d = run(
        [
            ("my husband beats me", u("victim_protection", urgent=True)),
            ("Sangkae Battambang", u("out_of_scope", **SANGKAE)),
            ("2", u("deny")),
        ]
    )
    opened, safety = d[0].actions
    assert isinstance(opened, dialogue.OpenCase) and opened.kind == CaseKind.PROTECTION and opened.urgent
    assert safety == dialogue.Reply("protection_safety") and d[0].state == "awaiting_location"
    assert d[1].actions == [
        dialogue.RouteCase(Location(province_code="02", district_code="0208"), then_ask="ask_safe_contact")
    ]
    assert d[2].actions == [dialogue.SetSafeContact(False), dialogue.Reply("safe_no")]


def test_a_victim_with_a_place_is_routed_at_once_and_asked_about_the_phone():
    [d] = run([("he has a knife, I am in Sangkae", u("victim_protection", urgent=True, **SANGKAE))])
    assert d.actions == [
        dialogue.OpenCase(
            CaseKind.PROTECTION,
            True,
            "he has a knife, I am in Sangkae",
            Location(**SANGKAE),
            then_ask="ask_safe_contact",
        )
    ]


def test_danger_in_the_middle_of_a_dispute_turns_it_into_protection():
    d = run(
        [("land problem", u("dispute_mediation")), ("now he threatens to kill me", u("dispute_mediation", urgent=True))]
    )
    assert d[1].actions[0].kind == CaseKind.PROTECTION and d[1].actions[1] == dialogue.Reply("protection_safety")


def test_a_second_message_about_an_open_case_is_added_to_it():
    info = dialogue.OpenCaseInfo("K7M-4TXP", CaseKind.DISPUTE)
    [d] = run([("the neighbour moved the fence again", u("dispute_mediation", **SANGKAE))], open_case=info)
    assert d.actions == [dialogue.AddToCase("K7M-4TXP")]
    [danger] = run([("he hit me today", u("victim_protection", urgent=True, **SANGKAE))], open_case=info)
    assert danger.actions[0].kind == CaseKind.PROTECTION  # a new danger is never folded into a dispute


def test_a_conversation_left_for_days_can_be_resumed_or_restarted():
    data = {"kind": "dispute", "summary": "land", "location": {"province_code": None, "district_code": None}}
    [prompt] = run([("hello?", u("greet"))], state="awaiting_location", data=data, stale=True)
    assert prompt.actions == [dialogue.Reply("ask_resume")] and prompt.state == "resume_prompt"
    [resumed] = run([("1", u("affirm"))], state=prompt.state, data=prompt.data)
    assert resumed.actions == [dialogue.Reply("ask_location")] and resumed.data["summary"] == "land"
    [restarted] = run([("2", u("deny"))], state=prompt.state, data=prompt.data)
    assert restarted.actions == [dialogue.Reply("cancelled")] and restarted.state == "idle"


def test_a_sentence_the_classifier_reads_as_stop_opts_nobody_out_and_says_how():
    # "I just want it all to stop" (a self-harm farewell on blind set 15) was read as `stop`
    for text in ("I can't go on anymore. I just want it all to stop", "please stop texting me"):
        [d] = run([(text, u("stop"))])
        assert d.actions == [dialogue.Reply("stop_confirm")]
        assert not any(isinstance(a, dialogue.SetOptOut) for a in d.actions)
    assert "STOP" in replies.render("stop_confirm", "en") and "117" in replies.render("stop_confirm", "en")
    # the command word itself still stops at once
    [stopped] = run([("STOP", u("stop"))])
    assert stopped.actions[0] == dialogue.SetOptOut(True)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("STOP", dialogue.SetOptOut(True)),
        (" stop. ", dialogue.SetOptOut(True)),
        ("ឈប់", dialogue.SetOptOut(True)),
        ("START", dialogue.SetOptOut(False)),
        ("LANG EN", dialogue.SetLanguage("en")),
        ("lang km", dialogue.SetLanguage("km")),
        ("LANG", dialogue.SetLanguage("toggle")),
        ("cancel", dialogue.Reply("cancelled")),
        ("បោះបង់", dialogue.Reply("cancelled")),
    ],
)
def test_keywords_work_in_any_state(text, expected):
    d = dialogue.step(text, u("dispute_mediation"), "awaiting_consent", {"kind": "dispute"})
    assert d.actions[0] == expected


def test_emoji_only_gets_a_helpful_reply():
    assert dialogue.step("😀😀", u("out_of_scope"), "idle", {}).actions == [dialogue.Reply("empty")]


def test_legal_question_and_status():
    assert isinstance(
        dialogue.step("what is a land title", u("legal_information"), "idle", {}).actions[0],
        dialogue.AnswerLegalQuestion,
    )
    ref = new_case_ref()
    assert dialogue.step(f"status {ref}", u("out_of_scope"), "idle", {}).actions == [dialogue.ShowStatus(ref)]


TOPICS = {"choices": ["family-divorce", "family-child-custody"], "last_article": "land-title-registration"}


@pytest.mark.parametrize(
    "reply, article",
    [("1", "family-divorce"), ("2", "family-child-custody"), ("២", "family-child-custody"), ("1.", "family-divorce")],
)
def test_a_number_after_offered_topics_shows_that_article(reply, article):
    d = dialogue.step(reply, u("affirm"), dialogue.AWAITING_TOPIC, dict(TOPICS))
    assert d.actions == [dialogue.ShowArticle(article)] and d.state == "idle" and "choices" not in d.data


def test_after_offered_topics_a_number_out_of_range_or_new_text_is_a_new_message():
    d = dialogue.step("3", u("affirm"), dialogue.AWAITING_TOPIC, dict(TOPICS))
    assert d.actions == [dialogue.Reply("help")] and d.state == "idle"
    assert d.data == {"last_article": "land-title-registration"}  # MORE still follows the last answer
    d = dialogue.step("who keeps the children", u("legal_information"), dialogue.AWAITING_TOPIC, dict(TOPICS))
    assert d.actions == [dialogue.AnswerLegalQuestion("who keeps the children")] and "choices" not in d.data


def test_danger_after_offered_topics_goes_to_protection():
    d = dialogue.step(
        "my husband is beating me now", u("victim_protection", urgent=True), dialogue.AWAITING_TOPIC, dict(TOPICS)
    )
    assert isinstance(d.actions[0], dialogue.OpenCase) and d.actions[0].kind == CaseKind.PROTECTION


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
    assert cfg.redis_url is None and cfg.rasa_url is None
    assert cfg.simulator is False  # it shows every message: on only when asked for
    assert Config.from_env({"SIMULATOR": "1"}).simulator is True
    assert cfg.twilio_api_url == "https://api.twilio.com" and cfg.timezone == "Asia/Phnom_Penh"
    live = Config.from_env(
        {
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "t",
            "TWILIO_FROM": "+1",
            "TWILIO_API_URL": "https://api.somleng.org/",
            "REDIS_URL": "redis://r:6379/0",
        }
    )
    assert live.sms_configured and live.simulator is False and live.twilio_api_url == "https://api.somleng.org"
    assert Config.from_env({"TELEGRAM_BOT_TOKEN": "x", "SIMULATOR": "1"}).simulator is True


@pytest.mark.parametrize(
    "text, number", [("2", 2), ("១", 1), (" ៣ ", 3), ("②", None), ("²", None), ("two", None), ("99999", None)]
)
def test_only_ascii_or_khmer_digits_are_a_numbered_choice(text, number):
    assert dialogue._number(text) == number


def test_a_circled_digit_while_choosing_a_place_is_not_an_error():
    candidates = [["district", "0208", "សង្កែ", "Sangkae"], ["district", "0711", "x", "Sangkae 2"]]
    data = {
        "kind": "dispute",
        "location": {"province_code": None, "district_code": None, "commune_code": None, "ambiguous": candidates},
    }
    d = dialogue.step("②", u("out_of_scope"), "awaiting_location", data)  # int("②") raises
    assert d.actions and d.state == "awaiting_location"
    picked = dialogue.step("២", u("out_of_scope"), "awaiting_location", data)
    assert picked.data["location"]["district_code"] == "0711" and picked.state == "awaiting_details"
