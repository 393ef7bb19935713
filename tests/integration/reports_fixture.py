"""A small, known year-end of cases, events, sessions, messages and questions, built from the
domain's own objects (and `queue_message`, which counts SMS segments), whose indicators are
computed by hand in tests/integration/test_indicators.py.

Times are UTC. Case D3 is opened at 20:00 UTC on 31 October, which is 1 November in Phnom Penh.
"""

from __future__ import annotations

from datetime import UTC, datetime

from intake.model import (
    Appointment,
    Case,
    CaseEvent,
    Contact,
    Identity,
    LegalQuestion,
    OutboundStatus,
)
from intake.outbound import queue_message

PERIOD = "2026-Q4"
NOW = datetime(2027, 1, 1, tzinfo=UTC)  # protection stages are counted as the period ends


def at(month: int, day: int, hour: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def build(uow) -> dict:
    """Insert the fixture; returns the office and case ids by name."""
    office = {o.code: o for o in uow.repo.offices()}
    jsc02, jsc04, dosvy02 = office["SAMPLE-JSC-0203"], office["SAMPLE-JSC-0404"], office["SAMPLE-DOSVY-02"]
    contacts = {}
    for name, lang in [("c1", "km"), ("c2", "en"), ("c3", "km"), ("c4", "km"), ("c5", "km"), ("c6", "en")]:
        contact = Contact(language=lang)
        uow.repo.add(contact)
        uow.repo.flush()
        uow.repo.add(Identity(channel="sms", address=f"+8551200000{len(contacts)}", contact_id=contact.id))
        contacts[name] = contact
    made = {}

    def case(name, kind, office_, created, channel, written_in, contact, district="0203"):
        c = Case(
            ref=f"R{len(made):02d}-TEST",
            kind=kind,
            status="routed",
            contact_id=contact.id,
            language="en" if written_in == "en" else "km",
            province_code=district[:2],
            district_code=district,
            office_id=office_.id,
            summary="words that must never reach a report",
            created_at=created,
            updated_at=created,
        )
        uow.repo.add(c)
        uow.repo.flush()
        event(c, "opened", created, actor="citizen", channel=channel, written_in=written_in)
        event(c, "routed", created, office=office_.code, reason="covers the district")
        made[name] = c
        return c

    def event(c, type_, when, actor="system", **detail):
        uow.repo.add(CaseEvent(case_id=c.id, type=type_, actor=actor, detail=detail, at=when))

    def session(c, starts, answer=None, status="scheduled"):
        uow.repo.add(Appointment(case_id=c.id, starts_at=starts, place="JSC", status=status, citizen_answer=answer))

    d1 = case("D1", "dispute", jsc02, at(11, 2, 1), "sms", "km", contacts["c1"])
    event(d1, "accepted", at(11, 2, 3), "official:1")
    session(d1, at(11, 9, 1), "will_come", "held")
    event(d1, "outcome", at(11, 10, 1), "official:1", outcome="resolved")
    event(d1, "follow_up_answer", at(11, 13), "citizen", answer="settled")

    d2 = case("D2", "dispute", jsc02, at(11, 5), "telegram", "en", contacts["c2"])
    event(d2, "scheduled", at(11, 5, 10), "official:1")
    session(d2, at(11, 7), None, "cancelled")
    session(d2, at(11, 8), "cannot_come")
    event(d2, "outcome", at(11, 20), "official:1", outcome="not_resolved")
    event(d2, "follow_up_answer", at(11, 23), "citizen", answer="not_settled")

    d3 = case("D3", "dispute", jsc02, at(10, 31, 20), "sms", "km-Latn", contacts["c4"])
    event(d3, "escalation_reminder", at(11, 1, 20))
    event(d3, "escalated_to_coordinator", at(11, 2, 20))
    event(d3, "rerouted", at(11, 3, 20), office=jsc04.code, reason="escalated: not accepted")
    d3.office_id = jsc04.id

    d4 = case("D4", "dispute", jsc04, at(12, 1), "sms", "km", contacts["c5"], district="0404")
    event(d4, "accepted", at(12, 1, 4), "official:2")
    event(d4, "outcome", at(12, 5), "official:2", outcome="referred")

    d5 = case("D5", "dispute", jsc02, at(9, 20), "sms", "km", contacts["c1"])  # opened before the period
    event(d5, "accepted", at(9, 21), "official:1")
    event(d5, "outcome", at(10, 2), "official:1", outcome="resolved")

    p1 = case("P1", "protection", dosvy02, at(11, 3), "sms", "km", contacts["c3"])
    event(p1, "accepted", at(11, 3, 1), "official:3")
    event(p1, "stage", at(11, 4), "official:3", stage="registered")
    event(p1, "stage", at(11, 6), "official:3", stage="assessed")
    p2 = case("P2", "protection", dosvy02, at(11, 10), "telegram", "km", contacts["c3"])
    event(p2, "accepted", at(11, 10, 3), "official:3")
    case("P3", "protection", dosvy02, at(12, 20), "sms", "km", contacts["c6"])

    for asked, answered, offered, topic, district, lang, channel in [
        (at(11, 1), True, False, "land", "0203", "km", "sms"),
        (at(11, 2), True, False, "land", "0203", "en", "telegram"),
        (at(12, 3), True, False, "family", "0404", "km-Latn", "sms"),
        (at(11, 4), False, True, None, "0203", "km", "sms"),
        (at(11, 5), False, False, None, "0203", "km", "sms"),
        (at(10, 6), False, False, None, None, "en", "telegram"),
        (at(9, 7), True, False, "land", "0203", "km", "sms"),  # before the period
    ]:
        uow.repo.add(
            LegalQuestion(
                channel=channel,
                language=lang,
                answered=answered,
                offered=offered,
                topic=topic,
                article_id=f"{topic}-1" if topic else None,
                district_code=district,
                province_code=district[:2] if district else None,
                asked_at=asked,
            )
        )

    def sms(key, body, contact, case_=None, when=at(11, 15), status=OutboundStatus.SENT, purpose="reply", ch="sms"):
        msg = queue_message(
            uow,
            channel=ch,
            address="+85512000000",
            body=body,
            key=key,
            contact=contact,
            case_id=case_.id if case_ else None,
            purpose=purpose,
        )
        msg.status = status
        msg.created_at = when
        return msg

    sms("m1", "Your case R00-TEST was sent to the Battambang JSC.", contacts["c1"], d1)  # 1 segment
    sms("m2", "ក" * 100, contacts["c1"], d1)  # UCS-2, 100 units: 2 segments
    sms("m3", "ក" * 60, contacts["c3"], p1)  # 1 segment
    sms("m4", "ខ" * 150, contacts["c5"])  # a legal answer, no case: 3 segments
    sms("m5", "not sent: suppressed", contacts["c2"], d2, status=OutboundStatus.SUPPRESSED)
    sms("m6", "a Telegram message", contacts["c2"], d2, ch="telegram")
    sms("m7", "queued in September", contacts["c1"], d1, when=at(9, 30))
    sms("stop-c2", "You will get no more messages.", contacts["c2"], when=at(11, 25), purpose="stop_confirmation")
    sms(
        "stop-c6",
        "You will get no more messages.",
        contacts["c6"],
        when=at(12, 2),
        purpose="stop_confirmation",
        ch="telegram",
    )
    uow.repo.flush()
    return {
        "offices": {"jsc02": jsc02.id, "jsc04": jsc04.id, "dosvy02": dosvy02.id},
        "cases": {k: c.id for k, c in made.items()},
    }
