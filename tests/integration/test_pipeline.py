"""The pipeline on a real database (SQLite and PostgreSQL): inbound → NLU → intake → routing →
officials told → citizen answered; idempotent, with exact replies."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.bootstrap import build_services
from bot.config import Config
from intake.directory import invite_official
from intake.model import Case, CaseEvent, Message
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander, understanding
from tests.integration.helpers import count, link_official, only_case, open_dispute, say
from tests.support import TELEGRAM, TWILIO, load_sample_directory
from worker import jobs

SANGKAE = {"province_code": "02", "district_code": "0208"}
TABLE = {
    "rice field": understanding("dispute_mediation", **SANGKAE),
    "boundary": understanding("dispute_mediation"),
    "Sangkae": understanding("out_of_scope", **SANGKAE),
    "beats me": understanding("victim_protection", urgent=True),
    "ប្តីខ្ញុំវាយ": understanding("victim_protection", language="km", urgent=True, province_code="02", district_code="0208"),
    "what is": understanding("legal_information"),
}


@pytest.fixture(params=["sqlite", "postgres"])
def pipeline(request, sqlite_url, places):
    url = sqlite_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    cfg = replace(Config(), database_url=url, **TWILIO, **TELEGRAM)
    senders = {"sms": RecordingSender(), "telegram": RecordingSender()}
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders=senders,
        understander=ScriptedUnderstander(TABLE),
        places=places,
        legal=None,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def test_a_dispute_by_sms_becomes_a_routed_case_with_the_office_told(pipeline):
    link_official(pipeline, "SAMPLE-JSC-0203", "900001")
    assert pipeline.senders["telegram"].sent == [
        (
            "900001",
            "អ្នកបានភ្ជាប់ជាមួយ មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងបាត់ដំបង។ ករណីថ្មីនឹងមកដល់អ្នកនៅទីនេះ។\n"
            "You are linked to Battambang Justice Service Centre. New cases for your office will reach you here.",
        )
    ]
    say(
        pipeline,
        "My neighbour moved the boundary of my rice field, I live in Sangkae district, Battambang",
        sid="SMabc",
    )
    assert pipeline.senders["sms"].sent[-1][1] == (
        "What would you like to happen? For example: the boundary restored, the debt repaid."
    )
    say(pipeline, "I want the boundary put back where it was")
    assert pipeline.senders["sms"].sent[-1][1] == (
        "May we share your case with the Justice Service Centre, and may they call you on this number? "
        "Reply 1 yes, 2 no."
    )
    assert count(pipeline, Case) == 0  # nothing is shared before consent
    say(pipeline, "1")
    case = only_case(pipeline)
    assert case.kind == "dispute" and case.status == "routed"
    assert (case.province_code, case.district_code) == ("02", "0208")
    assert case.routing_reason.startswith("nearest: ") and case.distance_km < 30
    assert pipeline.senders["sms"].sent[-1] == (
        "+85512345678",
        f"Your case number is {case.ref}. Battambang Justice Service Centre will contact you about mediation. "
        "It is free and voluntary.",
    )
    assert case.details == "I want the boundary put back where it was"
    official_msg = pipeline.senders["telegram"].sent[-1]
    assert official_msg[0] == "900001"
    assert f"New dispute {case.ref} in Sangkae District, Battambang Province." in official_msg[1]
    assert "rice field" in official_msg[1] and "I want the boundary put back" in official_msg[1]
    with pipeline.uow() as uow:
        events = [e.type for e in uow.repo.case_events(case.id)]
    assert events == ["opened", "routed"]


def test_duplicate_delivery_and_a_second_run_create_one_case(pipeline):
    say(pipeline, "rice field problem in Sangkae with my neighbour, I want it fixed")
    say(pipeline, "1", sid="SMdup")
    say(pipeline, "1", sid="SMdup")
    with pipeline.uow() as uow:
        msg_id = uow.repo.inbound_by_provider_id("sms", "SMdup").id
    assert jobs.process_inbound(msg_id, services=pipeline) == []
    assert count(pipeline, Case) == 1 and len(pipeline.senders["sms"].sent) == 2


def test_a_victim_gets_safety_first_then_an_urgent_protection_case(pipeline):
    link_official(pipeline, "SAMPLE-DOSVY-02", "900002")
    with pipeline.uow() as uow:
        admin, code = invite_official(
            uow, "SAMPLE-DOSVY-12", "Duty desk", role="admin", now=pipeline.clock(), key=pipeline.config.secret_key
        )
        uow.commit()
    say(pipeline, f"/start {code}", address="900099", channel="telegram")
    say(pipeline, "my husband beats me")
    assert pipeline.senders["sms"].sent[-1][1] == (
        "You are not alone. In danger now: call Police 117 (free). Children: 1280. "
        "Where are you? Reply with your district and province."
    )
    # The case exists at once, and the duty desk hears of it before the person says where they are.
    assert only_case(pipeline).status == "received"
    duty = pipeline.senders["telegram"].sent[-1]
    assert duty[0] == "900099" and duty[1].startswith("បន្ទាន់៖ ករណីការពារ") and "beats" not in duty[1]
    say(pipeline, "Sangkae, Battambang")
    case = only_case(pipeline)
    assert case.kind == "protection" and case.urgent and case.status == "routed"
    with pipeline.uow() as uow:
        assert uow.repo.office(case.office_id).code == "SAMPLE-DOSVY-02"
    assert case.routing_reason == "covers Sangkae District"
    citizen = pipeline.senders["sms"].sent[-1][1]
    assert citizen == (
        f"Reference {case.ref}. Battambang Social Affairs Dept. has been told and will contact you. "
        "In danger now: call 117. Children: 1280. Is it safe for us to text this phone? "
        "Reply 1 yes, 2 no, 3 only 8am-5pm."
    )
    say(pipeline, "2")
    assert pipeline.senders["sms"].sent[-1][1] == "We will not text you first. The office may call. In danger call 117."
    with pipeline.uow() as uow:
        assert uow.repo.contact(case.contact_id).safe_to_sms is False
    official = pipeline.senders["telegram"].sent[-1][1]
    assert official.startswith("URGENT / បន្ទាន់: ករណីការពារថ្មី")
    # The official's notification carries no narrative: the victim's words stay in the case record.
    assert "beats" not in official and "husband" not in official


def test_a_khmer_victim_is_answered_in_khmer(pipeline):
    link_official(pipeline, "SAMPLE-DOSVY-02", "900021")  # someone at the office: it "has been told"
    say(pipeline, "ប្តីខ្ញុំវាយខ្ញុំ ខ្ញុំនៅស្រុកសង្កែ", address="+85517000111")
    case = only_case(pipeline)
    assert pipeline.senders["sms"].sent[-1] == (
        "+85517000111",
        f"លេខយោង {case.ref}។ មន្ទីរសង្គមកិច្ចខេត្តបាត់ដំបង បានទទួលដំណឹង ហើយនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។ កុមារ 1280។ "
        "ផ្ញើសារមកទូរស័ព្ទនេះមានសុវត្ថិភាពទេ? ១ បាន ២ ទេ ៣ តែម៉ោង៨-៥",
    )


def test_a_victim_whose_office_nobody_reads_is_not_told_that_it_was(pipeline):
    say(pipeline, "ប្តីខ្ញុំវាយខ្ញុំ ខ្ញុំនៅស្រុកសង្កែ", address="+85517000111")
    case = only_case(pipeline)
    assert pipeline.senders["sms"].sent[-1] == (
        "+85517000111",
        f"លេខយោង {case.ref}។ មន្ត្រីទទួលបន្ទុកនឹងទាក់ទងអ្នក។ គ្រោះថ្នាក់ ហៅ 117។ កុមារ 1280។ "
        "ផ្ញើសារមកទូរស័ព្ទនេះមានសុវត្ថិភាពទេ? ១ បាន ២ ទេ ៣ តែម៉ោង៨-៥",
    )


@pytest.mark.parametrize("text", ["", "   ", "😀🙏😀", "?!?!"])
def test_empty_or_emoji_text_gets_a_helpful_reply(pipeline, text):
    say(pipeline, text)
    reply = pipeline.senders["sms"].sent[-1][1]
    assert reply in (
        "យើងមិនយល់សារនេះទេ។ សូមសរសេរបញ្ហារបស់អ្នក ឬផ្ញើ HELP។",
        "សេវាយុត្តិធម៌៖ សូមប្រាប់បញ្ហារបស់អ្នក និងស្រុក ខេត្តដែលអ្នករស់នៅ។ គ្រោះថ្នាក់ ហៅប៉ូលិស ១១៧។",
    )
    assert count(pipeline, Case) == 0


def test_a_4000_character_message_is_handled_and_kept_whole(pipeline):
    text = "the boundary " + "x" * 3990
    say(pipeline, text)
    assert (
        pipeline.senders["sms"].sent[-1][1]
        == "Which district and province do you live in? For example: Sangkae, Battambang."
    )
    with pipeline.uow() as uow:
        assert max(len(m.body) for m in uow.session.scalars(select(Message))) == len(text)


def test_stop_is_honoured_and_start_resumes(pipeline):
    say(pipeline, "STOP")
    assert pipeline.senders["sms"].sent[-1][1] == "You will get no more messages from us. Reply START to begin again."
    say(pipeline, "what is a land title")
    assert len(pipeline.senders["sms"].sent) == 1  # nothing sent while opted out
    with pipeline.uow() as uow:
        assert uow.session.scalars(select(Message).where(Message.status == "suppressed")).first() is not None
    say(pipeline, "START")
    assert pipeline.senders["sms"].sent[-1][1].startswith("Justice line: tell us your problem")


def test_status_shows_only_the_senders_own_case(pipeline):
    open_dispute(pipeline)
    ref = only_case(pipeline).ref
    say(pipeline, f"status {ref}")
    assert (
        pipeline.senders["sms"].sent[-1][1]
        == f"Case {ref}: sent to the office. Office: Battambang Justice Service Centre."
    )
    say(pipeline, f"status {ref}", address="+85598765432")
    assert pipeline.senders["sms"].sent[-1] == (
        "+85598765432",
        "We could not find that case number on this phone. Check the number and try again.",
    )


def test_invite_codes_are_one_time_and_deactivated_officials_are_refused(pipeline):
    with pipeline.uow() as uow:
        official, code = invite_official(
            uow, "SAMPLE-JSC-0203", "Chan Sophea", now=pipeline.clock(), key=pipeline.config.secret_key
        )
        uow.commit()
    say(pipeline, f"/start {code}", address="900010", channel="telegram")
    say(pipeline, f"/start {code}", address="900011", channel="telegram")
    assert pipeline.senders["telegram"].sent[-1] == (
        "900011",
        (
            "លេខកូដអញ្ជើញនេះមិនត្រឹមត្រូវ ឬផុតកំណត់។ សូមសុំលេខកូដថ្មីពីអ្នកគ្រប់គ្រង។\n"
            "This invitation code is not valid or has expired. Ask your administrator for a new one."
        ),
    )
    with pipeline.uow() as uow:
        uow.repo.official(official.id).active = False
        uow.commit()
    open_dispute(pipeline)  # routed to that office: a deactivated official is not told
    assert all(addr != "900010" for addr, _ in pipeline.senders["telegram"].sent[1:])
    say(pipeline, "/cases", address="900010", channel="telegram")
    assert pipeline.senders["telegram"].sent[-1][1].startswith("គណនីរបស់អ្នកមិនសកម្មទេ")


def test_case_events_record_who_did_what(pipeline):
    open_dispute(pipeline)
    case = only_case(pipeline)
    with pipeline.uow() as uow:
        events = list(uow.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))
    assert [(e.type, e.actor) for e in events] == [
        ("opened", "citizen"),
        ("routed", "system"),
        ("duty_desk_notified", "system"),  # nobody is linked to the office yet
    ]
    assert events[1].detail["office"] == "SAMPLE-JSC-0203"
    assert events[2].detail == {"officials": 0, "why": "uncovered"}


def test_a_legal_question_is_answered_from_the_knowledge_base_and_more_follows(sqlite_url, places):
    from legal_info.service import KnowledgeBaseAnswerer

    table = {"birth": understanding("legal_information"), "visa": understanding("legal_information")}
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(table),
        places=places,
        legal=KnowledgeBaseAnswerer.default(),
    )
    say(s, "How do I register the birth of my baby?")
    first = s.senders["sms"].sent[-1][1]
    assert first.startswith("Register a birth at the commune or sangkat office where the baby was born")
    assert first.endswith("Reply MORE for more, or ask another question.")
    say(s, "MORE")
    parts = [body for _, body in s.senders["sms"].sent[1:]]
    assert parts and all(part != first for part in parts)
    from intake.sms import count_segments

    assert all(count_segments(p).segments <= 3 for p in parts)
    # A question the knowledge base cannot answer gets an honest holding reply, not a guess.
    say(s, "can I get a visa for Japan")
    assert s.senders["sms"].sent[-1][1] == (
        "Sorry, we do not know the answer to this one and will not guess. "
        "A Justice Service Centre can help: tell us your district and province."
    )
    s.engine.dispose()


def test_writing_again_about_the_same_matter_joins_the_open_case(pipeline):
    link_official(pipeline, "SAMPLE-JSC-0203", "900001")
    open_dispute(pipeline)
    ref = only_case(pipeline).ref
    say(pipeline, "rice field: the neighbour moved the fence again")
    assert count(pipeline, Case) == 1
    assert (
        pipeline.senders["sms"].sent[-1][1] == f"Thank you. We added this to your case {ref}; the office has been told."
    )
    assert pipeline.senders["telegram"].sent[-1] == (
        "900001",
        f"ករណី {ref}៖ អ្នកដាក់ពាក្យបានសរសេរមក៖\nCase {ref}: the person wrote:\n"
        "rice field: the neighbour moved the fence again\n"
        "ទំនាក់ទំនង៖ +85512345678 · ផ្ញើសារបាន\nContact: +85512345678 · safe to text",
    )


def test_lang_switches_the_reply_language_and_sticks(pipeline):
    say(pipeline, "LANG KM")
    assert pipeline.senders["sms"].sent[-1][1] == "យើងនឹងសរសេរជាភាសាខ្មែរ។ ផ្ញើ LANG EN សម្រាប់ភាសាអង់គ្លេស។"
    say(pipeline, "what is a land title please")
    assert pipeline.senders["sms"].sent[-1][1] == (
        "សូមទោស យើងមិនដឹងចម្លើយនេះច្បាស់ទេ ហើយមិនចង់ទាយ។ មជ្ឈមណ្ឌលសេវាយុត្តិធម៌អាចជួយបាន៖ សូមប្រាប់ស្រុក ខេត្ត។"
    )


def test_a_person_who_said_texts_are_unsafe_gets_only_answers(pipeline):
    say(pipeline, "ប្តីខ្ញុំវាយខ្ញុំ ខ្ញុំនៅស្រុកសង្កែ")
    say(pipeline, "២")
    case = only_case(pipeline)
    from intake.outbound import queue_message

    with pipeline.uow() as uow:
        contact = uow.repo.contact(case.contact_id)
        reminder = queue_message(
            uow, channel="sms", address="+85512345678", body="reminder", key="r1", contact=contact, purpose="reminder"
        )
        uow.commit()
    assert reminder.status == "suppressed"


def test_an_abstract_question_about_violence_law_gets_the_answer_with_safety_numbers(sqlite_url, places):
    from dataclasses import replace as dc_replace

    from legal_info.service import KnowledgeBaseAnswerer

    legal_with_danger = dc_replace(understanding("legal_information"), danger=("violence",))
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander({"law": legal_with_danger}),
        places=places,
        legal=KnowledgeBaseAnswerer.default(),
    )
    say(s, "What does the law say about domestic violence?")
    reply = s.senders["sms"].sent[-1][1]
    assert reply.endswith("In danger: Police 117, children 1280 (free).")
    from intake.sms import count_segments

    assert count_segments(reply).segments <= 3 and count(s, Case) == 0
    s.engine.dispose()
