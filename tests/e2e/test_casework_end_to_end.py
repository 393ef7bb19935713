"""End to end, casework: the web app (gunicorn) and a worker (`python -m worker`) as processes on
PostgreSQL and Redis, Twilio and Telegram played by the loopback fakes. Two walks, asserting
exactly what each side receives:

- a dispute: SMS intake → the JSC official accepts → schedules a session → the 2-hour reminder
  goes out (for real: the session is set a little over two hours ahead) → the official closes it;
- a victim in a district whose protection office nobody is linked to: the duty desk (an admin)
  hears at once → accepts → moves the case to its next stage; the victim is never told that an
  office "has been told".

The service's time zone is chosen so that it is midday there: quiet hours never hold the SMS."""

from __future__ import annotations

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from tests.e2e.stack import Processes, production_stack
from tests.support import TELEGRAM, TWILIO, wait_until

pytestmark = pytest.mark.e2e
CITIZEN, VICTIM = "+85512345678", "+85512000999"
OFFICIAL, ADMIN = "900001", "900090"


def midday_zone() -> str:
    """An Etc/GMT zone where it is about 12:00 now (Etc/GMT-7 is UTC+7)."""
    offset = 12 - datetime.now(UTC).hour
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


class Stack:
    def __init__(self, base: str, providers, zone: str, logs: Path):
        self.base, self.providers, self.zone, self.logs = base, providers, zone, logs
        self._update = 50_000
        self._sms = 0

    def _post(self, path: str, data: bytes, headers: dict) -> None:
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers=headers, method="POST")
        assert urllib.request.urlopen(request, timeout=10).status == 200

    def sms(self, text: str, frm: str) -> None:
        self._sms += 1
        url = f"{self.base}/webhooks/twilio/sms"
        form = {
            "MessageSid": f"SMcw{self._sms:030d}",
            "AccountSid": TWILIO["twilio_account_sid"],
            "From": frm,
            "To": TWILIO["twilio_from"],
            "NumMedia": "0",
            "Body": text,
        }
        signature = RequestValidator(TWILIO["twilio_auth_token"]).compute_signature(url, form)
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
        self._post("/webhooks/twilio/sms", urlencode(form).encode(), headers)

    def _telegram(self, update: dict) -> None:
        headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": TELEGRAM["telegram_webhook_secret"],
        }
        self._post("/webhooks/telegram", json.dumps(update).encode(), headers)

    def tg(self, chat: str, text: str) -> None:
        self._update += 1
        person = {"id": int(chat), "is_bot": False, "first_name": "Dara"}
        message = {"message_id": self._update, "date": 1795687200, "text": text, "chat": dict(person, type="private")}
        self._telegram({"update_id": self._update, "message": dict(message, **{"from": person})})

    def press(self, chat: str, data: str) -> None:
        self._update += 1
        person = {"id": int(chat), "is_bot": False, "first_name": "Dara"}
        query = {
            "id": f"q{self._update}",
            "chat_instance": "-1",
            "data": data,
            "from": person,
            "message": {"message_id": 1, "date": 1795687200, "chat": dict(person, type="private")},
        }
        self._telegram({"update_id": self._update, "callback_query": query})

    def telegram_to(self, chat: str) -> list[dict]:
        out = []
        for m in list(self.providers.telegram_sends):
            if m["chat_id"] == chat:
                markup = json.loads(m["reply_markup"]) if m["reply_markup"] else {"inline_keyboard": []}
                data = [b.get("callback_data") or b.get("url") for row in markup["inline_keyboard"] for b in row]
                out.append({"text": m["text"], "buttons": data})
        return out

    def sms_to(self, phone: str) -> list[str]:
        return [m["body"] for m in list(self.providers.twilio_messages) if m["to"] == phone]

    def wait_telegram(self, chat: str, n: int, what: str, timeout_s: float = 120) -> list[dict]:
        return wait_until(lambda: (sent := self.telegram_to(chat)) and len(sent) >= n and sent, timeout_s, what)

    def wait_sms(self, phone: str, n: int, what: str, timeout_s: float = 120) -> list[str]:
        return wait_until(lambda: (sent := self.sms_to(phone)) and len(sent) >= n and sent, timeout_s, what)


def _english(text: str) -> str:
    """The English lines of an official's message (each Khmer line comes first, then English)."""
    return "\n".join(line for line in text.splitlines() if not any("\u1780" <= ch <= "\u17ff" for ch in line))


@pytest.fixture
def stack(providers, tmp_path):
    zone = midday_zone()
    codes = {}

    def invite(stack: Processes) -> None:
        for chat, args in (
            (OFFICIAL, ("--office", "SAMPLE-JSC-0203", "--name", "Sok Dara")),
            (ADMIN, ("--office", "SAMPLE-JSC-1202", "--name", "Duty Admin", "--role", "admin")),
        ):
            codes[chat] = re.search(r"^code: ([\w-]+)$", stack.cli("officials", "invite", *args), re.M).group(1)

    with production_stack(providers, tmp_path, "e2e-casework", invite, TZ_NAME=zone) as processes:
        s = Stack(processes.base, providers, zone, tmp_path)
        for chat, code in codes.items():
            s.tg(chat, f"/start {code}")
            s.wait_telegram(chat, 1, f"{chat} linked")
        yield s


def test_a_dispute_is_accepted_scheduled_reminded_and_closed_and_a_victim_reaches_the_duty_desk(stack):
    s = stack
    # --- the dispute
    s.sms("My neighbour moved the boundary of my rice field, I live in Sangkae district, Battambang", CITIZEN)
    s.wait_sms(CITIZEN, 1, "the question about what they want")
    s.sms("I want the boundary put back", CITIZEN)
    s.wait_sms(CITIZEN, 2, "the consent question")
    s.sms("1", CITIZEN)
    sms = s.wait_sms(CITIZEN, 3, "the case number")
    ref = re.search(r"Your case number is ([0-9A-Z]{3}-[0-9A-Z]{4})\.", sms[2]).group(1)
    [_, notice] = s.wait_telegram(OFFICIAL, 2, "the new case")
    case_id = int(next(b for b in notice["buttons"] if b.startswith("acc:")).split(":")[1])
    assert _english(notice["text"]).startswith(f"New dispute {ref} in Sangkae District, Battambang Province.")
    assert _english(notice["text"]).endswith(f"Contact: {CITIZEN} · safe to text")
    assert notice["buttons"] == [f"{a}:{case_id}" for a in ("acc", "sch", "rr", "cls", "msg", "note")]

    s.press(OFFICIAL, f"acc:{case_id}")
    accepted = s.wait_telegram(OFFICIAL, 3, "the accept answer")[2]
    assert _english(accepted["text"]) == f"You accepted case {ref}."
    assert accepted["buttons"] == [f"{a}:{case_id}" for a in ("sch", "rr", "cls", "msg", "note", "ho")]

    local = datetime.now(ZoneInfo(s.zone)) + timedelta(hours=2, minutes=2)
    when = f"{local:%Y-%m-%d %H:%M}"
    s.tg(OFFICIAL, f"/schedule {ref} {when}")
    weekday = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[local.weekday()]
    shown = f"{weekday} {local:%d/%m %H:%M}"
    scheduled = s.wait_telegram(OFFICIAL, 4, "the schedule answer")[3]
    assert _english(scheduled["text"]) == (
        f"Case {ref}: session {shown} at Battambang Justice Service Centre. The citizen has been told."
    )
    s.wait_sms(CITIZEN, 4, "the appointment")
    # The 2-hour reminder, about two minutes later (the worker's scheduler runs it).
    try:
        s.wait_sms(CITIZEN, 5, "the reminder", timeout_s=300)
    except AssertionError:
        tail = (s.logs / "worker.log").read_text()[-3000:]
        raise AssertionError(f"no reminder; the worker's log ends:\n{tail}") from None
    s.press(OFFICIAL, f"cls:{case_id}")
    s.wait_telegram(OFFICIAL, 5, "the outcome question")
    s.press(OFFICIAL, f"out:{case_id}:resolved")
    s.wait_telegram(OFFICIAL, 6, "the outcome answer")
    s.wait_sms(CITIZEN, 6, "the cancellation")

    assert s.sms_to(CITIZEN) == [
        "What would you like to happen? For example: the boundary restored, the debt repaid.",
        "May we share your case with the Justice Service Centre, and may they call you on this number? "
        "Reply 1 yes, 2 no.",
        f"Your case number is {ref}. Battambang Justice Service Centre will contact you about mediation. "
        "It is free and voluntary.",
        f"Case {ref}: mediation on {shown} at Battambang Justice Service Centre. Reply 1 I will come, 2 I cannot come.",
        f"Reminder, case {ref}: mediation {shown} at Battambang Justice Service Centre.",
        # Closed before its session: the person, who was told of it, hears once that it is off.
        f"Case {ref}: the session on {shown} is cancelled. The office will contact you.",
    ]
    official = [_english(m["text"]) for m in s.telegram_to(OFFICIAL)]
    assert official[4:] == [f"Case {ref}: what was the outcome?", f"Case {ref}: resolved recorded."]
    assert len(official) == 6

    # --- the victim: Battambang's protection office has nobody linked; the duty desk hears at once
    s.sms("My husband beats me, I live in Sangkae district, Battambang", VICTIM)
    [answer] = s.wait_sms(VICTIM, 1, "the victim's answer")
    victim_ref = re.search(r"Reference ([0-9A-Z]{3}-[0-9A-Z]{4})\.", answer).group(1)
    assert answer == (
        f"Reference {victim_ref}. A caseworker will contact you. In danger now: call 117. Children: 1280. "
        "Is it safe for us to text this phone? Reply 1 yes, 2 no, 3 only 8am-5pm."
    )
    [_, alert] = s.wait_telegram(ADMIN, 2, "the duty desk")
    victim_case = int(next(b for b in alert["buttons"] if b.startswith("acc:")).split(":")[1])
    assert _english(alert["text"]) == (
        f"URGENT: Case {victim_ref} (protection) went to Battambang Social Affairs Dept., where nobody is "
        "linked yet. Please act on it or re-route it."
    )
    assert VICTIM not in alert["text"] and "husband" not in alert["text"]  # the duty desk is not the caseworker
    assert alert["buttons"] == [f"{a}:{victim_case}" for a in ("acc", "nx", "rr", "cls", "note")]
    s.press(ADMIN, f"acc:{victim_case}")
    s.wait_telegram(ADMIN, 3, "the accept answer")
    s.press(ADMIN, f"nx:{victim_case}")
    admin = [_english(m["text"]) for m in s.wait_telegram(ADMIN, 4, "the stage answer")]
    assert admin[2:] == [f"You accepted case {victim_ref}.", f"Case {victim_ref}: stage registered."]
    assert s.sms_to(VICTIM) == [answer]  # nothing else reached the victim's phone
    assert not any(victim_ref in m["text"] for m in s.telegram_to(OFFICIAL))  # nor the JSC
