"""Cases: opening, routing to an office, telling its officials, escalating what nobody accepts,
what officials do to a case (accept, schedule, cancel, close, next stage, re-route: the same
functions for Telegram and any other front end), and the messages the workflow starts
(appointments, reminders, follow-ups, check-ins)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from intake import dialogue, job_names, replies
from intake.deps import IntakeDeps
from intake.model import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    Conversation,
    Identity,
    Message,
    Office,
    OfficeKind,
    Official,
    OfficialRole,
    OutboundStatus,
    Purpose,
    new_case_ref,
)
from intake.outbound import notify_officials, queue_message, reply_to
from intake.routing import great_circle_km, route
from intake.unit_of_work import UnitOfWork
from nlu.types import Location

log = logging.getLogger(__name__)


def contact_for(uow: UnitOfWork, channel: str, address: str, language: str) -> Contact:
    """The contact behind a channel address, created (with the identity) on first contact."""
    identity = uow.repo.identity(channel, address)
    if identity:
        contact = uow.repo.contact(identity.contact_id)
        assert contact is not None
        return contact
    contact = Contact(language=language)
    uow.repo.add(contact)
    uow.repo.flush()
    uow.repo.add(Identity(channel=channel, address=address, contact_id=contact.id))
    uow.repo.flush()
    return contact


def _unique_ref(uow: UnitOfWork) -> str:
    for _ in range(20):
        ref = new_case_ref()
        if uow.repo.case_by_ref(ref) is None:
            return ref
    raise RuntimeError("could not find a free case reference")


def open_case(
    uow: UnitOfWork,
    deps: IntakeDeps,
    contact: Contact,
    action: dialogue.OpenCase,
    inbound: Message,
    written_in: str | None = None,
) -> tuple[Case, list[int]]:
    """Open a case from the dialogue's decision, route it, tell the office, answer the citizen.
    `written_in` (km, km-Latn, en) is the script of the first message, kept for the reports."""
    loc: Location = action.location
    now = deps.clock()
    case = Case(
        ref=_unique_ref(uow),
        kind=action.kind,
        status=CaseStatus.RECEIVED,
        contact_id=contact.id,
        language=contact.language,
        urgent=action.urgent,
        province_code=loc.province_code,
        district_code=loc.district_code,
        commune_code=loc.commune_code,
        summary=action.summary,
        details=action.details or None,
        other_party_phone=action.other_party_phone,
        created_at=now,
        updated_at=now,
    )
    uow.repo.add(case)
    uow.repo.flush()
    uow.repo.add(
        case.event("opened", "citizen", now, channel=inbound.channel, message_id=inbound.id, written_in=written_in)
    )
    inbound.case_id = case.id
    log.info("case %s opened (%s%s)", case.ref, case.kind, ", urgent" if case.urgent else "")
    if case.kind == CaseKind.PROTECTION and not case.province_code:
        # Urgent and no place yet: the national duty desk hears of it now, not when the
        # conversation ends.
        outbound = notify_duty_desk(uow, deps, case)
        return case, outbound
    outbound = route_case(uow, deps, case, actor="system")
    return case, outbound + confirm_case(uow, inbound, contact, case, action.then_ask)


def confirm_case(uow: UnitOfWork, inbound: Message, contact: Contact, case: Case, then_ask: str | None) -> list[int]:
    """Tell the citizen their reference and which office has it (and ask the next question)."""
    lang = contact.language
    office = uow.repo.office(case.office_id) if case.office_id else None
    if office is None:
        text = replies.render("no_office", lang, ref=case.ref)
    elif case.kind == CaseKind.PROTECTION:
        text = replies.render("protection_opened", lang, ref=case.ref, office=office.name(lang))
    else:
        text = replies.render("dispute_opened", lang, ref=case.ref, office=office.name(lang))
    if then_ask:
        text = f"{text} {replies.render(then_ask, lang)}"
    ids = reply_to(uow, inbound, contact, text, f"case-confirmed:{case.id}:{case.office_id}")
    for message_id in ids:  # the confirmation is part of what the case costs (the SMS reports)
        uow.repo.message(message_id).case_id = case.id
    return ids


def notify_duty_desk(uow: UnitOfWork, deps: IntakeDeps, case: Case) -> list[int]:
    """Tell the active admins (the national duty desk) about an urgent case with no place yet."""
    ids = notify_officials(
        uow,
        uow.repo.officials_with_role(OfficialRole.ADMIN),
        body=replies.render_official("official_unplaced_protection", ref=case.ref),
        key_prefix=f"duty:{case.id}",
        case_id=case.id,
        urgent=True,
    )
    uow.repo.add(case.event("duty_desk_notified", "system", deps.clock(), officials=len(ids)))
    log.warning("urgent case %s has no place yet; %s duty officials told", case.ref, len(ids))
    return ids


def route_case(uow: UnitOfWork, deps: IntakeDeps, case: Case, actor: str, reason_prefix: str = "") -> list[int]:
    """Route a case to its office and queue the officials' notifications."""
    decision = route(
        case.kind,
        province_code=case.province_code,
        district_code=case.district_code,
        commune_code=case.commune_code,
        offices=uow.repo.offices(),
        centroid=deps.places.centroid,
        place_name=lambda code: deps.places.name(code, "en"),
    )
    now = deps.clock()
    if decision is None:
        uow.repo.add(case.event("unrouted", actor, now, reason="no office of this kind or no place"))
        log.warning("case %s could not be routed", case.ref)
        return []
    uow.repo.add(case.route(decision.office, reason_prefix + decision.reason, decision.distance_km, actor, now))
    log.info("case %s routed to %s (%s)", case.ref, decision.office.code, decision.reason)
    schedule_escalation(uow, deps, case, 1)
    return notify_office(uow, deps, case)


def _place_line(deps: IntakeDeps, case: Case, language: str = "en") -> str:
    code = case.commune_code or case.district_code or case.province_code
    if not code:
        return "?"
    parts = [deps.places.name(code, language)]
    if case.province_code and code != case.province_code:
        parts.append(deps.places.name(case.province_code, language))
    return (", " if language == "en" else " ").join(parts)


def notify_office(uow: UnitOfWork, deps: IntakeDeps, case: Case) -> list[int]:
    """Tell every linked official of the case's office. Protection cases carry no narrative."""
    place, place_km = _place_line(deps, case), _place_line(deps, case, "km")
    if case.kind == CaseKind.PROTECTION:
        body = replies.render_official(
            "official_new_protection",
            ref=case.ref,
            place=place,
            place_km=place_km,
            reason=case.routing_reason,
            urgent="URGENT / បន្ទាន់: " if case.urgent else "",
        )
    else:
        summary = "\n".join(p for p in ((case.summary or "")[:600], (case.details or "")[:400]) if p)
        body = replies.render_official(
            "official_new_dispute",
            ref=case.ref,
            place=place,
            place_km=place_km,
            reason=case.routing_reason,
            summary=summary,
        )
    return notify_officials(
        uow,
        uow.repo.linked_officials(case.office_id),
        body=body,
        key_prefix=f"notify:{case.id}:{case.office_id}",
        case_id=case.id,
        urgent=case.urgent,
        buttons=replies.case_buttons(case),
    )


def schedule_escalation(uow: UnitOfWork, deps: IntakeDeps, case: Case, level: int) -> None:
    """Check back later whether the case was accepted (minutes for urgent cases, hours else)."""
    wait = deps.policy.escalate_urgent_after if case.urgent else deps.policy.escalate_dispute_after
    uow.later.append((job_names.ESCALATE, (case.id, level, case.office_id), deps.clock() + wait))


def escalate(uow: UnitOfWork, deps: IntakeDeps, case_id: int, level: int, office_id: int | None) -> list[int]:
    """A case nobody accepted: remind the office, then tell the province's coordinators, then
    send it to the next nearest office. Each step is an event; nothing happens if the case was
    accepted, closed or moved meanwhile."""
    case = uow.repo.case(case_id)
    if case is None or case.accepted_by or case.status not in (CaseStatus.ROUTED,) or case.office_id != office_id:
        return []
    case.escalate(level)
    now = deps.clock()
    if level == 1:
        ids = notify_officials(
            uow,
            uow.repo.linked_officials(case.office_id),
            body=replies.render_official("official_reminder", ref=case.ref),
            key_prefix=f"escalate:{case.id}:{office_id}:1",
            case_id=case.id,
            urgent=case.urgent,
        )
        uow.repo.add(case.event("escalation_reminder", "system", now, officials=len(ids)))
        schedule_escalation(uow, deps, case, 2)
        return ids
    if level == 2:
        office = uow.repo.office(case.office_id)
        coordinators = uow.repo.officials_of_province(office.province_code, OfficialRole.COORDINATOR) if office else []
        ids = notify_officials(
            uow,
            coordinators,
            body=replies.render_official("official_escalated", ref=case.ref, office=office.name_en if office else "?"),
            key_prefix=f"escalate:{case.id}:{office_id}:2",
            case_id=case.id,
            urgent=case.urgent,
            buttons=replies.case_buttons(case),
        )
        uow.repo.add(case.event("escalated_to_coordinator", "system", now, coordinators=len(ids)))
        schedule_escalation(uow, deps, case, 3)
        return ids
    # level 3: the next nearest office of the same kind
    current = uow.repo.office(case.office_id)
    others = [o for o in uow.repo.offices(current.kind if current else None) if o.id != case.office_id]
    if not others or current is None:
        uow.repo.add(case.event("escalation_exhausted", "system", now))
        return []
    nearest = min(others, key=lambda o: (great_circle_km((current.lat, current.lon), (o.lat, o.lon)), o.code))
    return reroute(uow, deps, case, nearest, actor="system", reason="escalated: not accepted")


def reroute(uow: UnitOfWork, deps: IntakeDeps, case: Case, office, actor: str, reason: str = "re-routed") -> list[int]:
    """Move a case to another office, with the reason, and tell that office."""
    uow.repo.add(case.reroute(office, reason, actor, deps.clock()))
    log.info("case %s re-routed to %s (%s)", case.ref, office.code, reason)
    schedule_escalation(uow, deps, case, 1)
    return notify_office(uow, deps, case)


def message_citizen(
    uow: UnitOfWork,
    deps: IntakeDeps,
    case: Case,
    text: str,
    key: str,
    purpose: str,
    awaiting: tuple[str, dict] | None = None,
) -> list[int]:
    """Send the case's citizen a message we start (appointment, reminder, follow-up) on the channel
    they used first; respects opt-out and "not safe to text". `awaiting` sets the conversation to
    expect their 1/2 answer."""
    contact = uow.repo.contact(case.contact_id)
    identities = uow.repo.identities_of(contact.id)
    if not identities:
        return []
    identity = identities[0]
    out = queue_message(
        uow,
        channel=identity.channel,
        address=identity.address,
        body=text,
        key=key,
        contact=contact,
        case_id=case.id,
        purpose=purpose,
        urgent=False,
    )
    if out.status != OutboundStatus.QUEUED:
        uow.repo.add(case.event("message_withheld", "system", deps.clock(), purpose=purpose))
        return []
    if awaiting:
        conversation = uow.repo.conversation(contact.id)
        if conversation is None:
            conversation = Conversation(contact_id=contact.id)
            uow.repo.add(conversation)
        conversation.state, conversation.data = awaiting[0], awaiting[1]
        conversation.updated_at = deps.clock()
    return [out.id]


def remind(uow: UnitOfWork, deps: IntakeDeps, appointment_id: int, starts_at_iso: str, hours: int) -> list[int]:
    """The reminder before a session, only if that session still stands at that time."""
    appointment = uow.repo.appointment(appointment_id)
    if (
        appointment is None
        or appointment.status != AppointmentStatus.SCHEDULED
        or appointment.starts_at.isoformat() != starts_at_iso
    ):
        return []
    case = uow.repo.case(appointment.case_id)
    contact = uow.repo.contact(case.contact_id)
    text = replies.render(
        "reminder",
        contact.language,
        ref=case.ref,
        place=appointment.place,
        when=replies.when_text(deps.policy, appointment.starts_at, contact.language),
    )
    ids = message_citizen(uow, deps, case, text, f"reminder:{appointment.id}:{hours}", purpose=Purpose.REMINDER)
    if ids:
        uow.repo.add(case.event("reminder_sent", "system", deps.clock(), hours_before=hours))
    return ids


def follow_up(uow: UnitOfWork, deps: IntakeDeps, case_id: int) -> list[int]:
    """A few days after the session: was the dispute settled? (1 yes 2 no)."""
    case = uow.repo.case(case_id)
    if (
        case is None
        or case.follow_up_answer
        or case.status not in (CaseStatus.RESOLVED, CaseStatus.NOT_RESOLVED, CaseStatus.REFERRED)
    ):
        return []
    contact = uow.repo.contact(case.contact_id)
    text = replies.render("follow_up", contact.language, ref=case.ref)
    ids = message_citizen(
        uow,
        deps,
        case,
        text,
        f"follow-up:{case.id}",
        purpose=Purpose.FOLLOW_UP,
        awaiting=(dialogue.AWAITING_FOLLOW_UP, {"case_id": case.id}),
    )
    if ids:
        uow.repo.add(case.event("follow_up_sent", "system", deps.clock()))
    return ids


def check_in(uow: UnitOfWork, deps: IntakeDeps, case_id: int, days: int) -> list[int]:
    """A discreet check-in on a protection case (wording agreed at intake names nothing)."""
    case = uow.repo.case(case_id)
    if case is None or case.status in (CaseStatus.CLOSED, CaseStatus.EVALUATED):
        return []
    contact = uow.repo.contact(case.contact_id)
    ids = message_citizen(
        uow,
        deps,
        case,
        replies.render("check_in", contact.language),
        f"check-in:{case.id}:{days}",
        purpose=Purpose.CHECK_IN,
        awaiting=(dialogue.AWAITING_CHECK_IN, {"case_id": case.id}),
    )
    if ids:
        uow.repo.add(case.event("check_in_sent", "system", deps.clock(), day=days))
    return ids


# What officials do to a case: the same functions serve Telegram (`intake.officials`) and any
# other front end. Each checks that the official may act on the case, changes it through the
# model's transitions, queues what others must hear, and returns what to tell the official.


@dataclass(frozen=True)
class ActionResult:
    """What an official's action did: the messages queued for others (the citizen, colleagues),
    and the official template (`reply`, `params`) that tells the acting official the result;
    `show_case_buttons` when the case's buttons belong under that answer."""

    outbound: list[int]
    reply: str
    params: dict = field(default_factory=dict)
    show_case_buttons: bool = False


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


NOT_YOURS = ActionResult([], "official_not_yours")


def accept_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case) -> ActionResult:
    """One official accepts; the others of the office hear who did."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    if case.accepted_by:
        who = uow.repo.official(case.accepted_by)
        return ActionResult([], "official_already_accepted", {"ref": case.ref, "name": who.name if who else "?"})
    uow.repo.add(case.accept(official.id, deps.clock()))
    log.info("case %s accepted by official %s", case.ref, official.id)
    told = notify_officials(
        uow,
        uow.repo.linked_officials(case.office_id),
        body=replies.render_official("official_accepted_by", ref=case.ref, name=official.name),
        key_prefix=f"accepted:{case.id}",
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
        exclude=official.id,
    )
    return ActionResult(told, "official_you_accepted", {"ref": case.ref}, show_case_buttons=True)


def schedule_session(
    uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, local: datetime, place: str | None
) -> ActionResult:
    """Set (or move) the mediation session at `local` (an aware time), tell the citizen, invite
    the other party when the person gave their number, and plan the reminders."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    now = deps.clock()
    starts_at = local.astimezone(UTC)
    if starts_at <= now:
        return ActionResult([], "official_time_passed")
    if case.kind != CaseKind.DISPUTE:
        return ActionResult([], "official_disputes_only")
    office = uow.repo.office(case.office_id)
    contact = uow.repo.contact(case.contact_id)
    earlier = uow.repo.appointments_of(case.id)
    moved = any(a.status == AppointmentStatus.SCHEDULED for a in earlier)
    appointment = Appointment(
        case_id=case.id, starts_at=starts_at, place=place or office.name(contact.language), created_by=official.id
    )
    uow.repo.add(appointment)
    uow.repo.flush()
    uow.repo.add(case.schedule(official.id, appointment, earlier, now))
    text = replies.render(
        "appointment_moved" if moved else "appointment",
        contact.language,
        ref=case.ref,
        when=replies.when_text(deps.policy, starts_at, contact.language),
        place=appointment.place,
    )
    ids = message_citizen(
        uow,
        deps,
        case,
        text,
        f"appointment:{appointment.id}",
        purpose=Purpose.APPOINTMENT,
        awaiting=(dialogue.AWAITING_APPOINTMENT_ANSWER, {"appointment_id": appointment.id}),
    )
    if case.other_party_phone and not moved:
        ids += _invite_other_party(uow, deps, official, case, office, appointment)
    for hours in deps.policy.reminder_hours:
        due = starts_at - timedelta(hours=hours)
        if due > now:
            uow.later.append((job_names.REMIND, (appointment.id, starts_at.isoformat(), hours), due))
    return ActionResult(
        ids,
        "official_scheduled" if ids else "official_scheduled_no_sms",
        {"ref": case.ref, "place": appointment.place, **replies.when_params(deps.policy, starts_at)},
    )


def _invite_other_party(
    uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, office: Office, appointment: Appointment
) -> list[int]:
    """The other party, when the person gave their number: a neutral invitation in both languages."""
    assert case.other_party_phone is not None
    invite = "\n".join(
        replies.render(
            "invitation",
            lang,
            ref=case.ref,
            office=office.name(lang),
            when=replies.when_text(deps.policy, appointment.starts_at, lang),
            place=appointment.place,
        )
        for lang in ("km", "en")
    )
    # They may already know us: their STOP and "not safe to text" hold for an invitation too.
    other = contact_for(uow, Channel.SMS, case.other_party_phone, "km")
    out = queue_message(
        uow,
        channel=Channel.SMS,
        address=case.other_party_phone,
        body=invite,
        key=f"invitation:{appointment.id}",
        case_id=case.id,
        purpose=Purpose.INVITATION,
        contact=other,
    )
    sent = out.status == OutboundStatus.QUEUED
    uow.repo.add(
        case.event(
            "other_party_invited", f"official:{official.id}", deps.clock(), appointment_id=appointment.id, sent=sent
        )
    )
    if not sent:
        return []
    # Their 1 / 2 answer reaches the office like the citizen's; a conversation of their own that is
    # under way (their own case, a safety question) is never taken over.
    conversation = uow.repo.conversation(other.id)
    if conversation is None:
        conversation = Conversation(contact_id=other.id)
        uow.repo.add(conversation)
    if conversation.state == dialogue.IDLE:
        conversation.state = dialogue.AWAITING_APPOINTMENT_ANSWER
        conversation.data = {"appointment_id": appointment.id, "party": "other_party"}
        conversation.updated_at = deps.clock()
    return [out.id]


def cancel_session(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case) -> ActionResult:
    """Cancel the scheduled session and tell the citizen."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    current = [a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED]
    if not current:
        return ActionResult([], "official_no_session", {"ref": case.ref})
    contact = uow.repo.contact(case.contact_id)
    for event in case.cancel_sessions(official.id, current, deps.clock()):
        uow.repo.add(event)
    text = replies.render(
        "appointment_cancelled",
        contact.language,
        ref=case.ref,
        when=replies.when_text(deps.policy, current[0].starts_at, contact.language),
    )
    ids = message_citizen(uow, deps, case, text, f"appointment-cancel:{current[0].id}", purpose=Purpose.APPOINTMENT)
    return ActionResult(ids, "official_session_cancelled", {"ref": case.ref})


def close_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, outcome: CaseStatus) -> ActionResult:
    """Record the outcome; disputes get a follow-up question a few days later."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    now = deps.clock()
    uow.repo.add(case.close(outcome, official.id, uow.repo.appointments_of(case.id), now))
    if case.kind == CaseKind.DISPUTE:
        uow.later.append((job_names.FOLLOW_UP, (case.id,), now + timedelta(days=deps.policy.dispute_follow_up_days)))
    return ActionResult([], "official_outcome_recorded", {"ref": case.ref, **replies.status_params(outcome)})


def advance_stage(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case) -> ActionResult:
    """Move a protection case to the next coordinated case management stage; discreet check-ins
    are planned when it reaches reintegration and follow-up."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    now = deps.clock()
    uow.repo.add(case.advance_stage(official.id, now))
    if case.status == CaseStatus.REINTEGRATION_FOLLOW_UP:
        for days in deps.policy.protection_follow_up_days:
            uow.later.append((job_names.CHECK_IN, (case.id, days), now + timedelta(days=days)))
    return ActionResult(
        [], "official_stage", {"ref": case.ref, **replies.status_params(case.status, "stage")}, show_case_buttons=True
    )


def reroute_options(uow: UnitOfWork, case: Case, limit: int = 4) -> list[Office]:
    """The other active offices of the case's kind, nearest to its current office first."""
    current = uow.repo.office(case.office_id) if case.office_id else None
    kind = current.kind if current else (OfficeKind.PROTECTION if case.kind == CaseKind.PROTECTION else OfficeKind.JSC)
    others = [o for o in uow.repo.offices(kind) if o.id != case.office_id]
    if current:
        origin = (current.lat, current.lon)
        others.sort(key=lambda o: great_circle_km(origin, (o.lat, o.lon)))
    return others[:limit]


def reroute_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, office_id: int) -> ActionResult:
    """An official sends the case to another office; that office's officials are told."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    office = uow.repo.office(office_id)
    if office is None or not office.active:
        return ActionResult([], "official_office_inactive")
    ids = reroute(uow, deps, case, office, actor=f"official:{official.id}")
    return ActionResult(
        ids, "official_rerouted", {"ref": case.ref, "office": office.name_en, "office_km": office.name_km}
    )
