"""Cases: opening, routing to an office, telling its officials, escalating what nobody accepts,
what officials do to a case (accept, schedule, cancel, close, next stage, re-route: the same
functions for Telegram and any other front end), and the messages the workflow starts
(appointments, reminders, follow-ups, check-ins)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from intake import callbacks, dialogue, job_names, replies, routing
from intake.deps import IntakeDeps
from intake.model import (
    Appointment,
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseKind,
    CaseNote,
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
from intake.outbound import held_for_quiet_hours, notify_officials, queue_message, reply_to
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
        outbound = notify_duty_desk(uow, deps, case, "unplaced")
        schedule_escalation(uow, deps, case, 1)
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
        told = office.id in uow.repo.covered_office_ids()
        key = "protection_opened" if told else "protection_opened_untold"
        text = replies.render(key, lang, ref=case.ref, office=office.name(lang))
    else:
        text = replies.render("dispute_opened", lang, ref=case.ref, office=office.name(lang))
    if then_ask:
        text = f"{text} {replies.render(then_ask, lang)}"
    # case_id: the confirmation is part of what the case costs (the SMS reports)
    return reply_to(uow, inbound, contact, text, f"case-confirmed:{case.id}:{case.office_id}", case_id=case.id)


DUTY_TEMPLATES = {
    "unplaced": "official_unplaced_protection",
    "uncovered": "official_duty_uncovered",
    "reminder": "official_duty_reminder",
    "exhausted": "official_duty_exhausted",
}


def duty_desk(uow: UnitOfWork, case: Case) -> list[Official]:
    """Who answers for a case nobody else can take: the admins, and the coordinators of the
    case's province (once its place is known)."""
    office = uow.repo.office(case.office_id) if case.office_id else None
    province = case.province_code or (office.province_code if office else None)
    desk = {o.id: o for o in uow.repo.officials_with_role(OfficialRole.ADMIN)}
    if province:
        desk.update({o.id: o for o in uow.repo.officials_of_province(province, OfficialRole.COORDINATOR)})
    return list(desk.values())


def case_readers(uow: UnitOfWork, case: Case) -> list[Official]:
    """Who hears what the person says on a case: the linked officials of its office, and its
    owner wherever they sit (an admin or coordinator who took it from the duty desk)."""
    readers = uow.repo.linked_officials(case.office_id) if case.office_id else []
    owner = uow.repo.official(case.accepted_by) if case.accepted_by else None
    if owner is not None and owner.active and owner.telegram_chat_id and owner.id not in {o.id for o in readers}:
        readers.append(owner)
    return readers


def notify_duty_desk(uow: UnitOfWork, deps: IntakeDeps, case: Case, why: str, level: int = 0) -> list[int]:
    """Tell the duty desk about a case with no place yet (`unplaced`), sent to an office nobody is
    linked to (`uncovered`), still not accepted (`reminder`), or with nowhere left to move
    (`exhausted`); with the case's actions, and its urgency."""
    office = uow.repo.office(case.office_id) if case.office_id else None
    head = replies.render_official(
        DUTY_TEMPLATES[why],
        ref=case.ref,
        kind=case.kind,
        office=office.name_en if office else "-",
        office_km=office.name_km if office else "-",
        urgent="URGENT: " if case.urgent else "",
        urgent_km="បន្ទាន់៖ " if case.urgent else "",
    )
    ids = tell_about_case(
        uow,
        deps,
        case,
        duty_desk(uow, case),
        head,
        key_prefix=f"duty:{case.id}:{case.routing_seq}:{why}:{level}",
        urgent=case.urgent,
    )
    uow.repo.add(case.event("duty_desk_notified", "system", deps.clock(), officials=len(ids), why=why))
    if ids:
        log.info("case %s: %s duty officials told (%s)", case.ref, len(ids), why)
    else:
        log.warning("case %s: nobody on the duty desk to tell (%s)", case.ref, why)
    return ids


def route_case(uow: UnitOfWork, deps: IntakeDeps, case: Case, actor: str, reason_prefix: str = "") -> list[int]:
    """Route a case to its office and queue the officials' notifications."""
    offices = uow.repo.offices()
    covered = uow.repo.covered_office_ids()

    def decide(candidates: list[Office]):
        return route(
            case.kind,
            province_code=case.province_code,
            district_code=case.district_code,
            commune_code=case.commune_code,
            offices=candidates,
            centroid=deps.places.centroid,
            place_name=lambda code: deps.places.name(code, "en"),
        )

    decision = decide(offices)
    now = deps.clock()
    if decision is None:
        uow.repo.add(case.event("unrouted", actor, now, reason=routing.UNROUTED))
        log.warning("case %s could not be routed", case.ref)
        ids = notify_duty_desk(uow, deps, case, "unplaced" if case.kind == CaseKind.PROTECTION else "uncovered")
        schedule_escalation(uow, deps, case, 1)
        return ids
    if decision.office.id not in covered and case.province_code:
        # Nobody reads that office's messages: an office of the same province where someone does
        # is better (never one further away than the province: people travel to their office).
        nearby = decide([o for o in offices if o.id in covered and o.province_code == case.province_code])
        if nearby is not None:
            decision = nearby
            reason_prefix += routing.IN_PROVINCE
    uow.repo.add(case.route(decision.office, reason_prefix + decision.reason, decision.distance_km, actor, now))
    log.info("case %s routed to %s (%s)", case.ref, decision.office.code, decision.reason)
    schedule_escalation(uow, deps, case, 1)
    ids = notify_office(uow, deps, case)
    if decision.office.id not in covered:
        ids += notify_duty_desk(uow, deps, case, "uncovered")
    return ids


def _place_line(deps: IntakeDeps, case: Case, language: str = "en") -> str:
    code = case.commune_code or case.district_code or case.province_code
    if not code:
        return "?"
    parts = [deps.places.name(code, language)]
    if case.province_code and code != case.province_code:
        parts.append(deps.places.name(case.province_code, language))
    return (", " if language == "en" else " ").join(parts)


def notify_office(uow: UnitOfWork, deps: IntakeDeps, case: Case) -> list[int]:
    """Tell every linked official of the case's office, each with the actions they may take and,
    when they may see it, how to reach the person. Protection cases carry no narrative."""
    place, place_km = _place_line(deps, case), _place_line(deps, case, "km")
    if case.kind == CaseKind.PROTECTION:
        head = replies.render_official(
            "official_new_protection",
            ref=case.ref,
            place=place,
            place_km=place_km,
            reason=case.routing_reason,
            urgent="URGENT / បន្ទាន់: " if case.urgent else "",
        )
    else:
        summary = "\n".join(p for p in ((case.summary or "")[:600], (case.details or "")[:400]) if p)
        head = replies.render_official(
            "official_new_dispute",
            ref=case.ref,
            place=place,
            place_km=place_km,
            reason=case.routing_reason,
            summary=summary,
        )
    # The routing sequence in the key: a case sent back to an office it had before is news again.
    return tell_about_case(
        uow,
        deps,
        case,
        uow.repo.linked_officials(case.office_id),
        head,
        key_prefix=f"notify:{case.id}:{case.office_id}:{case.routing_seq}",
        urgent=case.urgent,
    )


def tell_about_case(
    uow: UnitOfWork,
    deps: IntakeDeps,
    case: Case,
    officials: list[Official],
    head: str,
    *,
    key_prefix: str,
    urgent: bool = False,
    purpose: str = Purpose.CASE_NOTIFICATION,
    exclude: int | None = None,
) -> list[int]:
    """Tell `officials` about a case: `head`, then how to reach the person for those who may see
    it, with the actions each may take as buttons. Every rendering of a case to an official goes
    through here or through the case card, so no view of a case is without its actions."""
    ids = []
    for official in officials:
        if official.id == exclude:
            continue
        info = contact_info(uow, official, case)
        body = f"{head}\n{replies.contact_line(info)}" if info else head
        buttons = replies.case_buttons(case, available_actions(uow, official, case), info.chat_url if info else None)
        ids += notify_officials(
            uow,
            [official],
            body=body,
            key_prefix=key_prefix,
            case_id=case.id,
            purpose=purpose,
            urgent=urgent,
            buttons=buttons if any(buttons) else None,
        )
    return ids


def _announce(uow: UnitOfWork, case: Case, official: Official, event: CaseEvent, template: str, **params) -> list[int]:
    """One change, one event: store it and tell the other officials of the case's office."""
    uow.repo.add(event)
    uow.repo.flush()
    return _tell_office(uow, case, official, f"change:{case.id}:{event.id}", template, **params)


def _tell_office(uow: UnitOfWork, case: Case, official: Official, key: str, template: str, **params) -> list[int]:
    """Tell the officials of the case's office, but `official`, what `official` did."""
    if not case.office_id:
        return []
    return notify_officials(
        uow,
        uow.repo.linked_officials(case.office_id),
        body=replies.render_official(template, ref=case.ref, name=official.name, **params),
        key_prefix=key,
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
        exclude=official.id,
    )


UNPLACED_REMINDERS = 8  # a case with no place: the duty desk hears again this many times at most


def schedule_escalation(uow: UnitOfWork, deps: IntakeDeps, case: Case, level: int) -> None:
    """Check back later whether the case was accepted (minutes for urgent cases, hours else)."""
    wait = deps.policy.escalate_urgent_after if case.urgent else deps.policy.escalate_dispute_after
    uow.later.append((job_names.ESCALATE, (case.id, level, case.office_id, case.routing_seq), deps.clock() + wait))


def escalate(
    uow: UnitOfWork, deps: IntakeDeps, case_id: int, level: int, office_id: int | None, routing_seq: int | None = None
) -> list[int]:
    """A case nobody accepted: remind the office (and the duty desk when nobody is linked there),
    then tell the province's coordinators (and the duty desk when urgent), then move it to the
    nearest office of its kind where someone is linked, telling the office it leaves and the
    person. A case with no place keeps the duty desk reminded. Each step is an event; nothing
    happens if the case was accepted, closed or moved meanwhile. The case's row is locked: an
    official accepting at this moment waits, and then finds it moved (or this step finds it
    accepted)."""
    case = uow.repo.case(case_id, lock=True)
    if (
        case is None
        or case.accepted_by
        or case.status not in (CaseStatus.ROUTED, CaseStatus.RECEIVED)
        or case.office_id != office_id
        or (routing_seq is not None and routing_seq != case.routing_seq)
    ):
        return []
    case.escalate(level)
    now = deps.clock()
    if office_id is None:
        ids = notify_duty_desk(uow, deps, case, "reminder", level)
        if level < UNPLACED_REMINDERS:
            schedule_escalation(uow, deps, case, level + 1)
        return ids
    office = uow.repo.office(office_id)
    covered = uow.repo.covered_office_ids()
    seq = case.routing_seq
    if level == 1:
        ids = tell_about_case(
            uow,
            deps,
            case,
            uow.repo.linked_officials(office_id),
            replies.render_official("official_reminder", ref=case.ref),
            key_prefix=f"escalate:{case.id}:{office_id}:{seq}:1",
            urgent=case.urgent,
        )
        uow.repo.add(case.event("escalation_reminder", "system", now, officials=len(ids)))
        if office_id not in covered:
            ids += notify_duty_desk(uow, deps, case, "reminder", level)
        schedule_escalation(uow, deps, case, 2)
        return ids
    if level == 2:
        coordinators = uow.repo.officials_of_province(office.province_code, OfficialRole.COORDINATOR) if office else []
        ids = tell_about_case(
            uow,
            deps,
            case,
            coordinators,
            replies.render_official("official_escalated", ref=case.ref, office=office.name_en if office else "?"),
            key_prefix=f"escalate:{case.id}:{office_id}:{seq}:2",
            urgent=case.urgent,
        )
        uow.repo.add(case.event("escalated_to_coordinator", "system", now, coordinators=len(ids)))
        if ids:  # the office hears where the case went (only when someone was told)
            ids += notify_officials(
                uow,
                [o for o in uow.repo.linked_officials(office_id) if o.id not in {c.id for c in coordinators}],
                body=replies.render_official("official_escalated_office", ref=case.ref),
                key_prefix=f"escalated:{case.id}:{seq}",
                case_id=case.id,
                urgent=case.urgent,
            )
        if case.urgent:
            ids += notify_duty_desk(uow, deps, case, "reminder", level)
        schedule_escalation(uow, deps, case, 3)
        return ids
    # level 3: the nearest other office of the same kind where someone is linked
    others = [o for o in uow.repo.offices(office.kind) if o.id != office_id and o.id in covered] if office else []
    if not others:
        uow.repo.add(case.event("escalation_exhausted", "system", now))
        return notify_duty_desk(uow, deps, case, "exhausted", level)
    nearest = min(others, key=lambda o: (great_circle_km((office.lat, office.lon), (o.lat, o.lon)), o.code))
    left_behind = uow.repo.linked_officials(office_id)
    ids = reroute(uow, deps, case, nearest, actor="system", reason=routing.ESCALATED)
    ids += notify_officials(
        uow,
        left_behind,
        body=replies.render_official(
            "official_moved_away", ref=case.ref, office=nearest.name_en, office_km=nearest.name_km
        ),
        key_prefix=f"moved:{case.id}:{case.routing_seq}",
        case_id=case.id,
        urgent=case.urgent,
    )
    contact = uow.repo.contact(case.contact_id)
    lang = contact.language if contact else case.language
    if case.kind == CaseKind.PROTECTION:
        text = replies.render("case_moved_discreet", lang, ref=case.ref)
    else:
        text = replies.render("case_moved", lang, ref=case.ref, office=nearest.name(lang))
    ids += message_citizen(
        uow, deps, case, text, f"case-moved:{case.id}:{case.routing_seq}", purpose=Purpose.CASE_MOVED
    )
    return ids


def reroute(
    uow: UnitOfWork, deps: IntakeDeps, case: Case, office, actor: str, reason: str = routing.REROUTED
) -> list[int]:
    """Move a case to another office, with the reason, and tell that office. Its sessions are
    called off: the new office sets its own."""
    ids = call_off_sessions(uow, deps, case, actor)
    uow.repo.add(case.reroute(office, reason, actor, deps.clock()))
    log.info("case %s re-routed to %s (%s)", case.ref, office.code, reason)
    schedule_escalation(uow, deps, case, 1)
    ids += notify_office(uow, deps, case)
    if office.id not in uow.repo.covered_office_ids():
        ids += notify_duty_desk(uow, deps, case, "uncovered")
    return ids


# What may still go out about a session, and is called off with it.
SESSION_PURPOSES = (Purpose.APPOINTMENT, Purpose.REMINDER, Purpose.INVITATION)


def call_off_sessions(uow: UnitOfWork, deps: IntakeDeps, case: Case, actor: str) -> list[int]:
    """Cancel the case's sessions still to come: their SMS not sent yet are withdrawn (the
    reminders re-check at their time and find them cancelled), the person's "will you come?"
    question is dropped, and a person who was already told of a session gets one "cancelled"
    SMS. Returns the ids of those SMS."""
    now = deps.clock()
    coming = [
        a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED and a.starts_at > now
    ]
    for message in uow.repo.pending_outbound_of_case(case.id, SESSION_PURPOSES):
        message.status = OutboundStatus.CANCELLED
        message.updated_at = now
    if not coming:
        return []
    for event in case.call_off_sessions(actor, coming, now):
        uow.repo.add(event)
    contact = uow.repo.contact(case.contact_id)
    conversation = uow.repo.conversation(case.contact_id)
    if (
        conversation is not None
        and conversation.state == dialogue.AWAITING_APPOINTMENT_ANSWER
        and conversation.data.get("appointment_id") in {a.id for a in coming}
    ):
        conversation.state, conversation.data, conversation.updated_at = dialogue.IDLE, {}, now
    ids: list[int] = []
    for appointment in coming:
        told = uow.repo.outbound_by_key(f"appointment:{appointment.id}")
        if told is None or told.status not in SENT_STATUSES:
            continue
        text = replies.render(
            "appointment_cancelled",
            contact.language,
            ref=case.ref,
            when=replies.when_text(deps.policy, appointment.starts_at, contact.language),
        )
        ids += message_citizen(
            uow, deps, case, text, f"appointment-cancel:{appointment.id}", purpose=Purpose.APPOINTMENT_CANCELLED
        )
    return ids


SENT_STATUSES = {OutboundStatus.SENDING, OutboundStatus.SENT, OutboundStatus.DELIVERED}


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
        place=where(uow, case, appointment, contact.language),
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
    choices: list = field(default_factory=list)  # what the official may pick next (ids and names)


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


def shows_contact(uow: UnitOfWork, official: Official, case: Case) -> bool:
    """How to reach the person: for whoever works a dispute (the person agreed to be called), and
    for a protection case only to the protection office's own caseworkers."""
    return can_act(uow, official, case) and (case.kind == CaseKind.DISPUTE or shows_narrative(uow, official, case))


@dataclass(frozen=True)
class ContactInfo:
    """How an official may reach the person: a phone number or a Telegram chat, and whether texts
    are safe (`safe`, `unsafe`, `day`: 08:00-17:00 only, `stopped`: the person sent STOP)."""

    channel: str
    address: str
    texts: str

    @property
    def chat_url(self) -> str | None:
        """A link that opens the person's Telegram chat."""
        return f"tg://user?id={self.address}" if self.channel == Channel.TELEGRAM else None


def contact_info(uow: UnitOfWork, official: Official, case: Case) -> ContactInfo | None:
    """How `official` may reach the case's person, or None when they may not see it."""
    if not shows_contact(uow, official, case):
        return None
    contact = uow.repo.contact(case.contact_id)
    identities = uow.repo.identities_of(case.contact_id)
    if contact is None or not identities:
        return None
    if contact.opted_out:
        texts = "stopped"
    elif not contact.safe_to_sms:
        texts = "unsafe"
    elif contact.safe_hours == "day":
        texts = "day"
    else:
        texts = "safe"
    return ContactInfo(identities[0].channel, identities[0].address, texts)


def available_actions(uow: UnitOfWork, official: Official, case: Case) -> list[str]:
    """The actions (named as in `intake.callbacks`) `official` may take on `case` in its state."""
    if not case.is_open or not can_act(uow, official, case):
        return []
    actions = [] if case.accepted_by else [callbacks.ACCEPT]
    if case.kind == CaseKind.DISPUTE:
        actions.append(callbacks.SCHEDULE)
        if case.status == CaseStatus.SCHEDULED:
            actions.append(callbacks.CANCEL_SESSION)
    else:
        actions.append(callbacks.NEXT_STAGE)
    actions += [callbacks.REROUTE, callbacks.CLOSE]
    if shows_contact(uow, official, case):
        actions.append(callbacks.MESSAGE)
    actions.append(callbacks.NOTE)
    if case.accepted_by == official.id:
        actions.append(callbacks.HANDOVER)
    return actions


NOT_YOURS = ActionResult([], "official_not_yours")


def _lock(uow: UnitOfWork, case: Case) -> Case:
    """Hold the case's row until commit: two officials (or an official and an escalation step)
    acting at once act one after the other, the second on what the first left."""
    locked = uow.repo.case(case.id, lock=True)
    assert locked is not None
    return locked


def accept_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case) -> ActionResult:
    """The first official to accept owns the case; the others of the office see who took it."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    case = _lock(uow, case)
    if case.accepted_by:
        who = uow.repo.official(case.accepted_by)
        return ActionResult([], "official_already_accepted", {"ref": case.ref, "name": who.name if who else "?"})
    if not case.is_open or not can_act(uow, official, case):  # moved or closed while waiting for the lock
        return NOT_YOURS
    event = case.accept(official.id, deps.clock())
    log.info("case %s accepted by official %s", case.ref, official.id)
    told = _announce(uow, case, official, event, "official_accepted_by")
    return ActionResult(told, "official_you_accepted", {"ref": case.ref}, show_case_buttons=True)


PLACE_LIMIT = 120  # characters: an SMS has room for a place, not for a paragraph
FURTHEST_SESSION = timedelta(days=366)


def where(uow: UnitOfWork, case: Case, appointment: Appointment, lang: str) -> str:
    """Where a session is, for the person: the place and, at the office itself, its address and
    phone when the directory has them."""
    office = uow.repo.office(case.office_id) if case.office_id else None
    if office is None:
        return appointment.place
    text = appointment.place
    if appointment.place in (office.name_en, office.name_km) and office.address(lang):
        text += f", {office.address(lang)}"
    if office.phone:
        text += f" (tel {office.phone})"
    return text


def schedule_session(
    uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, local: datetime, place: str | None
) -> ActionResult:
    """Set (or move) the mediation session at `local` (an aware time), tell the citizen, invite
    the other party when the person gave their number, and plan the reminders."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    now = deps.clock()
    if local.year > now.year + 1:  # checked before any arithmetic: year 9999 has no room for a time zone
        return ActionResult([], "official_too_far")
    starts_at = local.astimezone(UTC)
    if starts_at <= now:
        return ActionResult([], "official_time_passed")
    if starts_at > now + FURTHEST_SESSION:
        return ActionResult([], "official_too_far")
    if place is not None and len(place.strip()) > PLACE_LIMIT:
        return ActionResult([], "official_place_too_long", {"limit": PLACE_LIMIT})
    if case.kind != CaseKind.DISPUTE:
        return ActionResult([], "official_disputes_only")
    case = _lock(uow, case)
    office = uow.repo.office(case.office_id)
    contact = uow.repo.contact(case.contact_id)
    earlier = uow.repo.appointments_of(case.id)
    moved = any(a.status == AppointmentStatus.SCHEDULED for a in earlier)
    for message in uow.repo.pending_outbound_of_case(case.id, SESSION_PURPOSES):
        message.status = OutboundStatus.CANCELLED  # the old time's SMS not sent yet never go
    appointment = Appointment(
        case_id=case.id,
        starts_at=starts_at,
        place=(place or "").strip() or office.name(contact.language),
        created_by=official.id,
        created_at=now,
    )
    uow.repo.add(appointment)
    uow.repo.flush()
    event = case.schedule(official.id, appointment, earlier, now)
    text = replies.render(
        "appointment_moved" if moved else "appointment",
        contact.language,
        ref=case.ref,
        when=replies.when_text(deps.policy, starts_at, contact.language),
        place=where(uow, case, appointment, contact.language),
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
    ids += _announce(
        uow, case, official, event, "official_change_scheduled", **replies.when_params(deps.policy, starts_at)
    )
    return ActionResult(
        ids,
        "official_scheduled" if ids else "official_scheduled_no_sms",
        {"ref": case.ref, "place": appointment.place, **replies.when_params(deps.policy, starts_at)},
        show_case_buttons=True,
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
    """Cancel the scheduled session; the person hears of it if they had been told of it."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    case = _lock(uow, case)
    current = [a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED]
    if not current:
        return ActionResult([], "official_no_session", {"ref": case.ref})
    ids = call_off_sessions(uow, deps, case, f"official:{official.id}")
    past = [a for a in current if a.status == AppointmentStatus.SCHEDULED]  # its time has come: off too
    for event in case.cancel_sessions(official.id, past, deps.clock()):
        uow.repo.add(event)
    ids += _tell_office(uow, case, official, f"cancelled:{case.id}:{current[0].id}", "official_change_cancelled")
    return ActionResult(ids, "official_session_cancelled", {"ref": case.ref}, show_case_buttons=True)


def close_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, outcome: CaseStatus) -> ActionResult:
    """Record the outcome: sessions still to come are called off (with their SMS and
    reminders); disputes get a follow-up question a few days later."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    case = _lock(uow, case)
    if not case.is_open:
        return ActionResult([], "official_case_closed", {"ref": case.ref})
    now = deps.clock()
    ids = call_off_sessions(uow, deps, case, f"official:{official.id}")
    event = case.close(outcome, official.id, uow.repo.appointments_of(case.id), now)
    if case.kind == CaseKind.DISPUTE:
        uow.later.append((job_names.FOLLOW_UP, (case.id,), now + timedelta(days=deps.policy.dispute_follow_up_days)))
    ids += _announce(uow, case, official, event, "official_change_closed", **replies.status_params(outcome))
    return ActionResult(ids, "official_outcome_recorded", {"ref": case.ref, **replies.status_params(outcome)})


def advance_stage(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case) -> ActionResult:
    """Move a protection case to the next coordinated case management stage; discreet check-ins
    are planned when it reaches reintegration and follow-up."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    case = _lock(uow, case)
    now = deps.clock()
    event = case.advance_stage(official.id, now)
    if case.status == CaseStatus.REINTEGRATION_FOLLOW_UP:
        for days in deps.policy.protection_follow_up_days:
            uow.later.append((job_names.CHECK_IN, (case.id, days), now + timedelta(days=days)))
    stage = replies.status_params(case.status, "stage")
    ids = _announce(uow, case, official, event, "official_change_stage", **stage)
    return ActionResult(ids, "official_stage", {"ref": case.ref, **stage}, show_case_buttons=True)


# Which offices a case may be sent to by hand. Violence never goes to mediation: a protection case
# only to protection offices. A dispute goes to a JSC, or to legal aid when an official picks it
# (legal aid can represent the person when mediation is not the way); escalation keeps the kind.
REROUTE_KINDS = {
    CaseKind.PROTECTION: (OfficeKind.PROTECTION,),
    CaseKind.DISPUTE: (OfficeKind.JSC, OfficeKind.LEGAL_AID),
}


def reroute_options(uow: UnitOfWork, case: Case, limit: int = 4) -> list[Office]:
    """Other active offices the case may go to, of its current office's kind first (nearest
    first), then legal aid for a dispute."""
    current = uow.repo.office(case.office_id) if case.office_id else None
    kinds = REROUTE_KINDS[CaseKind(case.kind)]
    origin = (current.lat, current.lon) if current else None
    options = []
    for kind in kinds:
        others = [o for o in uow.repo.offices(kind) if o.id != case.office_id]
        if origin:
            others.sort(key=lambda o: great_circle_km(origin, (o.lat, o.lon)))
        options += others[: limit if kind == kinds[0] else 1]
    return options[: limit + 1]


def reroute_case(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, office_id: int) -> ActionResult:
    """An official sends the case to another office of a fitting kind; that office's officials
    are told, and so are the colleagues of the office it leaves."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    office = uow.repo.office(office_id) if 0 < office_id < 2**31 else None
    if office is None or not office.active:
        return ActionResult([], "official_office_inactive")
    if office.kind not in REROUTE_KINDS[CaseKind(case.kind)]:
        return ActionResult(
            [],
            "official_wrong_kind",
            {
                "ref": case.ref,
                "office": office.name_en,
                "office_km": office.name_km,
                "kind": case.kind,
                "kinds": " or ".join(k.replace("_", " ") for k in REROUTE_KINDS[CaseKind(case.kind)]),
            },
        )
    if office.id == case.office_id:
        return ActionResult(
            [], "official_rerouted", {"ref": case.ref, "office": office.name_en, "office_km": office.name_km}
        )
    case = _lock(uow, case)
    previous = case.office_id
    colleagues = uow.repo.linked_officials(previous) if previous else []
    ids = reroute(uow, deps, case, office, actor=f"official:{official.id}")
    params = {"ref": case.ref, "office": office.name_en, "office_km": office.name_km}
    ids += notify_officials(
        uow,
        colleagues,
        body=replies.render_official("official_change_rerouted", name=official.name, **params),
        key_prefix=f"rerouted:{case.id}:{case.routing_seq}",
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
        exclude=official.id,
    )
    return ActionResult(ids, "official_rerouted", params)


def handover_options(uow: UnitOfWork, official: Official, case: Case) -> list[Official]:
    """The colleagues of the case's office its owner may hand it to."""
    return [o for o in uow.repo.linked_officials(case.office_id) if o.id != official.id] if case.office_id else []


def hand_over_case(
    uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, to_official_id: int
) -> ActionResult:
    """The owner gives the case to a colleague of its office, who is told; so is the office."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    case = _lock(uow, case)
    if case.accepted_by != official.id:
        owner = uow.repo.official(case.accepted_by) if case.accepted_by else None
        return ActionResult([], "official_not_owner", {"ref": case.ref, "name": owner.name if owner else "-"})
    to = next((o for o in handover_options(uow, official, case) if o.id == to_official_id), None)
    if to is None:
        return ActionResult([], "official_handover_nobody", {"ref": case.ref})
    event = case.hand_over(to, official, deps.clock())
    uow.repo.add(event)
    uow.repo.flush()
    ids = notify_officials(
        uow,
        [to],
        body=replies.render_official("official_handed_to_you", ref=case.ref, name=official.name),
        key_prefix=f"handed:{case.id}:{event.id}",
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
        buttons=replies.case_buttons(case, available_actions(uow, to, case)),
    )
    ids += notify_officials(
        uow,
        [o for o in uow.repo.linked_officials(case.office_id) if o.id not in (official.id, to.id)],
        body=replies.render_official("official_change_handed_over", ref=case.ref, name=official.name, to=to.name),
        key_prefix=f"change:{case.id}:{event.id}",
        case_id=case.id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    return ActionResult(ids, "official_handed_over", {"ref": case.ref, "name": to.name})


# Discreet messages an office may send a person at risk: they name nothing, sign as "the support
# service", and are all a protection case may receive from an office.
DISCREET = ("discreet_call_back", "discreet_good_time", "discreet_are_you_ok")
MESSAGE_LIMIT = 600  # characters of an office's message (about four SMS in English)


def message_options(uow: UnitOfWork, official: Official, case: Case) -> ActionResult | None:
    """Before an official writes: why nothing may be sent (None when a free text may), or the
    discreet messages a protection case may get."""
    if not shows_contact(uow, official, case):
        return NOT_YOURS
    contact = uow.repo.contact(case.contact_id)
    identities = uow.repo.identities_of(case.contact_id)
    if contact is None or not identities:
        return ActionResult([], "official_msg_no_channel", {"ref": case.ref})
    if contact.opted_out:
        return ActionResult([], "official_msg_refused_stop", {"ref": case.ref})
    if identities[0].channel == Channel.SMS and not contact.safe_to_sms:
        return ActionResult([], "official_msg_refused_unsafe", {"ref": case.ref})
    if case.kind == CaseKind.PROTECTION:
        office = uow.repo.office(case.office_id) if case.office_id else None
        usable = [t for t in DISCREET if t != "discreet_call_back" or (office and office.phone)]
        return ActionResult([], "official_msg_refused_discreet", {"ref": case.ref}, choices=usable)
    return None


def message_person(
    uow: UnitOfWork,
    deps: IntakeDeps,
    official: Official,
    case: Case,
    key: str,
    text: str | None = None,
    discreet: str | None = None,
) -> ActionResult:
    """An office writes to the person through the service, by SMS or Telegram: a free `text`
    signed with the office's name, or (protection cases: only) one of the `discreet` messages.
    Respects STOP, "not safe to text" and quiet hours; logged as an event; the person's answer
    joins the case and reaches the office. `key` makes it idempotent (the request's id)."""
    refusal = message_options(uow, official, case)
    if refusal is not None and not (discreet and discreet in refusal.choices):
        return refusal
    if discreet is None and not (text or "").strip():
        return ActionResult([], "official_msg_usage")
    if text and len(text) > MESSAGE_LIMIT:
        return ActionResult([], "official_msg_too_long", {"limit": MESSAGE_LIMIT})
    contact = uow.repo.contact(case.contact_id)
    office = uow.repo.office(case.office_id) if case.office_id else uow.repo.office(official.office_id)
    lang = contact.language
    if discreet:
        body = replies.render(discreet, lang, phone=office.phone if office else "")
    else:
        # " - ", not a dash: one character outside GSM-7 would make an English SMS cost twice as much.
        body = f"{text.strip()} - {office.name(lang)}" if office else text.strip()
    identity = uow.repo.identities_of(contact.id)[0]
    out = queue_message(
        uow,
        channel=identity.channel,
        address=identity.address,
        body=body,
        key=f"office-msg:{key}",
        contact=contact,
        case_id=case.id,
        purpose=Purpose.OFFICE_MESSAGE,
    )
    if out.status != OutboundStatus.QUEUED:
        return ActionResult([], "official_msg_refused_unsafe", {"ref": case.ref})
    now = deps.clock()
    conversation = uow.repo.conversation(contact.id)
    if conversation is None:
        conversation = Conversation(contact_id=contact.id)
        uow.repo.add(conversation)
    if conversation.state == dialogue.IDLE:  # never take over a question under way
        conversation.state, conversation.data = dialogue.AWAITING_OFFICE_REPLY, {"ref": case.ref}
        conversation.updated_at = now
    event = case.record_message(official.id, now, channel=identity.channel, discreet=bool(discreet))
    ids = [out.id] + _announce(uow, case, official, event, "official_change_message")
    later = held_for_quiet_hours(out, deps, contact)
    if later:
        return ActionResult(
            ids, "official_msg_sent_later", {"ref": case.ref, **replies.when_params(deps.policy, later)}
        )
    return ActionResult(ids, "official_msg_sent", {"ref": case.ref})


NOTE_LIMIT = 2000


def add_note(uow: UnitOfWork, deps: IntakeDeps, official: Official, case: Case, text: str) -> ActionResult:
    """A note on the case for the official's own office (the event records only that there is one)."""
    if not can_act(uow, official, case):
        return NOT_YOURS
    if not text.strip():
        return ActionResult([], "official_note_usage")
    now = deps.clock()
    uow.repo.add(
        CaseNote(
            case_id=case.id,
            official_id=official.id,
            office_id=official.office_id,
            body=text.strip()[:NOTE_LIMIT],
            at=now,
        )
    )
    event = case.event("note", f"official:{official.id}", now)
    ids = _announce(uow, case, official, event, "official_change_note") if official.office_id == case.office_id else []
    if official.office_id != case.office_id:
        uow.repo.add(event)
    return ActionResult(ids, "official_note_saved", {"ref": case.ref})


@dataclass(frozen=True)
class CaseView:
    """Everything one official may see of a case: what the card shows, in any front end."""

    case: Case
    office: Office | None
    owner: Official | None
    contact: ContactInfo | None
    narrative: bool  # the person's words (story, details, messages) may be shown
    session: Appointment | None
    notes: list[tuple[CaseNote, str]]  # with the author's name
    messages: list[Message]  # oldest first
    events: list[CaseEvent]
    actions: list[str]


def case_view(uow: UnitOfWork, official: Official, case: Case) -> CaseView | None:
    """What `official` may see of `case`, or None when it is not theirs to see."""
    if not can_act(uow, official, case):
        return None
    narrative = shows_narrative(uow, official, case)
    notes = []
    for note in uow.repo.notes_of(case.id, official.office_id):
        author = uow.repo.official(note.official_id)
        notes.append((note, author.name if author else "?"))
    session = next((a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED), None)
    return CaseView(
        case=case,
        office=uow.repo.office(case.office_id) if case.office_id else None,
        owner=uow.repo.official(case.accepted_by) if case.accepted_by else None,
        contact=contact_info(uow, official, case),
        narrative=narrative,
        session=session,
        notes=notes,
        messages=uow.repo.conversation_of_case(case) if narrative else [],
        events=uow.repo.case_events(case.id),
        actions=available_actions(uow, official, case),
    )


# `/cases` filters: which of an official's open cases to list.
CASE_FILTERS = ("urgent", "mine", "unaccepted")


def open_cases_for(uow: UnitOfWork, official: Official, which: str | None = None) -> list[Case]:
    """The open cases `official` may act on, as the console's inbox orders them (urgent ones
    nobody has accepted, then the other urgent ones, then the rest, oldest first within each);
    `which` narrows them (CASE_FILTERS)."""
    found = [c for c in uow.repo.open_cases() if c.is_open and can_act(uow, official, c)]
    if which == "urgent":
        found = [c for c in found if c.urgent]
    elif which == "mine":
        found = [c for c in found if c.accepted_by == official.id]
    elif which == "unaccepted":
        found = [c for c in found if not c.accepted_by]
    waiting = (CaseStatus.RECEIVED, CaseStatus.ROUTED)
    return sorted(
        found,
        key=lambda c: (not (c.urgent and not c.accepted_by and c.status in waiting), not c.urgent, c.created_at, c.id),
    )


def uncovered_offices(uow: UnitOfWork) -> list[Office]:
    """Active offices without any active official linked on Telegram: nobody reads what goes there."""
    covered = uow.repo.covered_office_ids()
    return [o for o in uow.repo.offices() if o.id not in covered]
