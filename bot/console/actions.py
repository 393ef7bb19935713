"""What the console does to a case, through the same service functions as the Telegram buttons,
so that both channels stay consistent: the citizen gets the same SMS, the same jobs are planned,
the same events are written, and the office's linked officials see on Telegram what was done."""

from __future__ import annotations

import uuid
from datetime import datetime

from intake import cases, officials, replies
from intake.model import OPEN_STATUSES, OUTCOMES, AppointmentStatus, Case, CaseKind, CaseStatus, Office, Official
from intake.outbound import queue_message
from intake.routing import great_circle_km
from intake.unit_of_work import UnitOfWork

# What the office's other officials read on Telegram after a console action (Khmer, then English).
DONE = {
    "accept": ("បានទទួលយក", "accepted"),
    "schedule": ("បានកំណត់ពេលជួប", "session set"),
    "cancel": ("បានលុបពេលជួប", "session cancelled"),
    "close": ("បានបិទ", "closed"),
    "next_stage": ("ដំណាក់កាលបន្ទាប់", "moved to the next stage"),
    "reroute": ("បានបញ្ជូនទៅការិយាល័យផ្សេង", "re-routed"),
}


def available(case: Case, has_session: bool) -> set[str]:
    """The actions that make sense for the case's state."""
    if case.status not in OPEN_STATUSES:
        return set()
    out = {"close", "reroute"}
    if not case.accepted_by:
        out.add("accept")
    if case.kind == CaseKind.DISPUTE:
        out.add("schedule")
        if has_session:
            out.add("cancel")
    else:
        out.add("next_stage")
    return out


def nearest_offices(uow: UnitOfWork, case: Case, limit: int = 4) -> list[tuple[Office, float | None]]:
    """Other active offices of the same kind, nearest to the current one first."""
    current = uow.repo.office(case.office_id) if case.office_id else None
    kind = current.kind if current else ("protection" if case.kind == CaseKind.PROTECTION else "jsc")
    others = [o for o in uow.repo.offices(kind) if o.id != case.office_id]
    if current is None:
        return [(o, None) for o in others[:limit]]
    scored = [(o, great_circle_km((current.lat, current.lon), (o.lat, o.lon))) for o in others]
    scored.sort(key=lambda pair: (pair[1], pair[0].code))
    return scored[:limit]


def _ids(values) -> list[int]:
    return [v for v in values if v is not None]


def _tell_office(uow: UnitOfWork, case: Case, actor: Official, action: str, key: str) -> list[int]:
    km, en = DONE[action]
    body = replies.render_official("official_console_action", ref=case.ref, what_km=km, what=en, name=actor.name)
    ids = []
    for other in uow.repo.linked_officials(case.office_id):
        if other.id == actor.id:
            continue
        ids.append(
            queue_message(
                uow,
                channel="telegram",
                address=other.telegram_chat_id,
                body=body,
                key=f"{key}:office:{other.id}",
                official_id=other.id,
                case_id=case.id,
                purpose="case_notification",
            ).id
        )
    return ids


def perform(uow: UnitOfWork, deps, actor: Official, case: Case, action: str, **form) -> tuple[list[int], str | None]:
    """Carry out one console action. Returns the outbound ids to dispatch after commit and an
    error key (None when done). The caller checked that `actor` may see the case."""
    key = f"console:{action}:{case.id}:{uuid.uuid4().hex[:12]}"
    appointments = uow.repo.appointments_of(case.id)
    has_session = any(a.status == AppointmentStatus.SCHEDULED for a in appointments)
    if action not in available(case, has_session):
        return [], "error_not_now"
    office_before = case.office_id
    if action == "accept":
        ids = officials.accept(uow, deps, actor, case, key)
        # accept() itself tells the office's other officials who took it.
        return _ids(ids), None
    if action == "schedule":
        local: datetime | None = form.get("local")
        if local is None:
            return [], "error_when"
        if local.astimezone(deps.policy.tz) <= deps.clock():
            return [], "error_past"
        ids = officials.schedule(uow, deps, actor, case, local, form.get("place") or None, key)
    elif action == "cancel":
        ids = officials.cancel_appointment(uow, deps, actor, case, key)
    elif action == "close":
        if case.kind == CaseKind.PROTECTION:
            outcome = CaseStatus.CLOSED
        elif form.get("outcome") in {str(o) for o in OUTCOMES}:
            outcome = CaseStatus(form["outcome"])
        else:
            return [], "error_outcome"
        ids = officials.close_case(uow, deps, actor, case, outcome, key)
    elif action == "next_stage":
        ids = officials.next_stage(uow, deps, actor, case, key)
    elif action == "reroute":
        target = form.get("office")
        choices = {o.code: o for o, _ in nearest_offices(uow, case, limit=50)}
        if target not in choices:
            return [], "error_office"
        # The office the case leaves is told too (the new one gets the case notification).
        ids = _tell_office(uow, case, actor, action, key)
        ids += cases.reroute(uow, deps, case, choices[target], actor=f"official:{actor.id}", reason="re-routed")
        return _ids(ids), None
    else:
        return [], "error_not_now"
    assert case.office_id == office_before
    return _ids(ids) + _tell_office(uow, case, actor, action, key), None
