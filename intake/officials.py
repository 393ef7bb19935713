"""Officials on Telegram: an official's command or button press becomes one of the case actions
of `intake.cases`, and its result a Telegram reply.

Commands are typed (`/cases`, `/case REF`, `/schedule REF 2026-12-03 09:00 [place]`,
`/cancel REF`); buttons carry short callback data named in `intake.callbacks` (`acc:12`,
`sd:12:20261203`, ...). Each command and each button prefix has one handler, found in a table.
Every action checks that the official may act on the case: an official on their office's cases,
a coordinator on every office of their province, an admin on all.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from intake import callbacks, cases, outbound, replies, staff
from intake.deps import IntakeDeps
from intake.model import OPEN_STATUSES, OUTCOMES, Case, CaseKind, CaseStatus, Channel, Official, Purpose
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SCHEDULE = re.compile(r"^/schedule\s+(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})(?:\s+(.+))?$", re.I)
BUTTON = re.compile(r"^[a-z]{2,4}:\d+")


def _say(
    uow: UnitOfWork,
    official: Official,
    key: str,
    template: str,
    params: dict | None = None,
    buttons: list | None = None,
    case_id: int | None = None,
) -> int:
    """Queue an official template (Khmer, then English) to the official."""
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=replies.render_official(template, **(params or {})),
        key=key,
        official_id=official.id,
        case_id=case_id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    if buttons:
        out.buttons = buttons
    return out.id


def _answer(uow: UnitOfWork, official: Official, key: str, case: Case, result: cases.ActionResult) -> list[int]:
    """An action's messages to others, then its answer to the official who acted."""
    buttons = replies.case_buttons(case) if result.show_case_buttons else None
    case_id = case.id if result.params.get("ref") else None
    return result.outbound + [_say(uow, official, key, result.reply, result.params, buttons, case_id)]


def handle(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, msg_id: int) -> list[int]:
    """Carry out one command or button press of a linked official. Returns outbound ids."""
    key = f"reply:{msg_id}:0"
    if not official.active:
        return [_say(uow, official, key, "official_inactive")]
    text = text.strip()
    if BUTTON.match(text):
        try:
            return _press(uow, deps, official, text.split(":"), key)
        except ValueError:  # forged or mangled button data: a bad number or date
            return [_say(uow, official, key, "official_button_expired")]
    command = text.split()[0].lower() if text else ""
    return COMMANDS.get(command, _help)(uow, deps, official, text, key)


# Commands: (uow, deps, official, text, key) -> outbound ids.


def _cases_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    mine = sorted((c for c in uow.repo.open_cases() if cases.can_act(uow, official, c)), key=lambda c: c.created_at)
    if not mine:
        return [_say(uow, official, key, "official_no_open_cases")]
    now = deps.clock()
    lines = [replies.render_official("official_open_cases")]
    for c in mine[:30]:
        days = (now - c.created_at).days
        lines.append(f"{c.ref} · {c.kind}{' · URGENT' if c.urgent else ''} · {c.status.replace('_', ' ')} · {days} d")
    return [_say_text(uow, official, key, "\n".join(lines))]


def _case_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.split()
    case = uow.repo.case_by_ref(words[1].upper()) if len(words) > 1 else None
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    office = uow.repo.office(case.office_id) if case.office_id else None
    label = replies.render_label
    lines = [
        f"{label('official_label_case')} {case.ref} · {case.kind}{' · URGENT' if case.urgent else ''} · {case.status.replace('_', ' ')}",
        f"{label('official_label_office')}: {office.name_en if office else '-'} ({case.routing_reason or '-'})",
    ]
    if cases.shows_narrative(uow, official, case):
        if case.summary:
            lines.append(f"{label('official_label_story')}: {case.summary[:600]}")
        if case.details:
            lines.append(f"{label('official_label_details')}: {case.details[:400]}")
    lines.append(f"{label('official_label_timeline')}:")
    for e in uow.repo.case_events(case.id):
        lines.append(f"  {deps.policy.local(e.at):%d/%m %H:%M} {e.type} ({e.actor})")
    return [_say_text(uow, official, key, "\n".join(lines))]


def _schedule_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    m = SCHEDULE.match(text)
    if not m:
        return [_say(uow, official, key, "official_schedule_usage")]
    case = uow.repo.case_by_ref(m.group(1).upper())
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    try:
        local = datetime.strptime(f"{m.group(2)} {m.group(3)}", "%Y-%m-%d %H:%M").replace(tzinfo=deps.policy.tz)
    except ValueError:
        return [_say(uow, official, key, "official_bad_time")]
    return _answer(uow, official, key, case, cases.schedule_session(uow, deps, official, case, local, m.group(4)))


def _cancel_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    words = text.split()
    case = uow.repo.case_by_ref(words[1].upper()) if len(words) > 1 else None
    if case is None or not cases.can_act(uow, official, case):
        return [_say(uow, official, key, "official_not_yours")]
    return _answer(uow, official, key, case, cases.cancel_session(uow, deps, official, case))


def _console_command(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    """A one-time sign-in link to the web console (10 minutes). Its message is blanked in the
    database once the link is used or replaced (`staff.scrub_links`)."""
    now = deps.clock()
    raw = staff.issue_sign_in(uow, official, now)
    staff.audit(uow, staff.AuditAction.LINK_ISSUED, now, official.id, via="telegram")
    link = staff.sign_in_link(deps.console_url, raw)
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=replies.render_official("official_console_link", link=link),
        key=key,
        official_id=official.id,
        purpose=staff.LINK_PURPOSE,
    )
    return [out.id]


def _help(uow: UnitOfWork, deps: IntakeDeps, official: Official, text: str, key: str) -> list[int]:
    office = uow.repo.office(official.office_id)
    return [_say(uow, official, key, "official_help", {"office": office.name_km if office else "?"})]


Command = Callable[[UnitOfWork, IntakeDeps, Official, str, str], list[int]]
COMMANDS: dict[str, Command] = {
    "/cases": _cases_command,
    "/case": _case_command,
    "/schedule": _schedule_command,
    "/cancel": _cancel_command,
    "/console": _console_command,
}


def _say_text(uow: UnitOfWork, official: Official, key: str, body: str) -> int:
    """Queue a listing (already rendered) to the official."""
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=body,
        key=key,
        official_id=official.id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    return out.id


# Buttons: one handler per callback prefix, given the case (already checked: the official may act
# on it and it is open) and the rest of the callback data. A handler raises ValueError for data
# it cannot read: the official is told the button has expired.


@dataclass(frozen=True)
class Press:
    uow: UnitOfWork
    deps: IntakeDeps
    official: Official
    case: Case
    args: list[str]  # the callback data after the prefix and the case id
    key: str

    def say(self, template: str, rows: list | None = None) -> list[int]:
        """A question about this case, with its choices as buttons."""
        return [_say(self.uow, self.official, self.key, template, {"ref": self.case.ref}, rows, self.case.id)]

    def answer(self, result: cases.ActionResult) -> list[int]:
        return _answer(self.uow, self.official, self.key, self.case, result)


def _press(uow: UnitOfWork, deps: IntakeDeps, official: Official, parts: list[str], key: str) -> list[int]:
    prefix, case_id = parts[0], int(parts[1])
    case = uow.repo.case(case_id)
    if case is None or not cases.can_act(uow, official, case):
        log.warning("official %s refused on case id %s", official.id, case_id)
        return [_say(uow, official, key, "official_not_yours")]
    if case.status not in OPEN_STATUSES:
        return [_say(uow, official, key, "official_case_closed", {"ref": case.ref})]
    handler = BUTTONS.get(prefix)
    if handler is None:
        raise ValueError(f"unknown button {prefix}")
    return handler(Press(uow, deps, official, case, parts[2:], key))


def _expect(args: list[str], n: int) -> list[str]:
    if len(args) != n:
        raise ValueError("wrong number of parts")
    return args


def _accept(p: Press) -> list[int]:
    _expect(p.args, 0)
    return p.answer(cases.accept_case(p.uow, p.deps, p.official, p.case))


def _choose_day(p: Press) -> list[int]:
    _expect(p.args, 0)
    days = p.deps.policy.working_days(p.deps.clock())
    data = [[replies.day_label(d), callbacks.data(callbacks.SCHEDULE_DAY, p.case.id, f"{d:%Y%m%d}")] for d in days]
    return p.say("official_which_day", [data[0:3], data[3:6]])


def _choose_time(p: Press) -> list[int]:
    [day] = _expect(p.args, 1)
    hours = p.deps.policy.office_hours
    data = [[h, callbacks.data(callbacks.SCHEDULE_TIME, p.case.id, day, h.replace(":", ""))] for h in hours]
    return p.say("official_which_time", [data[0:3], data[3:6]])


def _schedule_at(p: Press) -> list[int]:
    day, hour = _expect(p.args, 2)
    local = datetime.strptime(day + hour, "%Y%m%d%H%M").replace(tzinfo=p.deps.policy.tz)
    return p.answer(cases.schedule_session(p.uow, p.deps, p.official, p.case, local, None))


def _close(p: Press) -> list[int]:
    _expect(p.args, 0)
    if p.case.kind == CaseKind.PROTECTION:
        return p.answer(cases.close_case(p.uow, p.deps, p.official, p.case, CaseStatus.CLOSED))
    return p.say("official_which_outcome", replies.outcome_buttons(p.case))


def _outcome(p: Press) -> list[int]:
    [outcome] = _expect(p.args, 1)
    if outcome not in set(OUTCOMES):
        raise ValueError("not an outcome")
    return p.answer(cases.close_case(p.uow, p.deps, p.official, p.case, CaseStatus(outcome)))


def _next_stage(p: Press) -> list[int]:
    _expect(p.args, 0)
    if p.case.kind != CaseKind.PROTECTION:
        raise ValueError("stages are for protection cases")
    return p.answer(cases.advance_stage(p.uow, p.deps, p.official, p.case))


def _choose_office(p: Press) -> list[int]:
    _expect(p.args, 0)
    rows = [
        [[o.name_en[:40], callbacks.data(callbacks.REROUTE_TO, p.case.id, o.id)]]
        for o in cases.reroute_options(p.uow, p.case)
    ]
    return p.say("official_which_office", rows)


def _reroute_to(p: Press) -> list[int]:
    [office_id] = _expect(p.args, 1)
    return p.answer(cases.reroute_case(p.uow, p.deps, p.official, p.case, int(office_id)))


BUTTONS: dict[str, Callable[[Press], list[int]]] = {
    callbacks.ACCEPT: _accept,
    callbacks.SCHEDULE: _choose_day,
    callbacks.SCHEDULE_DAY: _choose_time,
    callbacks.SCHEDULE_TIME: _schedule_at,
    callbacks.CLOSE: _close,
    callbacks.OUTCOME: _outcome,
    callbacks.NEXT_STAGE: _next_stage,
    callbacks.REROUTE: _choose_office,
    callbacks.REROUTE_TO: _reroute_to,
}
