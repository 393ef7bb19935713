"""What the indicators need is recorded by the service itself: a case opened by a Khmer SMS
counts under SMS and Khmer script, an official's Accept button counts as acceptance, the SMS
segments of the replies are counted, and an unsure legal answer is counted as 'offered'."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from intake import indicators as ind
from intake.model import Message, utcnow
from intake.sms import count_segments
from tests.integration.helpers import link_official, only_case, say
from tests.integration.test_legal_questions import unsure_services  # noqa: F401 - fixture
from tests.integration.test_pipeline import pipeline  # noqa: F401 - fixture

ADMIN = ind.Scope.national(full_protection=True)


def _around_now() -> ind.Period:
    now = utcnow()
    return ind.Period("now", now - timedelta(days=1), now + timedelta(days=1))


def test_a_khmer_sms_case_accepted_on_telegram_is_counted_with_its_channel_script_and_cost(pipeline):  # noqa: F811
    say(pipeline, "ប្តីខ្ញុំវាយខ្ញុំ ខ្ញុំនៅស្រុកសង្កែ", address="+85517000111")
    case = only_case(pipeline)
    period = _around_now()
    with pipeline.engine.connect() as conn:
        by_channel = ind.cases_intake(conn, period, ADMIN, by="channel").rows
        by_script = ind.cases_intake(conn, period, ADMIN, by="language").rows
    assert [(r[1], r[2], r[3], r[4]) for r in by_channel] == [("sms", "protection", 1, 0)]
    assert [(r[1], r[3]) for r in by_script] == [("km", 1)]

    link_official(pipeline, "SAMPLE-DOSVY-02", "900001")
    say(pipeline, f"acc:{case.id}", address="900001", channel="telegram")
    with pipeline.engine.connect() as conn:
        accepted = ind.cases_intake(conn, period, ADMIN, by="office").rows
        cost = ind.sms_cost(conn, period, ADMIN, by="none").rows
    assert [(r[1], r[3], r[4]) for r in accepted] == [("SAMPLE-DOSVY-02", 1, 1)]
    assert accepted[0][6] is not None and accepted[0][6] < 1  # hours from opening to acceptance

    with pipeline.uow() as uow:
        sent = list(uow.session.scalars(select(Message).where(Message.direction == "out", Message.channel == "sms")))
    assert sent and all(m.segments == count_segments(m.body).segments for m in sent)
    segments = sum(m.segments for m in sent if m.status in ind.SENT_STATUSES)
    assert [(r[2], r[4]) for r in cost] == [("protection", segments)]
    assert segments >= 3  # the Khmer safety reply is UCS-2


def test_an_unsure_legal_answer_counts_as_offered_and_nothing_close_as_declined(unsure_services):  # noqa: F811
    say(unsure_services, "How do I register the birth of my baby?")
    with unsure_services.engine.connect() as conn:
        rows = ind.legal_demand(conn, ind.Period.parse("2026-11"), ADMIN, by="none").rows  # the test clock's month
    assert [r[2:6] for r in rows] == [[1, 0, 1, 0]]  # asked, answered, offered, declined
