"""What the console does to a case: the case actions of `intake.cases`, the very functions the
Telegram buttons call, so that both front ends stay consistent — the citizen gets the same SMS,
the same jobs are planned, the same events are written. Then the office's Telegram hears what was
done: the acting official (as if they had pressed the button) and their linked colleagues."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from intake import cases, replies
from intake.model import (
    OPEN_STATUSES,
    OUTCOMES,
    AppointmentStatus,
    Case,
    CaseKind,
    CaseStatus,
    Office,
    Official,
    Purpose,
)
from intake.outbound import notify_officials
from intake.routing import great_circle_km
from intake.unit_of_work import UnitOfWork

# What the office's colleagues read on Telegram after a console action (Khmer, then English).
# Accepting is announced by `cases.accept_case` itself.
DONE = {
    "accept": ("បានទទួលយក", "accepted"),
    "schedule": ("បានកំណត់ពេលជួប", "session set"),
    "cancel": ("បានលុបពេលជួប", "session cancelled"),
    "close": ("បានបិទ", "closed"),
    "next_stage": ("ដំណាក់កាលបន្ទាប់", "moved to the next stage"),
    "reroute": ("បានបញ្ជូនទៅការិយាល័យផ្សេង", "re-routed"),
}
# Writing to the person and adding a note fit any state (as `/msg` and `/note` on Telegram), and
# announce themselves to the office (`official_change_message`, `official_change_note`).
WRITES = {"message", "note"}
NAMES = set(DONE) | WRITES
# Answers of the case actions that mean nothing was done (shown to the console user as an error).
REFUSALS = {
    "official_not_yours",
    "official_already_accepted",
    "official_time_passed",
    "official_disputes_only",
    "official_no_session",
    "official_office_inactive",
    "official_msg_refused_stop",
    "official_msg_refused_unsafe",
    "official_msg_refused_discreet",
    "official_msg_no_channel",
    "official_msg_usage",
    "official_msg_too_long",
    "official_note_usage",
}
NONCE = re.compile(r"[A-Za-z0-9_-]{8,40}")


@dataclass(frozen=True)
class Done:
    """An action's outcome: the outbound ids to dispatch after commit, and what to tell the
    console user (an error key of the console's catalogue, or the action's own answer)."""

    outbound: list[int]
    error: str | None = None
    answer: tuple[str, dict] | None = None


@dataclass(frozen=True)
class Writing:
    """What the case page offers for writing to the person: a free text (`free`), or only the
    `discreet` messages of a protection case (name, label, the exact text the person gets), or
    nothing and why (`refusal`, an official template). None from `writing()`: not this viewer's
    to write (a protection case for anyone but its caseworkers)."""

    free: bool
    discreet: list[tuple[str, str, str]]
    refusal: str | None = None  # stop, unsafe, no_channel
    signature: str = ""  # how a free text is signed: the office's name in the person's language


WRITING_REFUSED = {
    "official_msg_refused_stop": "stop",
    "official_msg_refused_unsafe": "unsafe",
    "official_msg_no_channel": "no_channel",
}


def writing(uow: UnitOfWork, actor: Official, case: Case, lang: str) -> Writing | None:
    """The message form the case page shows `actor`, by the rules of `cases.message_options`."""
    options = cases.message_options(uow, actor, case)
    if options is not None and options.reply == "official_not_yours":
        return None
    contact = uow.repo.contact(case.contact_id)
    office = uow.repo.office(case.office_id) if case.office_id else uow.repo.office(actor.office_id)
    if options is None:
        return Writing(True, [], signature=office.name(contact.language) if office else "")
    if not options.choices:
        return Writing(False, [], WRITING_REFUSED.get(options.reply, "unsafe"))
    phone = office.phone if office else ""
    return Writing(
        False,
        [
            (
                name,
                replies.TEMPLATES[f"official_button_{name}"]["km" if lang == "km" else "en"],
                replies.render(name, contact.language, phone=phone),
            )
            for name in options.choices
        ],
    )


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


def nearest_offices(uow: UnitOfWork, case: Case) -> list[tuple[Office, float | None]]:
    """The offices a case may be re-routed to (as on Telegram), with their distance in km."""
    current = uow.repo.office(case.office_id) if case.office_id else None
    return [
        (o, great_circle_km((current.lat, current.lon), (o.lat, o.lon)) if current else None)
        for o in cases.reroute_options(uow, case)
    ]


def perform(uow: UnitOfWork, deps, actor: Official, case: Case, action: str, **form) -> Done:
    """Carry out one console action through `intake.cases`. The caller checked that `actor` may
    see the case; the case functions check again that they may act on it."""
    appointments = uow.repo.appointments_of(case.id)
    has_session = any(a.status == AppointmentStatus.SCHEDULED for a in appointments)
    if action not in WRITES and action not in available(case, has_session):
        return Done([], "error_not_now")
    nonce = form.get("nonce") or ""
    key = f"console:{action}:{case.id}:{nonce if NONCE.fullmatch(nonce) else uuid.uuid4().hex[:12]}"
    office_before = case.office_id
    call: Callable[[], cases.ActionResult]
    if action == "message":
        # The form's nonce makes a double click one message, not two.
        if uow.repo.outbound_by_key(f"office-msg:{key}") is not None:
            return Done([], "error_sent_already")
        discreet = form.get("discreet") if form.get("discreet") in cases.DISCREET else None
        text = None if discreet else (form.get("text") or "")
        call = lambda: cases.message_person(uow, deps, actor, case, key, text=text, discreet=discreet)  # noqa: E731
    elif action == "note":
        call = lambda: cases.add_note(uow, deps, actor, case, form.get("text") or "")  # noqa: E731
    elif action == "accept":
        call = lambda: cases.accept_case(uow, deps, actor, case)  # noqa: E731
    elif action == "schedule":
        local: datetime | None = form.get("local")
        if local is None:
            return Done([], "error_when")
        call = lambda: cases.schedule_session(uow, deps, actor, case, local, form.get("place") or None)  # noqa: E731
    elif action == "cancel":
        call = lambda: cases.cancel_session(uow, deps, actor, case)  # noqa: E731
    elif action == "close":
        if case.kind == CaseKind.PROTECTION:
            outcome = CaseStatus.CLOSED
        elif form.get("outcome") in {str(o) for o in OUTCOMES}:
            outcome = CaseStatus(form["outcome"])
        else:
            return Done([], "error_outcome")
        call = lambda: cases.close_case(uow, deps, actor, case, outcome)  # noqa: E731
    elif action == "next_stage":
        call = lambda: cases.advance_stage(uow, deps, actor, case)  # noqa: E731
    elif action == "reroute":
        target = {o.code: o for o, _ in nearest_offices(uow, case)}.get(form.get("office") or "")
        if target is None:
            return Done([], "error_office")
        office_id = target.id
        call = lambda: cases.reroute_case(uow, deps, actor, case, office_id)  # noqa: E731
    else:
        return Done([], "error_not_now")
    # The colleagues of the office the case was in, before it moves (a re-route tells the new one).
    colleagues = uow.repo.linked_officials(office_before) if office_before else []
    result = call()
    if result.reply in REFUSALS:
        return Done([], "error_refused", (result.reply, result.params))
    ids = list(result.outbound)
    # The acting official's own Telegram shows the answer a button press would have given.
    ids += notify_officials(
        uow,
        [actor] if actor.telegram_chat_id else [],
        body=replies.render_official(result.reply, **result.params),
        key_prefix=f"{key}:actor",
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    if action != "accept" and action not in WRITES:
        km, en = DONE[action]
        ids += notify_officials(
            uow,
            colleagues,
            body=replies.render_official("official_console_action", ref=case.ref, what_km=km, what=en, name=actor.name),
            key_prefix=f"{key}:office",
            case_id=case.id,
            purpose=Purpose.CASE_NOTIFICATION,
            exclude=actor.id,
        )
    return Done(ids, None, (result.reply, result.params))
