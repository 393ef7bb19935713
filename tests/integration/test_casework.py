"""Casework on PostgreSQL, through the webhooks: signed Twilio SMS and Telegram updates go in, and
what the official and the citizen receive is read from the loopback Twilio and Telegram fakes
(the real client libraries talk to them). One worker cycle = the queued jobs run once.

Each test is one promise of issue #11: officials can reach the person, act from any view, see
what was said, and no case is ever silently lost."""

from __future__ import annotations

import csv
import json
import re
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from bot import create_app
from bot.bootstrap import build_services
from bot.config import Config
from intake.directory import invite_official, load_directory, parse_directory
from intake.model import Case
from tests.fakes import RecordingQueue, ScriptedUnderstander, understanding
from tests.support import REDIS_URL, SAMPLE_DIRECTORY, TELEGRAM, TWILIO, load_sample_directory

SANGKAE = {"province_code": "02", "district_code": "0208"}
PAILIN = {"province_code": "24", "district_code": "2401"}
TABLE = {
    "rice field": understanding("dispute_mediation", **SANGKAE),
    "beats me": understanding("victim_protection", urgent=True, **SANGKAE),
    "hits me in Pailin": understanding("victim_protection", urgent=True, **PAILIN),
    "hurts me": understanding("victim_protection", urgent=True),
}
CITIZEN = "+85512345678"
SMS_URL = "http://localhost/webhooks/twilio/sms"


class Clock:
    """Wednesday 25 November 2026, 10:00 in Phnom Penh, moved by hand."""

    def __init__(self):
        self.now = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Desk:
    """The service on PostgreSQL with its real Twilio and Telegram clients pointed at the fakes."""

    def __init__(self, services, providers, clock):
        self.s, self.providers, self.clock = services, providers, clock
        self.client = create_app(services=services).test_client()
        self._update = 10_000

    def cycle(self) -> None:
        """One worker cycle: every job due now (and the sends they queue)."""
        self.s.queue.run_all(self.s)

    def later(self, func: str, *, at: datetime | None = None) -> None:
        """Let time pass to `at` (or to the job's own time) and run the delayed jobs of `func`."""
        jobs = self.s.queue.take_delayed(func)
        if at is not None:
            self.clock.now = at
        for name, args, _ in jobs:
            self.s.queue.enqueue(name, *args)
        self.cycle()

    def sms(self, text: str, frm: str = CITIZEN) -> None:
        form = {
            "MessageSid": f"SM{uuid.uuid4().hex}",
            "AccountSid": TWILIO["twilio_account_sid"],
            "From": frm,
            "To": TWILIO["twilio_from"],
            "NumMedia": "0",
            "Body": text,
        }
        signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(SMS_URL, form)
        assert self.client.post(SMS_URL, data=form, headers={"X-Twilio-Signature": signature}).status_code == 200
        self.cycle()

    def _post(self, update: dict) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"]}
        r = self.client.post(
            "/webhooks/telegram", data=json.dumps(update), headers=headers, content_type="application/json"
        )
        assert r.status_code == 200
        self.cycle()

    def tg(self, chat: str, text: str) -> dict:
        """An official (or a citizen on Telegram) types `text`; returns the last message to them."""
        self._update += 1
        person = {"id": int(chat), "is_bot": False, "first_name": "Dara"}
        self._post(
            {
                "update_id": self._update,
                "message": {
                    "message_id": self._update,
                    "date": 1795687200,
                    "text": text,
                    "chat": dict(person, type="private"),
                    "from": person,
                },
            }
        )
        return self.last(chat)

    def press(self, chat: str, data: str) -> dict:
        """An official presses an inline button; returns the last message to them."""
        self._update += 1
        person = {"id": int(chat), "is_bot": False, "first_name": "Dara"}
        self._post(
            {
                "update_id": self._update,
                "callback_query": {
                    "id": f"cb{self._update}",
                    "chat_instance": "-1",
                    "data": data,
                    "from": person,
                    "message": {"message_id": 1, "date": 1795687200, "chat": dict(person, type="private")},
                },
            }
        )
        return self.last(chat)

    def to(self, chat: str) -> list[dict]:
        """Every Telegram message sent to `chat`: text and buttons (callback data or URL)."""
        out = []
        for m in self.providers.telegram_sends:
            if m["chat_id"] == chat:
                markup = json.loads(m["reply_markup"]) if m["reply_markup"] else {"inline_keyboard": []}
                buttons = [b.get("callback_data") or b.get("url") for row in markup["inline_keyboard"] for b in row]
                out.append({"text": m["text"], "buttons": buttons})
        return out

    def last(self, chat: str) -> dict:
        sent = self.to(chat)
        assert sent, f"nothing sent to {chat}"
        return sent[-1]

    def sms_to(self, phone: str = CITIZEN) -> list[str]:
        return [m["body"] for m in self.providers.twilio_messages if m["to"] == phone]

    def official(self, office: str, chat: str, name: str = "Sok Dara", role: str = "official") -> int:
        with self.s.uow() as uow:
            o, code = invite_official(uow, office, name, role, now=self.clock(), key=self.s.config.secret_key)
            uow.commit()
        self.tg(chat, f"/start {code}")
        return o.id

    def case(self) -> Case:
        with self.s.uow() as uow:
            [case] = uow.session.query(Case).all()
            return case

    def cases(self) -> list[Case]:
        with self.s.uow() as uow:
            return uow.session.query(Case).order_by(Case.id).all()

    def events(self, case_id: int) -> list[str]:
        with self.s.uow() as uow:
            return [e.type for e in uow.repo.case_events(case_id)]

    def dispute(self, frm: str = CITIZEN) -> Case:
        self.sms("rice field in Sangkae", frm)
        self.sms("I want the boundary put back where it was", frm)
        self.sms("1", frm)
        return [c for c in self.cases() if c.kind == "dispute"][-1]


@pytest.fixture
def desk(postgres_url, providers, places):
    clock = Clock()
    cfg = replace(
        Config(),
        database_url=postgres_url,
        **TWILIO,
        **TELEGRAM,
        twilio_api_url=providers.url,
        telegram_api_url=providers.url,
    )
    s = build_services(
        cfg, queue=RecordingQueue(), understander=ScriptedUnderstander(TABLE), places=places, legal=None, clock=clock
    )
    load_sample_directory(s)
    yield Desk(s, providers, clock)
    s.engine.dispose()


def actions(message: dict, case: Case) -> set[str]:
    """The button actions offered for `case` in a message (`acc`, `sch`, `cls`, ...)."""
    return {b.split(":")[0] for b in message["buttons"] if re.fullmatch(rf"[a-z]+:{case.id}(:.*)?", b)}


# ------------------------------------------------------------------ 1. contact


def test_the_office_sees_how_to_reach_a_consenting_disputant(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    notice = desk.last("900001")
    assert "+85512345678" in notice["text"] and "safe to text" in notice["text"]
    card = desk.tg("900001", f"/case {case.ref}")
    assert "+85512345678" in card["text"] and "safe to text" in card["text"]


def test_a_protection_case_shows_the_phone_and_safe_to_text_only_to_the_caseworkers(desk):
    desk.official("SAMPLE-DOSVY-02", "900021")  # the protection office's caseworker
    desk.official("SAMPLE-DOSVY-02", "900022", "Keo Sothea", role="coordinator")
    desk.sms("my husband beats me, Sangkae")
    desk.sms("2")  # not safe to text
    case = desk.case()
    notice = [m for m in desk.to("900021") if case.ref in m["text"]][0]
    assert "+85512345678" in notice["text"]
    card = desk.tg("900021", f"/case {case.ref}")["text"]
    assert "+85512345678" in card and "NOT safe to text" in card
    coordinator = desk.tg("900022", f"/case {case.ref}")["text"]
    assert case.ref in coordinator and "+85512345678" not in coordinator and "husband" not in coordinator
    assert "msg" not in actions(desk.last("900022"), case)


def test_a_citizen_on_telegram_gets_an_open_chat_button(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    desk.tg("700700", "rice field in Sangkae")
    desk.tg("700700", "I want the boundary put back where it was")
    desk.tg("700700", "1")
    card = desk.tg("900001", f"/case {desk.case().ref}")
    assert "tg://user?id=700700" in card["buttons"]


# ------------------------------------------------------------------ 1. messaging the person


def test_msg_reaches_the_person_signed_by_the_office_and_their_answer_comes_back(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    confirm = desk.tg("900001", f"/msg {case.ref} Please come to the office on Friday with your land title.")
    assert "sent" in confirm["text"].lower()
    assert desk.sms_to()[-1] == (
        "Please come to the office on Friday with your land title. - Battambang Justice Service Centre"
    )
    assert "office_message" in desk.events(case.id)
    desk.sms("Yes I will come, thank you")
    update = desk.last("900001")["text"]
    assert case.ref in update and "Yes I will come, thank you" in update
    with desk.s.uow() as uow:
        assert [m.case_id for m in uow.repo.conversation_of_case(case) if m.body == "Yes I will come, thank you"]


def test_the_message_button_asks_for_the_text(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    ask = desk.press("900001", f"msg:{case.id}")
    assert case.ref in ask["text"]
    desk.tg("900001", "We will call you tomorrow morning.")
    assert desk.sms_to()[-1] == "We will call you tomorrow morning. - Battambang Justice Service Centre"


def test_messages_respect_stop_and_unsafe_phones_and_protection_allows_only_discreet_wording(desk):
    desk.official("SAMPLE-DOSVY-02", "900021")
    desk.sms("my husband beats me, Sangkae")
    desk.sms("1")  # safe to text
    case = desk.case()
    refused = desk.tg("900021", f"/msg {case.ref} Your husband will be summoned")["text"]
    assert "discreet" in refused.lower()
    assert not any("husband" in body for body in desk.sms_to())
    offer = desk.press("900021", f"msg:{case.id}")
    discreet = [b for b in offer["buttons"] if b.startswith("dm:")]
    assert discreet
    desk.press("900021", discreet[0])
    last = desk.sms_to()[-1]
    assert "support service" in last and "Social Affairs" not in last

    desk.official("SAMPLE-JSC-0203", "900001")
    dispute = desk.dispute("+85512000111")
    desk.sms("STOP", "+85512000111")
    sent = len(desk.providers.twilio_messages)
    assert "STOP" in desk.tg("900001", f"/msg {dispute.ref} hello")["text"]
    assert len(desk.providers.twilio_messages) == sent


def test_a_free_text_to_an_unsafe_phone_is_refused_with_the_reason(desk):
    desk.official("SAMPLE-DOSVY-02", "900021")
    desk.sms("my husband beats me, Sangkae")
    desk.sms("2")  # not safe to text
    case = desk.case()
    sent = len(desk.providers.twilio_messages)
    offer = desk.press("900021", f"msg:{case.id}")
    assert "not safe" in offer["text"].lower() and not [b for b in offer["buttons"] if b.startswith("dm:")]
    assert "not safe" in desk.tg("900021", f"/msg {case.ref} call us")["text"].lower()
    assert len(desk.providers.twilio_messages) == sent


# ------------------------------------------------------------------ 2. actions everywhere


def test_cases_is_a_numbered_list_whose_numbers_open_a_card_that_can_accept(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    first = desk.dispute()
    desk.clock.now += timedelta(hours=1)
    second = desk.dispute("+85512000222")
    listing = desk.tg("900001", "/cases")
    lines = listing["text"].splitlines()
    assert [line for line in lines if line.startswith("1.")][0].count(first.ref) == 1
    assert [line for line in lines if line.startswith("2.")][0].count(second.ref) == 1
    assert listing["buttons"][:2] == [f"case:{first.id}", f"case:{second.id}"]
    card = desk.press("900001", f"case:{second.id}")
    assert card["text"].startswith(f"Case {second.ref}") or f"Case {second.ref}" in card["text"]
    assert {"acc", "sch", "rr", "cls", "msg", "note"} <= actions(card, second)
    desk.press("900001", f"acc:{second.id}")
    assert [c for c in desk.cases() if c.id == second.id][0].status == "accepted"


def test_cases_lists_open_cases_only_with_filters_and_a_count_beyond_a_page(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    opened = []
    for n in range(12):
        opened.append(desk.dispute(f"+8551200{n:04d}"))
        desk.clock.now += timedelta(minutes=5)
    desk.press("900001", f"acc:{opened[0].id}")
    desk.press("900001", f"cls:{opened[1].id}")
    desk.press("900001", f"out:{opened[1].id}:resolved")
    listing = desk.tg("900001", "/cases")["text"]
    assert opened[1].ref not in listing
    assert "1 more" in listing  # 11 open, a page of 10
    mine = desk.tg("900001", "/cases mine")["text"]
    assert opened[0].ref in mine and opened[2].ref not in mine
    unaccepted = desk.tg("900001", "/cases unaccepted")["text"]
    assert opened[0].ref not in unaccepted and opened[2].ref in unaccepted
    desk.sms("my husband beats me, Sangkae", "+85512999999")
    assert "No open cases" in desk.tg("900001", "/cases urgent")["text"]  # the protection case is not theirs


def test_reminders_and_escalations_carry_the_actions(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    desk.official("SAMPLE-JSC-0203", "900003", "Coordinator", role="coordinator")
    case = desk.dispute()
    desk.later("worker.jobs.escalate")
    reminder = desk.last("900001")
    assert case.ref in reminder["text"] and {"acc", "sch", "rr", "cls"} <= actions(reminder, case)
    desk.later("worker.jobs.escalate")
    escalation = desk.last("900003")
    assert case.ref in escalation["text"] and {"acc", "sch", "rr", "cls"} <= actions(escalation, case)
    assert "coordinators have been told" in desk.last("900001")["text"]


# ------------------------------------------------------------------ 3. messages on the case


def test_case_shows_the_conversation_newest_last_within_telegrams_limit(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    for n in range(30):
        desk.sms(f"rice field update number {n:02d} " + "x" * 150)
    card = desk.tg("900001", f"/case {case.ref}")
    assert len(card["text"]) <= 4096
    assert "update number 29" in card["text"] and "update number 00" not in card["text"]
    assert card["text"].index("update number 28") < card["text"].index("update number 29")
    earlier = [b for b in card["buttons"] if b.startswith(f"cv:{case.id}:")]
    assert earlier
    more = desk.press("900001", earlier[0])
    assert "update number 00" in more["text"] or any(b.startswith("cv:") for b in more["buttons"])


def test_notes_are_seen_by_the_office_only(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    desk.official("SAMPLE-JSC-0203", "900002", "Chan Sophea")
    desk.official("SAMPLE-DOSVY-02", "900030", "Province coordinator", role="coordinator")
    case = desk.dispute()
    assert "note" in desk.tg("900001", f"/note {case.ref} Called, the neighbour agrees to meet")["text"].lower()
    assert "the neighbour agrees to meet" in desk.tg("900002", f"/case {case.ref}")["text"]
    other = desk.tg("900030", f"/case {case.ref}")["text"]
    assert case.ref in other and "neighbour agrees" not in other


# ------------------------------------------------------------------ 4. consistent state


def test_closing_a_scheduled_case_sends_no_appointment_sms_or_reminder_afterwards(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    desk.clock.now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 06:30 in Phnom Penh: SMS wait for 07:00
    desk.tg("900001", f"/schedule {case.ref} 2026-11-27 09:00")
    before = desk.sms_to()
    desk.press("900001", f"cls:{case.id}")
    desk.press("900001", f"out:{case.id}:resolved")
    desk.clock.now = datetime(2026, 11, 26, 0, 5, tzinfo=UTC)  # 07:05
    desk.later("worker.jobs.send_message")
    desk.later("worker.jobs.remind", at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    desk.later("worker.jobs.remind", at=datetime(2026, 11, 27, 0, 0, tzinfo=UTC))
    assert desk.sms_to() == before  # neither the held appointment SMS nor a reminder
    with desk.s.uow() as uow:
        assert [a.status for a in uow.repo.appointments_of(case.id)] == ["cancelled"]
    assert case.ref not in desk.tg("900001", "/cases")["text"]


def test_a_cancelled_session_the_person_was_told_about_gets_one_cancelled_sms(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    desk.tg("900001", f"/schedule {case.ref} 2026-11-27 09:00")
    assert "mediation on Fri 27/11 09:00" in desk.sms_to()[-1]
    desk.press("900001", f"rr:{case.id}")
    target = [b for b in desk.last("900001")["buttons"] if b.startswith("rrto:")][0]
    desk.press("900001", target)
    cancelled = [b for b in desk.sms_to() if "cancelled" in b]
    assert len(cancelled) == 1 and case.ref in cancelled[0]
    with desk.s.uow() as uow:
        assert [a.status for a in uow.repo.appointments_of(case.id)] == ["cancelled"]
    desk.later("worker.jobs.remind", at=datetime(2026, 11, 26, 2, 0, tzinfo=UTC))
    assert len([b for b in desk.sms_to() if "Reminder" in b]) == 0


def test_the_first_to_accept_owns_the_case_and_the_others_see_taken_by(desk):
    desk.official("SAMPLE-JSC-0203", "900001", "Sok Dara")
    chan = desk.official("SAMPLE-JSC-0203", "900002", "Chan Sophea")
    case = desk.dispute()
    desk.press("900001", f"acc:{case.id}")
    assert "taken by Sok Dara" in desk.last("900002")["text"]
    assert "taken by Sok Dara" in desk.press("900002", f"acc:{case.id}")["text"]
    card = desk.tg("900002", f"/case {case.ref}")
    assert "acc" not in actions(card, case) and "Sok Dara" in card["text"]
    offer = desk.press("900001", f"ho:{case.id}")
    desk.press("900001", [b for b in offer["buttons"] if b == f"hoto:{case.id}:{chan}"][0])
    assert desk.case().accepted_by == chan
    assert case.ref in desk.last("900002")["text"] and "Chan Sophea" in desk.last("900001")["text"]
    assert "handed_over" in desk.events(case.id)


def test_every_change_is_one_event_that_all_officials_of_the_office_see(desk):
    desk.official("SAMPLE-JSC-0203", "900001", "Sok Dara")
    desk.official("SAMPLE-JSC-0203", "900002", "Chan Sophea")
    case = desk.dispute()
    desk.press("900001", f"acc:{case.id}")
    desk.tg("900001", f"/schedule {case.ref} 2026-11-27 09:00")
    assert "Fri 27/11 09:00" in desk.last("900002")["text"] and case.ref in desk.last("900002")["text"]
    desk.press("900001", f"cls:{case.id}")
    desk.press("900001", f"out:{case.id}:resolved")
    assert case.ref in desk.last("900002")["text"] and "resolved" in desk.last("900002")["text"].lower()


# ------------------------------------------------------------------ 5. no silent loss


def test_an_urgent_case_at_an_uncovered_office_reaches_the_duty_desk_and_the_victim_is_not_misled(desk):
    desk.official("SAMPLE-JSC-1202", "900090", "Duty admin", role="admin")
    desk.sms("my husband beats me, Sangkae")  # nobody is linked to Battambang Social Affairs
    case = desk.case()
    alert = [m for m in desk.to("900090") if case.ref in m["text"]]
    assert alert and "URGENT" in alert[0]["text"] and "acc" in actions(alert[0], case)
    reply = desk.sms_to()[-1]
    assert "has been told" not in reply and "will contact you" in reply
    assert "117" in reply
    desk.press("900090", f"acc:{case.id}")
    assert desk.case().accepted_by is not None


def test_an_urgent_case_with_no_place_escalates_at_the_duty_desk_until_someone_accepts(desk):
    desk.official("SAMPLE-JSC-1202", "900090", "Duty admin", role="admin")
    desk.sms("my husband hurts me")
    case = desk.case()
    assert len([m for m in desk.to("900090") if case.ref in m["text"]]) == 1
    desk.later("worker.jobs.escalate", at=desk.clock.now + timedelta(minutes=15))
    assert len([m for m in desk.to("900090") if case.ref in m["text"]]) == 2
    desk.press("900090", f"acc:{case.id}")
    told = len(desk.to("900090"))
    desk.later("worker.jobs.escalate", at=desk.clock.now + timedelta(minutes=15))
    assert len(desk.to("900090")) == told


def test_moving_an_unaccepted_case_tells_the_previous_office_and_discreetly_the_person(desk):
    desk.official("SAMPLE-DOSVY-02", "900021")
    desk.official("SAMPLE-DOSVY-01", "900011", "Next office")
    desk.sms("my husband beats me, Sangkae")
    desk.sms("1")
    case = desk.case()
    for _ in range(3):
        desk.later("worker.jobs.escalate", at=desk.clock.now + timedelta(minutes=15))
    moved = desk.case()
    with desk.s.uow() as uow:
        assert uow.repo.office(moved.office_id).code == "SAMPLE-DOSVY-01"
    assert case.ref in desk.last("900021")["text"] and "Banteay Meanchey" in desk.last("900021")["text"]
    assert case.ref in desk.last("900011")["text"]
    told = desk.sms_to()[-1]
    assert case.ref in told and "Social Affairs" not in told and "husband" not in told


def test_the_coverage_command_names_the_offices_nobody_is_linked_to(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    runner = create_app(services=desk.s).test_cli_runner()
    result = runner.invoke(args=["directory", "coverage"])
    assert result.exit_code == 0
    listed = [line.split("\t")[0] for line in result.stdout.splitlines()]
    assert "SAMPLE-DOSVY-02" in listed and "SAMPLE-JSC-0203" not in listed


def test_routing_prefers_a_covered_office_of_the_province(desk, tmp_path):
    rows = list(csv.DictReader(SAMPLE_DIRECTORY.open(encoding="utf-8")))
    second = dict(next(r for r in rows if r["code"] == "SAMPLE-JSC-0203"))
    second.update(code="TEST-JSC-0202", name_en="Thma Koul JSC", district_code="0202", covered_districts="0202")
    second.update(lat="13.30", lon="103.10")
    path = tmp_path / "offices.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows([*rows, second])
    with desk.s.uow() as uow:
        load_directory(uow, parse_directory(path, lambda code: desk.s.deps.places.name(code, "en") != code))
        uow.commit()
    desk.official("TEST-JSC-0202", "900005")  # nobody at SAMPLE-JSC-0203, the nearest to Sangkae
    case = desk.dispute()
    with desk.s.uow() as uow:
        assert uow.repo.office(case.office_id).code == "TEST-JSC-0202"
    assert case.routing_reason.startswith("covered office of the province: ")
    assert case.ref in desk.last("900005")["text"]
    assert "will contact you" in desk.sms_to()[-1] and "Thma Koul JSC" in desk.sms_to()[-1]


# ------------------------------------------------------------------ 6. texts and #15's loose ends


def test_status_words_are_translated_and_hotlines_are_in_latin_digits(desk):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    desk.tg("900001", f"/schedule {case.ref} 2026-11-27 09:00")
    desk.sms("LANG KM")
    desk.sms(f"STATUS {case.ref}")
    status = desk.sms_to()[-1]
    assert "scheduled" not in status and case.ref in status
    desk.sms("ប្តីខ្ញុំវាយខ្ញុំ", "+85512777777")
    assert "117" in desk.sms_to("+85512777777")[0]


def test_appointment_sms_carry_the_offices_address_and_phone(desk, tmp_path):
    rows = list(csv.DictReader(SAMPLE_DIRECTORY.open(encoding="utf-8")))
    for row in rows:
        row["address_en"] = row["address_km"] = ""
        if row["code"] == "SAMPLE-JSC-0203":
            row.update(address_en="Road 3, Svay Por", address_km="ផ្លូវ៣ ស្វាយប៉ោ", phone="+85553123456")
    path = Path(tmp_path / "offices.csv")
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with desk.s.uow() as uow:
        load_directory(uow, parse_directory(path, lambda code: desk.s.deps.places.name(code, "en") != code))
        uow.commit()
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    desk.tg("900001", f"/schedule {case.ref} 2026-11-27 09:00")
    assert "Road 3, Svay Por" in desk.sms_to()[-1] and "+85553123456" in desk.sms_to()[-1]


def test_rerouting_checks_the_office_kind_and_a_return_is_announced_again(desk):
    desk.official("SAMPLE-DOSVY-02", "900021")
    desk.official("SAMPLE-DOSVY-01", "900011")
    desk.sms("my husband beats me, Sangkae")
    case = desk.case()
    with desk.s.uow() as uow:
        jsc = uow.repo.office_by_code("SAMPLE-JSC-0203")
        dosvy1 = uow.repo.office_by_code("SAMPLE-DOSVY-01")
        dosvy2 = uow.repo.office_by_code("SAMPLE-DOSVY-02")
    assert "cannot" in desk.press("900021", f"rrto:{case.id}:{jsc.id}")["text"].lower()
    assert desk.case().office_id == dosvy2.id
    choices = desk.press("900021", f"rr:{case.id}")["buttons"]
    assert f"rrto:{case.id}:{jsc.id}" not in choices
    desk.press("900021", f"rrto:{case.id}:{dosvy1.id}")
    told = len([m for m in desk.to("900021") if case.ref in m["text"]])
    desk.press("900011", f"rrto:{case.id}:{dosvy2.id}")
    assert desk.case().office_id == dosvy2.id
    assert len([m for m in desk.to("900021") if case.ref in m["text"]]) > told  # told again


@pytest.mark.parametrize(
    "typed",
    [
        "acc:99999999999",
        "rrto:{id}:4294967296",
        "/schedule {ref} 9999-12-31 09:00",
        "/schedule {ref} 2026-11-27 09:00 " + "P" * 300,
    ],
)
def test_out_of_range_ids_far_dates_and_long_places_get_a_clear_reply(desk, typed):
    desk.official("SAMPLE-JSC-0203", "900001")
    case = desk.dispute()
    sent = len(desk.to("900001"))
    text = typed.format(id=case.id, ref=case.ref)
    reply = (
        desk.press("900001", text) if ":" in text.split()[0] and not text.startswith("/") else desk.tg("900001", text)
    )
    assert len(desk.to("900001")) == sent + 1
    assert reply["text"]
    assert desk.case().status == "routed"
    assert len(desk.sms_to()) == 3  # the intake replies only: no appointment went out


def test_an_escalation_step_waits_for_an_accept_in_progress_and_then_leaves_the_case_alone(desk):
    import threading

    from intake import cases
    from worker import jobs

    desk.official("SAMPLE-DOSVY-02", "900021")
    desk.official("SAMPLE-DOSVY-01", "900011")
    desk.sms("my husband beats me, Sangkae")
    case = desk.case()
    with desk.s.uow() as uow:
        caseworker = uow.repo.official_by_chat("900021")
        accepted = cases.accept_case(uow, desk.s.deps, caseworker, uow.repo.case(case.id))
        assert accepted.reply == "official_you_accepted"
        move = threading.Thread(
            target=jobs.escalate, args=(case.id, 3, case.office_id, case.routing_seq), kwargs={"services": desk.s}
        )
        move.start()
        move.join(1.0)
        assert move.is_alive()  # the row is locked by the accept: the escalation step waits
        uow.commit()
    move.join(10)
    after = desk.case()
    assert after.office_id == case.office_id and after.accepted_by == caseworker.id
    assert "rerouted" not in desk.events(case.id)


def test_the_app_names_the_offices_nobody_is_linked_to_when_it_starts(sqlite_url, places, caplog):
    s = build_services(replace(Config(), database_url=sqlite_url), places=places, legal=None)
    load_sample_directory(s)
    s.engine.dispose()
    with caplog.at_level("WARNING", logger="bot"):
        # With Redis: no embedded sweep thread is started for this throwaway app.
        create_app(test_config={"database_url": sqlite_url, "redis_url": REDIS_URL})
    [warning] = [r.getMessage() for r in caplog.records if "no linked official" in r.getMessage()]
    assert warning.startswith("39 active offices have no linked official") and "SAMPLE-DOSVY-02" in warning
