"""Officials on Telegram and the case workflow: buttons, accept, schedule, remind, close, follow up,
escalate; with a controlled clock and the jobs each step schedules."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.bootstrap import build_services
from bot.config import Config
from intake.model import Case
from intake.policy import Policy
from intake.replies import render_label
from tests.fakes import RecordingQueue, RecordingSender, ScriptedUnderstander, understanding
from tests.integration.helpers import count, last_to, official, open_dispute, run_delayed, say, tg, the_case
from tests.support import TELEGRAM, TWILIO, load_sample_directory

SANGKAE = {"province_code": "02", "district_code": "0208"}
TABLE = {
    "rice field": understanding("dispute_mediation", **SANGKAE),
    "beats me": understanding("victim_protection", urgent=True, **SANGKAE),
}


class Clock:
    """Time that tests move by hand. Starts on Wednesday 25 November 2026, 10:00 in Phnom Penh."""

    def __init__(self):
        self.now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def wf(sqlite_url, places, clock):
    cfg = replace(Config(), database_url=sqlite_url, **TWILIO, **TELEGRAM)
    s = build_services(
        cfg,
        queue=RecordingQueue(),
        senders={"sms": RecordingSender(), "telegram": RecordingSender()},
        understander=ScriptedUnderstander(TABLE),
        places=places,
        legal=None,
        clock=clock,
    )
    load_sample_directory(s)
    yield s
    s.engine.dispose()


def test_a_new_case_reaches_the_office_with_action_buttons(wf):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    body, buttons = last_to(wf, "900001")
    case = the_case(wf)
    assert body.startswith(f"វិវាទថ្មី {case.ref}")
    assert buttons == [
        [["ទទួលយក · Accept ✅", f"acc:{case.id}"], ["កំណត់ពេលជួប · Schedule 📅", f"sch:{case.id}"]],
        [["ផ្ទេរ · Re-route ↪", f"rr:{case.id}"], ["បិទ · Close ✖", f"cls:{case.id}"]],
        [
            [render_label("official_button_message"), f"msg:{case.id}"],
            [render_label("official_button_note"), f"note:{case.id}"],
        ],
    ]


def test_one_official_accepts_and_the_others_see_who(wf):
    official(wf, "SAMPLE-JSC-0203", "900001", "Sok Dara")
    official(wf, "SAMPLE-JSC-0203", "900002", "Chan Sophea")
    open_dispute(wf)
    case = the_case(wf)
    body, _ = tg(wf, "900001", f"acc:{case.id}")
    assert body == f"អ្នកបានទទួលយកករណី {case.ref}។\nYou accepted case {case.ref}."
    assert last_to(wf, "900002")[0] == (f"ករណី {case.ref}៖ Sok Dara បានទទួលយក។\nCase {case.ref}: taken by Sok Dara.")
    assert tg(wf, "900002", f"acc:{case.id}")[0] == (
        f"ករណី {case.ref} ត្រូវបាន Sok Dara ទទួលយករួចហើយ។\nCase {case.ref} is already taken by Sok Dara."
    )
    assert the_case(wf).status == "accepted"


def test_an_official_of_another_office_is_refused(wf):
    official(wf, "SAMPLE-JSC-0203", "900001")
    official(wf, "SAMPLE-JSC-1202", "900009")
    official(wf, "SAMPLE-JSC-1202", "900010", role="coordinator")  # coordinator of Phnom Penh
    official(wf, "SAMPLE-DOSVY-02", "900011", role="coordinator")  # coordinator of Battambang
    open_dispute(wf)
    case = the_case(wf)
    refused = "ករណីនេះមិនមែនជារបស់ការិយាល័យអ្នក ឬមិនមានទេ។\nThis case is not in your office, or it does not exist."
    assert tg(wf, "900009", f"acc:{case.id}")[0] == refused
    assert tg(wf, "900009", f"/case {case.ref}")[0] == refused
    assert tg(wf, "900010", f"acc:{case.id}")[0] == refused
    assert the_case(wf).accepted_by is None
    assert tg(wf, "900011", f"acc:{case.id}")[0] == f"អ្នកបានទទួលយកករណី {case.ref}។\nYou accepted case {case.ref}."


def test_cases_and_case_show_the_office_queue_and_a_timeline(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    listing = tg(wf, "900001", "/cases")[0]
    assert listing.splitlines() == [
        "ករណីកំពុងដំណើរការ បន្ទាន់មុន (1-1 នៃ 1)៖",
        "Open cases, urgent first (1-1 of 1):",
        f"1. {case.ref} · dispute · បានបញ្ជូនទៅការិយាល័យ / routed · 0 d · —",
    ]
    detail = tg(wf, "900001", f"/case {case.ref}")[0]
    assert detail.startswith(
        f"ករណី · Case {case.ref} · dispute · បានបញ្ជូនទៅការិយាល័យ / routed\nការិយាល័យ · Office: Battambang Justice Service Centre (nearest:"
    )
    assert "សាច់រឿង · Story: rice field in Sangkae" in detail and "ប្រវត្តិករណី · Timeline:" in detail
    assert "opened (citizen)" in detail


def test_cases_lists_an_urgent_case_nobody_has_accepted_before_older_ones(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf, address="+85512000001")
    clock.now += timedelta(hours=1)
    open_dispute(wf, address="+85512000002")
    with wf.uow() as uow:
        first, second = uow.session.query(Case).order_by(Case.id).all()
        second.urgent = True  # as an official or the triage would mark it
        uow.commit()
    listing = tg(wf, "900001", "/cases")[0].splitlines()
    assert [line.split(" · ")[0] for line in listing[2:]] == [f"1. {second.ref}", f"2. {first.ref}"]


def test_protection_narrative_is_shown_only_to_the_protection_office_caseworkers(wf):
    official(wf, "SAMPLE-DOSVY-02", "900021")
    official(wf, "SAMPLE-JSC-0203", "900022", role="coordinator")
    say(wf, "my husband beats me, Sangkae")
    case = the_case(wf)
    assert "Story: my husband beats me" in tg(wf, "900021", f"/case {case.ref}")[0]
    coordinator_view = tg(wf, "900022", f"/case {case.ref}")[0]
    assert coordinator_view.startswith(f"ករណី · Case {case.ref} · protection · URGENT")
    assert "husband" not in coordinator_view


def test_scheduling_tells_the_citizen_plans_reminders_and_their_answer_reaches_the_office(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    confirm = tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")[0]
    assert confirm == (
        f"ករណី {case.ref}៖ ការជួប ព្រហស្បតិ៍ 03/12 09:00 នៅBattambang Justice Service Centre។ "
        "ពលរដ្ឋបានទទួលដំណឹងហើយ។\n"
        f"Case {case.ref}: session Thu 03/12 09:00 at Battambang Justice Service Centre. The citizen has been told."
    )
    assert wf.senders["sms"].sent[-1] == (
        "+85512345678",
        (
            f"Case {case.ref}: mediation on Thu 03/12 09:00 at Battambang Justice Service Centre. "
            "Reply 1 I will come, 2 I cannot come."
        ),
    )
    reminders = [j for j in wf.queue.delayed if j[0] == "worker.jobs.remind"]
    starts = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
    assert [(j[1][2], j[2]) for j in reminders] == [
        (24, (starts - timedelta(hours=24) - clock.now).total_seconds()),
        (2, (starts - timedelta(hours=2) - clock.now).total_seconds()),
    ]
    say(wf, "1")
    assert wf.senders["sms"].sent[-1][1] == "Thank you. The office knows you will come."
    assert last_to(wf, "900001")[0] == (
        f"ករណី {case.ref}៖ អ្នកដាក់ពាក្យនឹងមកចូលរួមការជួប ព្រហស្បតិ៍ 03/12 09:00។\n"
        f"Case {case.ref}: the person WILL COME to the session Thu 03/12 09:00."
    )
    clock.now = starts - timedelta(hours=24)
    run_delayed(wf, "worker.jobs.remind")
    assert wf.senders["sms"].sent[-1][1] == (
        f"Reminder, case {case.ref}: mediation Thu 03/12 09:00 at Battambang Justice Service Centre."
    )
    assert the_case(wf).status == "scheduled"


def test_scheduling_by_buttons(wf):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    body, days = tg(wf, "900001", f"sch:{case.id}")
    assert body == f"ករណី {case.ref}៖ ជួបថ្ងៃណា?\nCase {case.ref}: which day?"
    assert days[0][0] == ["ព្រហស្បតិ៍ Thu 26/11", f"sd:{case.id}:20261126"]  # working days after Wed 25
    assert [d[0] for row in days for d in row][:6] == [
        "ព្រហស្បតិ៍ Thu 26/11",
        "សុក្រ Fri 27/11",
        "ច័ន្ទ Mon 30/11",
        "អង្គារ Tue 01/12",
        "ពុធ Wed 02/12",
        "ព្រហស្បតិ៍ Thu 03/12",
    ]
    body, times = tg(wf, "900001", f"sd:{case.id}:20261201")
    assert body == f"ករណី {case.ref}៖ ជួបម៉ោងប៉ុន្មាន?\nCase {case.ref}: what time?"
    assert times[0][1] == ["09:00", f"st:{case.id}:20261201:0900"]
    body, _ = tg(wf, "900001", f"st:{case.id}:20261201:0900")
    assert body.startswith(f"ករណី {case.ref}៖ ការជួប អង្គារ 01/12 09:00")
    assert f"\nCase {case.ref}: session Tue 01/12 09:00" in body


def test_a_moved_session_cancels_the_old_reminders_at_send_time(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")
    old = wf.queue.take_delayed("worker.jobs.remind")
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-04 14:00 Commune hall")
    assert (
        wf.senders["sms"]
        .sent[-1][1]
        .startswith(f"Case {case.ref}: NEW time for mediation: Fri 04/12 14:00 at Commune hall")
    )
    sent_before = len(wf.senders["sms"].sent)
    for func, args, _ in old:  # the old reminders still fire, and re-check
        wf.queue.enqueue(func, *args)
    wf.queue.run_all(wf)
    assert len(wf.senders["sms"].sent) == sent_before
    cancelled = tg(wf, "900001", f"/cancel {case.ref}")[0]
    assert cancelled == (
        f"ការជួបសម្រាប់ករណី {case.ref} ត្រូវបានលុបចោល ហើយពលរដ្ឋបានទទួលដំណឹងហើយ។\n"
        f"Session for case {case.ref} cancelled; the citizen was told."
    )
    assert (
        wf.senders["sms"].sent[-1][1]
        == f"Case {case.ref}: the session on Fri 04/12 14:00 is cancelled. The office will contact you."
    )


def test_an_outcome_brings_a_follow_up_and_the_answer_is_recorded(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    body, outcomes = tg(wf, "900001", f"cls:{case.id}")
    assert body == f"ករណី {case.ref}៖ តើលទ្ធផលយ៉ាងដូចម្តេច?\nCase {case.ref}: what was the outcome?"
    assert outcomes[0][0] == ["ដោះស្រាយបាន · Resolved", f"out:{case.id}:resolved"]
    assert tg(wf, "900001", f"out:{case.id}:resolved")[0] == (
        f"ករណី {case.ref}៖ បានកត់ត្រាលទ្ធផល «បានដោះស្រាយ»។\nCase {case.ref}: resolved recorded."
    )
    [(_, args, delay)] = [j for j in wf.queue.delayed if j[0] == "worker.jobs.follow_up"]
    assert delay == 3 * 86400
    clock.now += timedelta(days=3)
    run_delayed(wf, "worker.jobs.follow_up")
    assert wf.senders["sms"].sent[-1][1] == f"Case {case.ref}: was your dispute settled? Reply 1 yes, 2 no."
    say(wf, "2")
    case = the_case(wf)
    assert case.follow_up_answer == "not_settled" and case.status == "closed"
    assert wf.senders["sms"].sent[-1][1] == "Thank you for telling us."


def test_a_case_nobody_accepts_is_escalated_step_by_step(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    official(wf, "SAMPLE-DOSVY-02", "900030", role="coordinator")
    official(wf, "SAMPLE-JSC-0106", "900040")  # the next nearest JSC (Serei Saophoan)
    open_dispute(wf)
    case = the_case(wf)
    [(_, args, delay)] = [j for j in wf.queue.delayed if j[0] == "worker.jobs.escalate"]
    assert args == (case.id, 1, case.office_id, 1) and delay == 24 * 3600  # the first routing
    run_delayed(wf, "worker.jobs.escalate")
    reminder, actions = last_to(wf, "900001")
    assert f"Reminder: case {case.ref} is waiting to be accepted.\n" in reminder
    assert reminder.endswith("Contact: +85512345678 · safe to text") and actions[0][0][1] == f"acc:{case.id}"
    run_delayed(wf, "worker.jobs.escalate")
    body, buttons = last_to(wf, "900030")
    assert f"Case {case.ref} at Battambang Justice Service Centre has not been accepted. Please follow up.\n" in body
    assert buttons[0][0] == ["ទទួលយក · Accept ✅", f"acc:{case.id}"]
    run_delayed(wf, "worker.jobs.escalate")
    moved = the_case(wf)
    with wf.uow() as uow:
        assert uow.repo.office(moved.office_id).code == "SAMPLE-JSC-0106"
        assert [e.type for e in uow.repo.case_events(moved.id)][-3:] == [
            "escalation_reminder",
            "escalated_to_coordinator",
            "rerouted",
        ]
    assert moved.routing_reason == "escalated: not accepted"
    assert last_to(wf, "900040")[0].startswith(f"វិវាទថ្មី {case.ref}")


def test_an_accepted_case_is_not_escalated_and_urgent_cases_wait_minutes(wf):
    official(wf, "SAMPLE-DOSVY-02", "900021")
    say(wf, "my husband beats me, Sangkae")
    case = the_case(wf)
    [(_, _, delay)] = [j for j in wf.queue.delayed if j[0] == "worker.jobs.escalate"]
    assert delay == 15 * 60
    tg(wf, "900021", f"acc:{case.id}")
    before = len(wf.senders["telegram"].sent)
    run_delayed(wf, "worker.jobs.escalate")
    assert len(wf.senders["telegram"].sent) == before and the_case(wf).escalation_level == 0


def test_protection_case_moves_through_the_case_management_stages_with_discreet_check_ins(wf, clock):
    official(wf, "SAMPLE-DOSVY-02", "900021")
    say(wf, "my husband beats me, Sangkae")
    say(wf, "1")  # safe to text
    case = the_case(wf)
    tg(wf, "900021", f"acc:{case.id}")
    stages = [tg(wf, "900021", f"nx:{case.id}")[0].split("stage ")[1] for _ in range(7)]
    assert stages == [
        "registered.",
        "assessed.",
        "case conference.",
        "case plan.",
        "referred.",
        "service provision.",
        "reintegration follow up.",
    ]
    check_ins = [j for j in wf.queue.delayed if j[0] == "worker.jobs.check_in"]
    assert [j[1][1] for j in check_ins] == [7, 30, 90]
    clock.now += timedelta(days=7)
    run_delayed(wf, "worker.jobs.check_in")
    text = wf.senders["sms"].sent[-1][1]
    assert text == "Hello, this is the support service. How are you? Reply 1 all right, 2 I need help."
    say(wf, "2")
    assert last_to(wf, "900021")[0].endswith(
        f"URGENT: case {case.ref}: the person answered the check-in that they need help.\n"
        "ទំនាក់ទំនង៖ +85512345678 · ផ្ញើសារបាន\nContact: +85512345678 · safe to text"
    )


def test_no_check_in_goes_to_a_phone_that_is_not_safe(wf, clock):
    official(wf, "SAMPLE-DOSVY-02", "900021")
    say(wf, "my husband beats me, Sangkae")
    say(wf, "2")  # not safe to text
    case = the_case(wf)
    tg(wf, "900021", f"acc:{case.id}")
    for _ in range(7):
        tg(wf, "900021", f"nx:{case.id}")
    sent = len(wf.senders["sms"].sent)
    run_delayed(wf, "worker.jobs.check_in")
    assert len(wf.senders["sms"].sent) == sent
    with wf.uow() as uow:
        assert "message_withheld" in [e.type for e in uow.repo.case_events(case.id)]


def test_reminders_wait_for_the_morning_but_replies_do_not(wf, clock):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")
    clock.now = datetime(2026, 11, 25, 15, 30, tzinfo=UTC)  # 22:30 in Phnom Penh
    sent = len(wf.senders["sms"].sent)
    for func, args, _ in wf.queue.take_delayed("worker.jobs.remind")[:1]:
        wf.queue.enqueue(func, *args)
    wf.queue.run_all(wf)
    assert len(wf.senders["sms"].sent) == sent  # the reminder waits
    [(_, _, delay)] = [j for j in wf.queue.delayed if j[0] == "worker.jobs.send_message"]
    assert delay == pytest.approx(8.5 * 3600)  # until 07:00
    say(wf, "HELP")  # an answer to what the person just wrote goes at once, even at night
    assert wf.senders["sms"].sent[-1][1].startswith("Justice line:")


def test_quiet_hours_policy():
    p = Policy()
    at = lambda h, m=0: datetime(2026, 11, 25, h, m, tzinfo=UTC)  # UTC; Phnom Penh is +7  # noqa: E731
    assert p.quiet_until(at(3)) is None  # 10:00
    assert p.quiet_until(at(13, 59)) is None  # 20:59
    assert p.quiet_until(at(14)) == at(0) + timedelta(days=1)  # 21:00 -> 07:00 next day
    assert p.quiet_until(at(23, 30)) == at(0) + timedelta(days=1)  # 06:30 -> 07:00 same local day


def test_a_button_press_arrives_through_the_telegram_webhook(wf):
    from bot import create_app

    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    client = create_app(services=wf).test_client()
    update = {
        "update_id": 5001,
        "callback_query": {
            "id": "4382bfdwdsb323b2d9",
            "chat_instance": "-1234",
            "data": f"acc:{case.id}",
            "from": {"id": 900001, "is_bot": False, "first_name": "Dara"},
            "message": {
                "message_id": 77,
                "date": 1795687200,
                "text": "new case",
                "chat": {"id": 900001, "type": "private", "first_name": "Dara"},
            },
        },
    }
    response = client.post(
        "/webhooks/telegram",
        data=json.dumps(update),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"]},
    )
    assert response.status_code == 200
    assert [j[0] for j in wf.queue.jobs] == ["worker.jobs.process_inbound", "worker.jobs.answer_callback"]
    wf.queue.run_all(wf)
    assert the_case(wf).status == "accepted" and count(wf, Case) == 1


def test_buttons_go_out_through_python_telegram_bot(config, providers, places):
    from bot.senders import TelegramSender

    sender = TelegramSender(TELEGRAM["telegram_bot_token"], providers.url)
    sender.send("900001", "New case", [[["Accept ✅", "acc:1"], ["Schedule 📅", "sch:1"]]])
    sender.answer_callback("4382bfdwdsb323b2d9")
    assert providers.callback_answers == ["4382bfdwdsb323b2d9"]
    markup = json.loads(providers.telegram_sends[0]["reply_markup"])
    assert markup == {
        "inline_keyboard": [
            [{"text": "Accept ✅", "callback_data": "acc:1"}, {"text": "Schedule 📅", "callback_data": "sch:1"}]
        ]
    }


def test_the_other_party_is_invited_when_the_person_gave_their_number(wf, places):
    from dataclasses import replace as dc_replace

    wf.deps.understander.table["012 345 678"] = dc_replace(understanding("out_of_scope"), phones=("+85512345679",))
    official(wf, "SAMPLE-JSC-0203", "900001")
    say(wf, "rice field in Sangkae")
    say(wf, "my uncle Sok, his phone 012 345 678, I want my land back")
    say(wf, "1")
    case = the_case(wf)
    assert case.other_party_phone == "+85512345679"
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")
    [invite] = [body for to, body in wf.senders["sms"].sent if to == "+85512345679"]
    assert invite.endswith(
        f"Battambang Justice Service Centre invites you to a mediation session (case {case.ref}) on "
        "Thu 03/12 09:00 at Battambang Justice Service Centre. Mediation is voluntary and free. "
        "Reply 1 I will come, 2 I cannot come."
    )
    assert invite.startswith("មជ្ឈមណ្ឌលសេវាយុត្តិធម៌ក្រុងបាត់ដំបង សូមអញ្ជើញអ្នក")
    say(wf, "2", address="+85512345679")  # the other party answers
    assert last_to(wf, "900001")[0] == (
        f"ករណី {case.ref}៖ ភាគីម្ខាងទៀតមិនអាចមកចូលរួមការជួប ព្រហស្បតិ៍ 03/12 09:00 បានទេ។\n"
        f"Case {case.ref}: the other party CANNOT COME to the session Thu 03/12 09:00."
    )
    with wf.uow() as uow:
        [appointment] = uow.repo.appointments_of(case.id)
        assert appointment.citizen_answer is None  # the person's own answer is still awaited


def test_a_victim_can_ask_for_texts_only_in_the_daytime(wf, clock):
    say(wf, "my husband beats me, Sangkae")
    say(wf, "3")
    assert (
        wf.senders["sms"].sent[-1][1]
        == "Thank you. We will text you first only between 8am and 5pm. In danger call 117."
    )
    with wf.uow() as uow:
        contact = uow.repo.contact(the_case(wf).contact_id)
        assert (contact.safe_to_sms, contact.safe_hours) == (True, "day")


def test_daytime_policy():
    p = Policy()
    at = lambda h, m=0: datetime(2026, 11, 25, h, m, tzinfo=UTC)  # noqa: E731  (UTC; local = +7)
    assert p.daytime_until(at(1)) is None  # 08:00 local
    assert p.daytime_until(at(9, 59)) is None  # 16:59
    assert p.daytime_until(at(10)) == at(1) + timedelta(days=1)  # 17:00 -> 08:00 next day
    assert p.daytime_until(at(0)) == at(1)  # 07:00 -> 08:00 the same day


def test_officials_commands_and_notes_never_reach_the_nlu(wf):
    nlu = wf.deps.understander
    official(wf, "SAMPLE-JSC-0203", "8801")
    tg(wf, "8801", "/cases")
    tg(wf, "8801", "called the family, the husband threatened her again")
    assert not any("threatened" in text or text.startswith("/") for text in nlu.seen)
    say(wf, "hello", address="8802", channel="telegram")  # a citizen on Telegram still is understood
    assert nlu.seen[-1] == "hello"


@pytest.mark.parametrize("data", ["rrto:{id}:x", "st:{id}:2026-13-45:0900", "st:{id}:20261301:9999"])
def test_forged_or_mangled_button_data_gets_an_answer_not_an_error(wf, data):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    body, _ = tg(wf, "900001", data.format(id=case.id))
    assert body == "ប៊ូតុងនេះផុតសុពលភាពហើយ។ សូមផ្ញើ /cases។\nThat button has expired. Send /cases."
    assert case.ref in tg(wf, "900001", "/cases")[0]  # and the official's next command still works


def test_rerouting_by_button_keeps_the_previous_office_in_the_trail(wf):
    official(wf, "SAMPLE-JSC-0203", "900001")
    open_dispute(wf)
    case = the_case(wf)
    _, buttons = tg(wf, "900001", f"rr:{case.id}")
    target = buttons[0][0][1]
    tg(wf, "900001", target)
    with wf.uow() as uow:
        events = [e for e in uow.repo.case_events(case.id) if e.type == "rerouted"]
    assert events and events[-1].detail["previous_office_id"] == case.office_id


def _dispute_naming_the_other_party(wf):
    from dataclasses import replace as dc_replace

    wf.deps.understander.table["012 345 678"] = dc_replace(understanding("out_of_scope"), phones=("+85512345679",))
    official(wf, "SAMPLE-JSC-0203", "900001")
    say(wf, "rice field in Sangkae")
    say(wf, "my uncle Sok, his phone 012 345 678, I want my land back")
    say(wf, "1")
    with wf.uow() as uow:
        [case] = uow.session.query(Case).filter(Case.other_party_phone == "+85512345679").all()
        return case


def test_an_other_party_who_sent_stop_is_not_invited(wf):
    say(wf, "STOP", address="+85512345679")  # the other party had unsubscribed
    case = _dispute_naming_the_other_party(wf)
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")
    assert not any(to == "+85512345679" and "invites you" in body for to, body in wf.senders["sms"].sent)
    with wf.uow() as uow:
        [event] = [e for e in uow.repo.case_events(case.id) if e.type == "other_party_invited"]
        assert event.detail["sent"] is False


def test_inviting_the_other_party_never_takes_over_their_own_conversation(wf):
    say(wf, "my husband beats me, Sangkae", address="+85512345679")  # their own case, asked if texts are safe
    with wf.uow() as uow:
        before = uow.repo.conversation(uow.repo.identity("sms", "+85512345679").contact_id).state
    case = _dispute_naming_the_other_party(wf)
    tg(wf, "900001", f"/schedule {case.ref} 2026-12-03 09:00")
    with wf.uow() as uow:
        after = uow.repo.conversation(uow.repo.identity("sms", "+85512345679").contact_id).state
    assert before == after == "awaiting_safe_contact"
