"""What officials do on Telegram: accept, schedule, re-route, close, list and read cases.

Commands are typed (`/cases`, `/case REF`, `/schedule REF 2026-12-03 09:00 [place]`,
`/cancel REF`) or pressed as inline buttons whose callback data is short (`acc:12`, `sch:12`,
`sd:12:20261203`, `st:12:20261203:0900`, `cls:12`, `out:12:resolved`, `rr:12`, `rrto:12:7`,
`nx:12`). Every action checks that the official may act on the case: an official on their
office's cases, a coordinator on every office of their province, an admin on all.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta

from intake import cases, outbound, replies
from intake.model import (
    OPEN_STATUSES,
    OUTCOMES,
    Appointment,
    AppointmentStatus,
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Conversation,
    OfficeKind,
    Official,
    OfficialRole,
    OutboundStatus,
    utcnow,
)
from intake.routing import great_circle_km
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SCHEDULE = re.compile(r"^/schedule\s+(\S+)\s+(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})(?:\s+(.+))?$", re.I)
WEEKDAYS = {
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    "km": ["ច័ន្ទ", "អង្គារ", "ពុធ", "ព្រហស្បតិ៍", "សុក្រ", "សៅរ៍", "អាទិត្យ"],
}


def can_act(uow: UnitOfWork, official: Official, case: Case) -> bool:
    """Officials see only their own office's cases; coordinators their province's; admins all."""
    if not official.active:
        return False
    if official.role == OfficialRole.ADMIN:
        return True
    if official.role == OfficialRole.COORDINATOR:
        own = uow.repo.office(official.office_id)
        office = uow.repo.office(case.office_id) if case.office_id else None
        return bool(own and office and own.province_code == office.province_code)
    return case.office_id is not None and case.office_id == official.office_id


def shows_narrative(uow: UnitOfWork, official: Official, case: Case) -> bool:
    """A protection case's words are shown only to the protection office's own caseworkers."""
    if case.kind != CaseKind.PROTECTION:
        return True
    office = uow.repo.office(official.office_id)
    return official.role == OfficialRole.OFFICIAL and office is not None and office.kind == OfficeKind.PROTECTION


def case_buttons(case: Case) -> list:
    """The inline keyboard under a case notification."""
    if case.kind == CaseKind.PROTECTION:
        return [
            [["Accept ✅", f"acc:{case.id}"], ["Next stage ▶", f"nx:{case.id}"]],
            [["Re-route ↪", f"rr:{case.id}"], ["Close ✖", f"cls:{case.id}"]],
        ]
    return [
        [["Accept ✅", f"acc:{case.id}"], ["Schedule 📅", f"sch:{case.id}"]],
        [["Re-route ↪", f"rr:{case.id}"], ["Close ✖", f"cls:{case.id}"]],
    ]


def _say(
    uow: UnitOfWork, official: Official, key: str, body: str, buttons: list | None = None, case_id: int | None = None
) -> int:
    out = outbound.queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=official.telegram_chat_id,
        body=body,
        key=key,
        official_id=official.id,
        case_id=case_id,
        purpose="official_reply",
    )
    if buttons:
        out.buttons = buttons
    return out.id


def handle(uow: UnitOfWork, deps, official: Official, text: str, msg_id: int) -> list[int]:
    """Carry out one command or button press of a linked official. Returns outbound ids."""
    key = f"reply:{msg_id}:0"
    if not official.active:
        return [_say(uow, official, key, replies.render_official("official_inactive"))]
    parts = text.strip().split(":") if re.match(r"^[a-z]{2,4}:\d+", text.strip()) else None
    if parts:
        try:
            return _button(uow, deps, official, parts, key)
        except ValueError:  # forged or mangled button data: a bad number or date
            return [_say(uow, official, key, "That button has expired. Send /cases.")]
    command = text.strip().split()[0].lower() if text.strip() else ""
    if command == "/cases":
        return [_say(uow, official, key, _list_cases(uow, official))]
    if command == "/case":
        return [_say(uow, official, key, _show_case(uow, deps, official, text))]
    if command == "/schedule":
        m = SCHEDULE.match(text.strip())
        if not m:
            return [_say(uow, official, key, "Use: /schedule REF 2026-12-03 09:00 [place]")]
        case = uow.repo.case_by_ref(m.group(1).upper())
        if case is None or not can_act(uow, official, case):
            return [_say(uow, official, key, replies.render_official("official_not_yours"))]
        try:
            local = datetime.strptime(f"{m.group(2)} {m.group(3)}", "%Y-%m-%d %H:%M").replace(tzinfo=deps.policy.tz)
        except ValueError:
            return [_say(uow, official, key, "That date or time does not exist.")]
        return schedule(uow, deps, official, case, local, m.group(4), key)
    if command == "/cancel":
        ref = text.strip().split()[1].upper() if len(text.split()) > 1 else ""
        case = uow.repo.case_by_ref(ref)
        if case is None or not can_act(uow, official, case):
            return [_say(uow, official, key, replies.render_official("official_not_yours"))]
        return cancel_appointment(uow, deps, official, case, key)
    office = uow.repo.office(official.office_id)
    return [
        _say(uow, official, key, replies.render_official("official_help", office=office.name_km if office else "?"))
    ]


def _button(uow, deps, official: Official, parts: list[str], key: str) -> list[int]:
    action, case_id = parts[0], int(parts[1])
    case = uow.repo.case(case_id)
    if case is None or not can_act(uow, official, case):
        log.warning("official %s refused on case id %s", official.id, case_id)
        return [_say(uow, official, key, replies.render_official("official_not_yours"))]
    if case.status not in OPEN_STATUSES:
        return [_say(uow, official, key, f"Case {case.ref} is already closed.")]
    if action == "acc":
        return accept(uow, deps, official, case, key)
    if action == "sch":
        days = deps.policy.working_days(deps.clock())
        rows = [[[_day_label(d, "en"), f"sd:{case.id}:{d:%Y%m%d}"] for d in days[i : i + 3]] for i in (0, 3)]
        return [_say(uow, official, key, f"Case {case.ref}: which day?", rows, case.id)]
    if action == "sd" and len(parts) == 3:
        hours = deps.policy.office_hours
        rows = [[[h, f"st:{case.id}:{parts[2]}:{h.replace(':', '')}"] for h in hours[i : i + 3]] for i in (0, 3)]
        return [_say(uow, official, key, f"Case {case.ref}: what time?", rows, case.id)]
    if action == "st" and len(parts) == 4:
        local = datetime.strptime(parts[2] + parts[3], "%Y%m%d%H%M").replace(tzinfo=deps.policy.tz)
        return schedule(uow, deps, official, case, local, None, key)
    if action == "cls":
        if case.kind == CaseKind.PROTECTION:
            return close_case(uow, deps, official, case, CaseStatus.CLOSED, key)
        rows = [
            [["Resolved", f"out:{case.id}:resolved"], ["Not resolved", f"out:{case.id}:not_resolved"]],
            [["Referred", f"out:{case.id}:referred"]],
        ]
        return [_say(uow, official, key, f"Case {case.ref}: what was the outcome?", rows, case.id)]
    if action == "out" and len(parts) == 3 and parts[2] in set(OUTCOMES):
        return close_case(uow, deps, official, case, CaseStatus(parts[2]), key)
    if action == "nx" and case.kind == CaseKind.PROTECTION:
        return next_stage(uow, deps, official, case, key)
    if action == "rr":
        return _reroute_choices(uow, deps, official, case, key)
    if action == "rrto" and len(parts) == 3:
        office = uow.repo.office(int(parts[2]))
        if office is None or not office.active:
            return [_say(uow, official, key, "That office is not active.")]
        outbound = cases.reroute(uow, deps, case, office, actor=f"official:{official.id}")
        return outbound + [_say(uow, official, key, f"Case {case.ref} re-routed to {office.name_en}.")]
    return [_say(uow, official, key, "That button has expired. Send /cases.")]


def accept(uow: UnitOfWork, deps, official: Official, case: Case, key: str) -> list[int]:
    """One official accepts; the others of the office see who did."""
    if case.accepted_by:
        who = uow.repo.official(case.accepted_by)
        return [_say(uow, official, key, f"Case {case.ref} was already accepted by {who.name if who else '?'}.")]
    uow.repo.add(case.accept(official.id, deps.clock()))
    log.info("case %s accepted by official %s", case.ref, official.id)
    ids = [_say(uow, official, key, f"You accepted case {case.ref}.", case_buttons(case), case.id)]
    return ids + outbound.notify_officials(
        uow,
        uow.repo.linked_officials(case.office_id),
        body=f"Case {case.ref} was accepted by {official.name}.",
        key_prefix=f"accepted:{case.id}",
        case_id=case.id,
        purpose="official_reply",
        exclude=official.id,
    )


def schedule(
    uow: UnitOfWork, deps, official: Official, case: Case, local: datetime, place: str | None, key: str
) -> list[int]:
    """Set (or move) the mediation session, tell the citizen by SMS and plan the reminders."""
    starts_at = local.astimezone(utcnow().tzinfo)
    if starts_at <= deps.clock():
        return [_say(uow, official, key, "That time has already passed.")]
    if case.kind != CaseKind.DISPUTE:
        return [_say(uow, official, key, "Sessions are scheduled for disputes only.")]
    office = uow.repo.office(case.office_id)
    contact = uow.repo.contact(case.contact_id)
    earlier = uow.repo.appointments_of(case.id)
    moved = any(a.status == AppointmentStatus.SCHEDULED for a in earlier)
    appointment = Appointment(
        case_id=case.id, starts_at=starts_at, place=place or office.name(contact.language), created_by=official.id
    )
    uow.repo.add(appointment)
    uow.repo.flush()
    uow.repo.add(case.schedule(official.id, appointment, earlier, deps.clock()))
    text = replies.render(
        "appointment_moved" if moved else "appointment",
        contact.language,
        ref=case.ref,
        when=when_text(deps, starts_at, contact.language),
        place=appointment.place,
    )
    ids = cases.message_citizen(
        uow,
        deps,
        case,
        text,
        f"appointment:{appointment.id}",
        purpose="appointment",
        awaiting=("awaiting_appointment_answer", {"appointment_id": appointment.id}),
    )
    if case.other_party_phone and not moved:
        # The other party, when the person gave their number: a neutral invitation in both languages.
        invite = "\n".join(
            replies.render(
                "invitation",
                lang,
                ref=case.ref,
                office=office.name(lang),
                when=when_text(deps, starts_at, lang),
                place=appointment.place,
            )
            for lang in ("km", "en")
        )
        # They may already know us: their STOP and "not safe to text" hold for an invitation too.
        other = cases.contact_for(uow, Channel.SMS, case.other_party_phone, "km")
        out = outbound.queue_message(
            uow,
            channel=Channel.SMS,
            address=case.other_party_phone,
            body=invite,
            key=f"invitation:{appointment.id}",
            case_id=case.id,
            purpose="invitation",
            contact=other,
        )
        uow.repo.add(
            case.event(
                "other_party_invited",
                f"official:{official.id}",
                deps.clock(),
                appointment_id=appointment.id,
                sent=out.status == OutboundStatus.QUEUED,
            )
        )
        if out.status == OutboundStatus.QUEUED:
            ids.append(out.id)
            # Their 1 / 2 answer reaches the office like the citizen's; a conversation of their own
            # that is under way (their own case, a safety question) is never taken over.
            conversation = uow.repo.conversation(other.id)
            if conversation is None:
                conversation = Conversation(contact_id=other.id)
                uow.repo.add(conversation)
            if conversation.state == "idle":
                conversation.state = "awaiting_appointment_answer"
                conversation.data = {"appointment_id": appointment.id, "party": "other_party"}
                conversation.updated_at = deps.clock()
    for hours in deps.policy.reminder_hours:
        due = starts_at - timedelta(hours=hours)
        if due > deps.clock():
            uow.later.append(("worker.jobs.remind", (appointment.id, starts_at.isoformat(), hours), due))
    confirm = (
        f"Case {case.ref}: session {when_text(deps, starts_at, 'en')} at {appointment.place}. "
        f"The citizen has been told{'' if ids else ' (they cannot receive SMS: call them)'}."
    )
    return ids + [_say(uow, official, key, confirm, case_id=case.id)]


def cancel_appointment(uow: UnitOfWork, deps, official: Official, case: Case, key: str) -> list[int]:
    """Cancel the scheduled session and tell the citizen."""
    current = [a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED]
    if not current:
        return [_say(uow, official, key, f"Case {case.ref} has no session scheduled.")]
    contact = uow.repo.contact(case.contact_id)
    for event in case.cancel_sessions(official.id, current, deps.clock()):
        uow.repo.add(event)
    text = replies.render(
        "appointment_cancelled",
        contact.language,
        ref=case.ref,
        when=when_text(deps, current[0].starts_at, contact.language),
    )
    ids = cases.message_citizen(uow, deps, case, text, f"appointment-cancel:{current[0].id}", purpose="appointment")
    return ids + [_say(uow, official, key, f"Session for case {case.ref} cancelled; the citizen was told.")]


def close_case(uow: UnitOfWork, deps, official: Official, case: Case, outcome: CaseStatus, key: str) -> list[int]:
    """Record the outcome; disputes get a follow-up question a few days later."""
    uow.repo.add(case.close(outcome, official.id, uow.repo.appointments_of(case.id), deps.clock()))
    if case.kind == CaseKind.DISPUTE:
        due = deps.clock() + timedelta(days=deps.policy.dispute_follow_up_days)
        uow.later.append(("worker.jobs.follow_up", (case.id,), due))
    return [_say(uow, official, key, f"Case {case.ref}: {outcome.replace('_', ' ')} recorded.")]


def next_stage(uow: UnitOfWork, deps, official: Official, case: Case, key: str) -> list[int]:
    """Move a protection case to the next coordinated case management stage."""
    uow.repo.add(case.advance_stage(official.id, deps.clock()))
    nxt = case.status
    if nxt == CaseStatus.REINTEGRATION_FOLLOW_UP:
        for days in deps.policy.protection_follow_up_days:
            uow.later.append(("worker.jobs.check_in", (case.id, days), deps.clock() + timedelta(days=days)))
    return [_say(uow, official, key, f"Case {case.ref}: stage {nxt.replace('_', ' ')}.", case_buttons(case), case.id)]


def _reroute_choices(uow, deps, official: Official, case: Case, key: str) -> list[int]:
    current = uow.repo.office(case.office_id)
    kind = current.kind if current else (OfficeKind.PROTECTION if case.kind == CaseKind.PROTECTION else OfficeKind.JSC)
    origin = (current.lat, current.lon) if current else None
    others = [o for o in uow.repo.offices(kind) if o.id != case.office_id]
    if origin:
        others.sort(key=lambda o: great_circle_km(origin, (o.lat, o.lon)))
    rows = [[[o.name_en[:40], f"rrto:{case.id}:{o.id}"]] for o in others[:4]]
    return [_say(uow, official, key, f"Case {case.ref}: re-route to which office?", rows, case.id)]


def _list_cases(uow: UnitOfWork, official: Official) -> str:
    cases = [c for c in uow.repo.open_cases() if can_act(uow, official, c)]
    if not cases:
        return "No open cases."
    now = utcnow()
    lines = ["Open cases, oldest first:"]
    for c in sorted(cases, key=lambda c: c.created_at)[:30]:
        days = (now - c.created_at).days
        lines.append(f"{c.ref} · {c.kind}{' · URGENT' if c.urgent else ''} · {c.status.replace('_', ' ')} · {days} d")
    return "\n".join(lines)


def _show_case(uow: UnitOfWork, deps, official: Official, text: str) -> str:
    words = text.split()
    case = uow.repo.case_by_ref(words[1].upper()) if len(words) > 1 else None
    if case is None or not can_act(uow, official, case):
        return replies.render_official("official_not_yours")
    office = uow.repo.office(case.office_id) if case.office_id else None
    lines = [
        f"Case {case.ref} · {case.kind}{' · URGENT' if case.urgent else ''} · {case.status.replace('_', ' ')}",
        f"Office: {office.name_en if office else '-'} ({case.routing_reason or '-'})",
    ]
    if shows_narrative(uow, official, case):
        if case.summary:
            lines.append(f"Story: {case.summary[:600]}")
        if case.details:
            lines.append(f"Details: {case.details[:400]}")
    lines.append("Timeline:")
    for e in uow.repo.case_events(case.id):
        lines.append(f"  {deps.policy.local(e.at):%d/%m %H:%M} {e.type} ({e.actor})")
    return "\n".join(lines)


def _day_label(day: datetime, lang: str) -> str:
    return f"{WEEKDAYS[lang][day.weekday()]} {day:%d/%m}"


def when_text(deps, moment: datetime, lang: str) -> str:
    """'Wed 03/12 09:00' on Cambodian clocks, weekday in the reader's language."""
    local = deps.policy.local(moment)
    return f"{WEEKDAYS['en' if lang == 'en' else 'km'][local.weekday()]} {local:%d/%m %H:%M}"
