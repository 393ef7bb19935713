"""The service layer: what happens to an inbound message, a new case, an outbound send.

Functions take a unit of work and the ports they need, and return ids; callers (webhooks, jobs)
commit nothing themselves and enqueue the sends these functions return.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Callable

from intake import dialogue, replies
from intake.model import (
    AppointmentStatus,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    Conversation,
    Identity,
    InboundStatus,
    LegalQuestion,
    Message,
    OutboundStatus,
    OfficialRole,
    hash_invite_code,
    new_case_ref,
    utcnow,
)
from intake.policy import Policy
from intake.ports import LegalAnswerer, Places, Understander
from intake.routing import great_circle_km, route
from intake.sms import count_segments
from intake.unit_of_work import IntegrityError, UnitOfWork
from nlu.khmer import normalize
from nlu.types import Location

log = logging.getLogger(__name__)

MAX_INBOUND_CHARS = 4000  # longer texts are kept whole in the record but understood in part
OPT_OUT_EXEMPT = {"stop_confirmation"}
# Answers to what the person wrote may always go to them; anything we start (reminders, follow-ups)
# is held back when they told us messages to this phone are not safe.
SOLICITED = {"reply", "stop_confirmation"}
LINK_WINDOW = timedelta(days=7)
STALE_AFTER = timedelta(days=3)


@dataclass(frozen=True)
class IntakeDeps:
    """The ports the intake pipeline needs, the workflow's timing rules and a clock."""

    understander: Understander
    places: Places
    legal: LegalAnswerer | None = None
    policy: Policy = field(default_factory=Policy)
    clock: Callable[[], datetime] = utcnow


# ---------------------------------------------------------------- inbound


def record_inbound(uow: UnitOfWork, channel: str, address: str, provider_id: str, body: str) -> tuple[int, bool]:
    """Store an inbound message once per provider id. Returns (message id, created?)."""
    existing = uow.repo.inbound_by_provider_id(channel, provider_id)
    if existing:
        return existing.id, False
    msg = Message(
        direction="in",
        channel=channel,
        address=address,
        body=body,
        status=InboundStatus.RECEIVED,
        provider_message_id=provider_id,
        purpose="inbound",
    )
    uow.repo.add(msg)
    try:
        uow.repo.flush()
    except IntegrityError:  # a concurrent delivery of the same message won the race
        uow.rollback()
        existing = uow.repo.inbound_by_provider_id(channel, provider_id)
        if existing is None:
            raise
        return existing.id, False
    log.info("inbound message %s stored (%s)", msg.id, channel)
    return msg.id, True


def _contact_for(uow: UnitOfWork, channel: str, address: str, language: str) -> Contact:
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


def process_inbound(uow: UnitOfWork, deps: IntakeDeps, message_id: int) -> list[int]:
    """Understand one stored inbound message and act on it: link an official, run the intake
    dialogue, open and route a case, notify the office, queue the replies. Safe to call twice:
    the second call finds the message processed and does nothing. Returns outbound ids to send."""
    msg = uow.repo.message(message_id, lock=True)
    if msg is None or msg.direction != "in" or msg.status == InboundStatus.PROCESSED:
        return []
    text = normalize(msg.body)[:MAX_INBOUND_CHARS]

    if msg.channel == Channel.TELEGRAM and (text.startswith("/") or uow.repo.official_by_chat(msg.address)):
        out = _official_command(uow, deps, msg, text)
        if out is not None:
            _mark_processed(msg)
            return out

    understanding = deps.understander.understand(text)
    has_words = any(ch.isalpha() for ch in text)
    # Khmer first: a newcomer whose message has no words is answered in Khmer.
    first_language = replies.reply_language(understanding.language) if has_words else "km"
    contact = _contact_for(uow, msg.channel, msg.address, first_language)
    msg.contact_id = contact.id
    if _tells_language(text) and not contact.language_fixed:
        contact.language = replies.reply_language(understanding.language)
    conversation = uow.repo.conversation(contact.id)
    if conversation is None:
        conversation = Conversation(contact_id=contact.id)
        uow.repo.add(conversation)
    stale = conversation.state != dialogue.IDLE and utcnow() - conversation.updated_at > STALE_AFTER

    decision = dialogue.step(text, understanding, conversation.state, dict(conversation.data or {}),
                             open_case=_recent_open_case(uow, contact), stale=stale)
    outbound: list[int] = []
    for n, action in enumerate(decision.actions):
        lang = contact.language
        key = f"reply:{msg.id}:{n}"
        if isinstance(action, dialogue.Reply):
            params = dict(action.params)
            if "province_code" in params:
                params["province"] = deps.places.name(params.pop("province_code"), lang)
            purpose = "stop_confirmation" if action.key == "stopped" else "reply"
            outbound += _reply(uow, msg, contact, replies.render(action.key, lang, **params), key, purpose)
        elif isinstance(action, dialogue.SetOptOut):
            contact.opted_out = action.opted_out
            log.info("contact %s opted %s", contact.id, "out" if action.opted_out else "in")
        elif isinstance(action, dialogue.SetSafeContact):
            contact.safe_to_sms = action.safe
            log.info("contact %s: safe to message %s", contact.id, action.safe)
        elif isinstance(action, dialogue.SetLanguage):
            contact.language = ("en" if contact.language == "km" else "km") if action.language == "toggle" else action.language
            contact.language_fixed = True
        elif isinstance(action, dialogue.OpenCase):
            case, ids = open_case(uow, deps, contact, action, msg)
            conversation.case_id = case.id
            outbound += ids
        elif isinstance(action, dialogue.RouteCase):
            outbound += _route_open_case(uow, deps, contact, conversation, action, msg)
        elif isinstance(action, dialogue.AddToCase):
            outbound += _add_to_case(uow, deps, contact, action.ref, msg, key)
        elif isinstance(action, dialogue.ShowStatus):
            outbound += _reply(uow, msg, contact, _status_text(uow, deps, contact, action.ref, lang), key)
        elif isinstance(action, dialogue.AnswerLegalQuestion):
            answer = deps.legal.answer(action.text, understanding.language, msg.channel) if deps.legal else None
            # the knowledge base does not know: never guess the law
            text_out = answer.text if answer else replies.render("legal_holding", lang)
            if understanding.danger:  # a question about violence: the safety numbers go with it
                text_out = _with_safety_line(text_out, lang)
            outbound += _legal_reply(uow, msg, contact, text_out, answer, key)
            _record_question(uow, deps, msg, contact, understanding, answer)
            if answer:
                decision.data = dict(decision.data, last_article=answer.article_id)
        elif isinstance(action, dialogue.ShowArticle):
            answer = deps.legal.article(action.article_id, lang, msg.channel) if deps.legal else None
            text_out = answer.text if answer else replies.render("help", lang)
            outbound += _legal_reply(uow, msg, contact, text_out, answer, key)
            if answer:
                decision.data = dict(decision.data, last_article=answer.article_id)
        elif isinstance(action, dialogue.CitizenAnswer):
            outbound += _citizen_answer(uow, deps, contact, action, msg, key)
        elif isinstance(action, dialogue.ShowMore):
            parts = deps.legal.more(action.article_id, lang) if deps.legal else []
            for i, part in enumerate(parts or [replies.render("help", lang)]):
                outbound += _reply(uow, msg, contact, part, f"{key}:{i}")
    conversation.state = decision.state
    conversation.data = decision.data
    conversation.updated_at = utcnow()
    _mark_processed(msg)
    log.info("inbound message %s processed: intent %s via %s", msg.id, understanding.intent, understanding.backend)
    return outbound


def _citizen_answer(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, action, msg: Message, key: str) -> list[int]:
    """A 1/2 answer to a question we asked: will you come, was it settled, are you safe."""
    lang = contact.language
    if action.question == "awaiting_appointment_answer":
        appointment = uow.repo.appointment(action.data.get("appointment_id", 0))
        if appointment is None or appointment.status != AppointmentStatus.SCHEDULED:
            return _reply(uow, msg, contact, replies.render("help", lang), key)
        case = uow.repo.case(appointment.case_id)
        appointment.citizen_answer = "will_come" if action.yes else "cannot_come"
        add_event(uow, case, "citizen_answer", "citizen", answer=appointment.citizen_answer)
        out = _reply(uow, msg, contact, replies.render("will_come" if action.yes else "cannot_come", lang), key)
        from intake.officials import when_text

        body = (f"Case {case.ref}: the person {'WILL COME' if action.yes else 'CANNOT COME'} to the session "
                f"{when_text(deps, appointment.starts_at, 'en')}.")
        for official in uow.repo.linked_officials(case.office_id):
            out.append(queue_message(uow, channel=Channel.TELEGRAM, address=official.telegram_chat_id, body=body,
                                     key=f"answer:{msg.id}:{official.id}", official_id=official.id,
                                     case_id=case.id, purpose="case_notification").id)
        return out
    if action.question == "awaiting_follow_up":
        case = uow.repo.case(action.data.get("case_id", 0))
        if case is None or case.contact_id != contact.id:
            return []
        case.follow_up_answer = "settled" if action.yes else "not_settled"
        case.status = CaseStatus.CLOSED
        case.updated_at = deps.clock()
        add_event(uow, case, "follow_up_answer", "citizen", answer=case.follow_up_answer)
        return _reply(uow, msg, contact, replies.render("thanks_follow_up", lang), key)
    if action.question == "awaiting_check_in":
        case = uow.repo.case(action.data.get("case_id", 0))
        if case is None or case.contact_id != contact.id:
            return []
        add_event(uow, case, "check_in_answer", "citizen", needs_help=not action.yes)
        out = _reply(uow, msg, contact, replies.render("check_in_ok" if action.yes else "check_in_help", lang), key)
        if not action.yes and case.office_id:
            body = replies.render_official("official_check_in_help", ref=case.ref)
            for official in uow.repo.linked_officials(case.office_id):
                out.append(queue_message(uow, channel=Channel.TELEGRAM, address=official.telegram_chat_id, body=body,
                                         key=f"check-in-help:{msg.id}:{official.id}", official_id=official.id,
                                         case_id=case.id, purpose="case_notification", urgent=True).id)
        return out
    return []


def _legal_reply(uow: UnitOfWork, msg: Message, contact: Contact, text: str, answer, key: str) -> list[int]:
    """A legal answer; on Telegram with buttons for related questions and for opening a case."""
    ids = _reply(uow, msg, contact, text, key)
    if ids and msg.channel == Channel.TELEGRAM and answer is not None:
        out = uow.repo.message(ids[0])
        rows = [[[title[:60], f"kb:{rid}"]] for rid, title in answer.related[:3]]
        rows.append([[replies.render("open_case_button", contact.language), "open:case"]])
        out.buttons = rows
    return ids


def _record_question(uow: UnitOfWork, deps: IntakeDeps, msg: Message, contact: Contact, understanding, answer) -> None:
    """Count the question for the demand report: topic, place, language — never its text."""
    loc = understanding.location
    commune = loc.commune_code or (contact.commune_code if contact.role == "commune_council" else None)
    uow.repo.add(LegalQuestion(
        channel=msg.channel,
        language=str(understanding.language),
        answered=answer is not None,
        article_id=answer.article_id if answer else None,
        topic=answer.topic if answer else None,
        commune_code=commune,
        district_code=loc.district_code or (commune[:4] if commune else None),
        province_code=loc.province_code or (commune[:2] if commune else None),
        by_council=contact.role == "commune_council",
        asked_at=deps.clock(),
    ))


def _with_safety_line(text: str, lang: str) -> str:
    """Append the safety numbers when the SMS stays within three segments."""
    longer = f"{text}\n{replies.render('safety_line', lang)}"
    return longer if count_segments(longer).segments <= 3 else text


def _tells_language(text: str) -> bool:
    """Whether a message says enough to judge its language: Khmer script always does; Latin text
    needs a few words (a lone "ok" or "1" must not switch a Khmer speaker to English)."""
    if any("\u1780" <= ch <= "\u17ff" for ch in text):
        return True
    return len([w for w in text.split() if any(c.isalpha() for c in w)]) >= 3


def _recent_open_case(uow: UnitOfWork, contact: Contact) -> dialogue.OpenCaseInfo | None:
    """The contact's newest case that is still open and was touched within LINK_WINDOW."""
    for case in uow.repo.cases_of_contact(contact.id):
        if case.status != CaseStatus.CLOSED and utcnow() - case.updated_at <= LINK_WINDOW:
            return dialogue.OpenCaseInfo(case.ref, case.kind)
    return None


def _add_to_case(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, ref: str, msg: Message, key: str) -> list[int]:
    """A second message about the same matter joins the open case instead of opening another."""
    case = uow.repo.case_by_ref(ref)
    assert case is not None and case.contact_id == contact.id
    msg.case_id = case.id
    case.updated_at = utcnow()
    add_event(uow, case, "citizen_message", "citizen", message_id=msg.id)
    outbound = _reply(uow, msg, contact, replies.render("added_to_case", contact.language, ref=case.ref), key)
    if case.office_id:
        body = replies.render_official("official_case_update", ref=case.ref)
        for official in uow.repo.linked_officials(case.office_id):
            out = queue_message(uow, channel=Channel.TELEGRAM, address=official.telegram_chat_id, body=body,
                                key=f"update:{msg.id}:{official.id}", official_id=official.id, case_id=case.id,
                                purpose="case_notification", urgent=case.urgent)
            outbound.append(out.id)
    return outbound


def _route_open_case(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, conversation: Conversation,
                     action: dialogue.RouteCase, msg: Message) -> list[int]:
    """The place of an already-open (protection) case has arrived: route it and confirm."""
    case = uow.repo.case(conversation.case_id) if conversation.case_id else None
    if case is None:
        return []
    loc = action.location
    case.province_code, case.district_code, case.commune_code = loc.province_code, loc.district_code, loc.commune_code
    msg.case_id = case.id
    add_event(uow, case, "place_given", "citizen", message_id=msg.id)
    outbound = route_case(uow, deps, case, actor="system")
    return outbound + _confirm_case(uow, msg, contact, case, action.then_ask)


def _mark_processed(msg: Message) -> None:
    msg.status = InboundStatus.PROCESSED
    msg.updated_at = utcnow()


def _reply(uow: UnitOfWork, inbound: Message, contact: Contact, body: str, key: str, purpose: str = "reply") -> list[int]:
    out = queue_message(
        uow,
        channel=inbound.channel,
        address=inbound.address,
        body=body,
        key=key,
        contact=contact,
        purpose=purpose,
    )
    return [out.id] if out.status == OutboundStatus.QUEUED else []


def _status_text(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, ref: str | None, lang: str) -> str:
    cases = uow.repo.cases_of_contact(contact.id)
    case = next((c for c in cases if c.ref == ref), None) if ref else (cases[0] if cases else None)
    if case is None:  # a sender sees only their own cases: someone else's ref is "not found"
        return replies.render("status_unknown", lang)
    office = uow.repo.office(case.office_id) if case.office_id else None
    words = replies.STATUS_WORDS.get(case.status, {"en": case.status, "km": case.status})
    return replies.render(
        "status",
        lang,
        ref=case.ref,
        status=words[replies.reply_language(lang)],
        office=office.name(lang) if office else "-",
    )


# ---------------------------------------------------------------- cases


def _unique_ref(uow: UnitOfWork) -> str:
    for _ in range(20):
        ref = new_case_ref()
        if uow.repo.case_by_ref(ref) is None:
            return ref
    raise RuntimeError("could not find a free case reference")


def add_event(uow: UnitOfWork, case: Case, type_: str, actor: str, **detail) -> None:
    """Append to the case's audit trail."""
    uow.repo.add(CaseEvent(case_id=case.id, type=type_, actor=actor, detail=detail))


def open_case(
    uow: UnitOfWork, deps: IntakeDeps, contact: Contact, action: dialogue.OpenCase, inbound: Message
) -> tuple[Case, list[int]]:
    """Open a case from the dialogue's decision, route it, tell the office, answer the citizen."""
    loc: Location = action.location
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
    )
    uow.repo.add(case)
    uow.repo.flush()
    add_event(uow, case, "opened", "citizen", channel=inbound.channel, message_id=inbound.id)
    inbound.case_id = case.id
    log.info("case %s opened (%s%s)", case.ref, case.kind, ", urgent" if case.urgent else "")
    if case.kind == CaseKind.PROTECTION and not case.province_code:
        # Urgent and no place yet: the national duty desk hears of it now, not when the
        # conversation ends.
        outbound = notify_duty_desk(uow, deps, case)
        return case, outbound
    outbound = route_case(uow, deps, case, actor="system")
    return case, outbound + _confirm_case(uow, inbound, contact, case, action.then_ask)


def _confirm_case(uow: UnitOfWork, inbound: Message, contact: Contact, case: Case, then_ask: str | None) -> list[int]:
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
    return _reply(uow, inbound, contact, text, f"case-confirmed:{case.id}:{case.office_id}")


def notify_duty_desk(uow: UnitOfWork, deps: IntakeDeps, case: Case) -> list[int]:
    """Tell the active admins (the national duty desk) about an urgent case with no place yet."""
    ids = []
    body = replies.render_official("official_unplaced_protection", ref=case.ref)
    for official in uow.repo.officials_with_role(OfficialRole.ADMIN):
        out = queue_message(uow, channel=Channel.TELEGRAM, address=official.telegram_chat_id, body=body,
                            key=f"duty:{case.id}:{official.id}", official_id=official.id, case_id=case.id,
                            purpose="case_notification", urgent=True)
        ids.append(out.id)
    add_event(uow, case, "duty_desk_notified", "system", officials=len(ids))
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
    if decision is None:
        add_event(uow, case, "unrouted", actor, reason="no office of this kind or no place")
        log.warning("case %s could not be routed", case.ref)
        return []
    case.office_id = decision.office.id
    case.routing_reason = reason_prefix + decision.reason
    case.distance_km = decision.distance_km
    case.status = CaseStatus.ROUTED
    case.updated_at = utcnow()
    add_event(uow, case, "routed", actor, office=decision.office.code, reason=case.routing_reason,
              distance_km=decision.distance_km)
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
    ids = []
    place, place_km = _place_line(deps, case), _place_line(deps, case, "km")
    if case.kind == CaseKind.PROTECTION:
        body = replies.render_official(
            "official_new_protection", ref=case.ref, place=place, place_km=place_km, reason=case.routing_reason,
            urgent="URGENT / បន្ទាន់: " if case.urgent else "",
        )
    else:
        summary = "\n".join(p for p in ((case.summary or "")[:600], (case.details or "")[:400]) if p)
        body = replies.render_official(
            "official_new_dispute", ref=case.ref, place=place, place_km=place_km, reason=case.routing_reason,
            summary=summary,
        )
    from intake.officials import case_buttons

    for official in uow.repo.linked_officials(case.office_id):
        out = queue_message(
            uow,
            channel=Channel.TELEGRAM,
            address=official.telegram_chat_id,
            body=body,
            key=f"notify:{case.id}:{case.office_id}:{official.id}",
            official_id=official.id,
            case_id=case.id,
            purpose="case_notification",
            urgent=case.urgent,
        )
        out.buttons = case_buttons(case)
        ids.append(out.id)
    return ids


def schedule_escalation(uow: UnitOfWork, deps: IntakeDeps, case: Case, level: int) -> None:
    """Check back later whether the case was accepted (minutes for urgent cases, hours else)."""
    wait = deps.policy.escalate_urgent_after if case.urgent else deps.policy.escalate_dispute_after
    uow.later.append(("worker.jobs.escalate", (case.id, level, case.office_id), deps.clock() + wait))


def escalate(uow: UnitOfWork, deps: IntakeDeps, case_id: int, level: int, office_id: int | None) -> list[int]:
    """A case nobody accepted: remind the office, then tell the province's coordinators, then
    send it to the next nearest office. Each step is an event; nothing happens if the case was
    accepted, closed or moved meanwhile."""
    case = uow.repo.case(case_id)
    if case is None or case.accepted_by or case.status not in (CaseStatus.ROUTED,) or case.office_id != office_id:
        return []
    case.escalation_level = level
    if level == 1:
        body = replies.render_official("official_reminder", ref=case.ref)
        ids = [queue_message(uow, channel=Channel.TELEGRAM, address=o.telegram_chat_id, body=body,
                             key=f"escalate:{case.id}:{office_id}:1:{o.id}", official_id=o.id, case_id=case.id,
                             purpose="case_notification", urgent=case.urgent).id
               for o in uow.repo.linked_officials(case.office_id)]
        add_event(uow, case, "escalation_reminder", "system", officials=len(ids))
        schedule_escalation(uow, deps, case, 2)
        return ids
    if level == 2:
        office = uow.repo.office(case.office_id)
        coordinators = uow.repo.officials_of_province(office.province_code, OfficialRole.COORDINATOR) if office else []
        body = replies.render_official("official_escalated", ref=case.ref, office=office.name_en if office else "?")
        ids = []
        for o in coordinators:
            out = queue_message(uow, channel=Channel.TELEGRAM, address=o.telegram_chat_id, body=body,
                                key=f"escalate:{case.id}:{office_id}:2:{o.id}", official_id=o.id, case_id=case.id,
                                purpose="case_notification", urgent=case.urgent)
            from intake.officials import case_buttons

            out.buttons = case_buttons(case)
            ids.append(out.id)
        add_event(uow, case, "escalated_to_coordinator", "system", coordinators=len(ids))
        schedule_escalation(uow, deps, case, 3)
        return ids
    # level 3: the next nearest office of the same kind
    current = uow.repo.office(case.office_id)
    others = [o for o in uow.repo.offices(current.kind if current else None) if o.id != case.office_id]
    if not others or current is None:
        add_event(uow, case, "escalation_exhausted", "system")
        return []
    nearest = min(others, key=lambda o: (great_circle_km((current.lat, current.lon), (o.lat, o.lon)), o.code))
    return reroute(uow, deps, case, nearest, actor="system", reason="escalated: not accepted")


def reroute(uow: UnitOfWork, deps: IntakeDeps, case: Case, office, actor: str, reason: str = "re-routed") -> list[int]:
    """Move a case to another office, with the reason, and tell that office."""
    previous = case.office_id
    case.office_id = office.id
    case.routing_reason = reason
    case.distance_km = None
    case.status = CaseStatus.ROUTED
    case.accepted_by = None
    case.escalation_level = 0
    case.updated_at = deps.clock()
    add_event(uow, case, "rerouted", actor, office=office.code, previous_office_id=previous, reason=reason)
    log.info("case %s re-routed to %s (%s)", case.ref, office.code, reason)
    schedule_escalation(uow, deps, case, 1)
    return notify_office(uow, deps, case)


def message_citizen(uow: UnitOfWork, deps: IntakeDeps, case: Case, text: str, key: str, purpose: str,
                    awaiting: tuple[str, dict] | None = None) -> list[int]:
    """Send the case's citizen a message we start (appointment, reminder, follow-up) on the channel
    they used first; respects opt-out and "not safe to text". `awaiting` sets the conversation to
    expect their 1/2 answer."""
    contact = uow.repo.contact(case.contact_id)
    identities = uow.repo.identities_of(contact.id)
    if not identities:
        return []
    identity = identities[0]
    out = queue_message(uow, channel=identity.channel, address=identity.address, body=text, key=key,
                        contact=contact, case_id=case.id, purpose=purpose, urgent=False)
    if out.status != OutboundStatus.QUEUED:
        add_event(uow, case, "message_withheld", "system", purpose=purpose)
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
    if appointment is None or appointment.status != AppointmentStatus.SCHEDULED \
            or appointment.starts_at.isoformat() != starts_at_iso:
        return []
    case = uow.repo.case(appointment.case_id)
    contact = uow.repo.contact(case.contact_id)
    from intake.officials import when_text

    text = replies.render("reminder", contact.language, ref=case.ref, place=appointment.place,
                          when=when_text(deps, appointment.starts_at, contact.language))
    ids = message_citizen(uow, deps, case, text, f"reminder:{appointment.id}:{hours}", purpose="reminder")
    if ids:
        add_event(uow, case, "reminder_sent", "system", hours_before=hours)
    return ids


def follow_up(uow: UnitOfWork, deps: IntakeDeps, case_id: int) -> list[int]:
    """A few days after the session: was the dispute settled? (1 yes 2 no)."""
    case = uow.repo.case(case_id)
    if case is None or case.follow_up_answer or case.status not in (CaseStatus.RESOLVED, CaseStatus.NOT_RESOLVED,
                                                                     CaseStatus.REFERRED):
        return []
    contact = uow.repo.contact(case.contact_id)
    text = replies.render("follow_up", contact.language, ref=case.ref)
    ids = message_citizen(uow, deps, case, text, f"follow-up:{case.id}", purpose="follow_up",
                          awaiting=("awaiting_follow_up", {"case_id": case.id}))
    if ids:
        add_event(uow, case, "follow_up_sent", "system")
    return ids


def check_in(uow: UnitOfWork, deps: IntakeDeps, case_id: int, days: int) -> list[int]:
    """A discreet check-in on a protection case (wording agreed at intake names nothing)."""
    case = uow.repo.case(case_id)
    if case is None or case.status in (CaseStatus.CLOSED, CaseStatus.EVALUATED):
        return []
    contact = uow.repo.contact(case.contact_id)
    ids = message_citizen(uow, deps, case, replies.render("check_in", contact.language), f"check-in:{case.id}:{days}",
                          purpose="check_in", awaiting=("awaiting_check_in", {"case_id": case.id}))
    if ids:
        add_event(uow, case, "check_in_sent", "system", day=days)
    return ids


# ---------------------------------------------------------------- officials


def _official_command(uow: UnitOfWork, deps: IntakeDeps, msg: Message, text: str) -> list[int] | None:
    """Handle /start CODE and messages from linked officials; None when it is a citizen's."""
    from intake import officials

    parts = text.split()
    official = uow.repo.official_by_chat(msg.address)
    if parts and parts[0].lower().startswith("/start") and len(parts) >= 2:
        return _link_official(uow, msg, parts[1])
    if official is None:
        return None
    return officials.handle(uow, deps, official, text, msg.id)


def _link_official(uow: UnitOfWork, msg: Message, code: str) -> list[int]:
    official = uow.repo.official_by_invite(hash_invite_code(code))
    key = f"reply:{msg.id}:0"
    now = utcnow()
    if official is None or (official.invite_expires_at and official.invite_expires_at < now):
        log.info("invite code refused for a telegram chat")
        body = replies.render_official("official_bad_code")
        out = queue_message(uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key,
                            purpose="official_reply")
        return [out.id]
    if not official.active:
        body = replies.render_official("official_inactive")
        out = queue_message(uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key,
                            purpose="official_reply")
        return [out.id]
    previous = uow.repo.official_by_chat(msg.address)
    if previous is not None and previous.id != official.id:
        previous.telegram_chat_id = None  # one Telegram account, one official
        uow.repo.flush()
    official.telegram_chat_id = msg.address
    official.invite_code_hash = None  # one-time
    official.invite_expires_at = None
    official.linked_at = now
    office = uow.repo.office(official.office_id)
    log.info("official %s linked telegram for office %s", official.id, office.code if office else "?")
    body = replies.render_official("official_linked", office=office.name_km if office else "?")
    out = queue_message(uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key,
                        official_id=official.id, purpose="official_reply")
    return [out.id]


# ---------------------------------------------------------------- outbound


def queue_message(
    uow: UnitOfWork,
    *,
    channel: str,
    address: str,
    body: str,
    key: str,
    contact: Contact | None = None,
    official_id: int | None = None,
    case_id: int | None = None,
    purpose: str = "reply",
    urgent: bool = False,
) -> Message:
    """Persist an outbound message under an idempotency key (a second call returns the first
    message). A contact who opted out gets nothing but the confirmation of their STOP."""
    existing = uow.repo.outbound_by_key(key)
    if existing:
        return existing
    suppressed = contact is not None and (
        (contact.opted_out and purpose not in OPT_OUT_EXEMPT)
        or (not contact.safe_to_sms and channel == Channel.SMS and purpose not in SOLICITED)
    )
    msg = Message(
        direction="out",
        channel=channel,
        address=address,
        body=body,
        status=OutboundStatus.SUPPRESSED if suppressed else OutboundStatus.QUEUED,
        idempotency_key=key,
        contact_id=contact.id if contact else None,
        official_id=official_id,
        case_id=case_id,
        purpose=purpose,
        urgent=urgent,
    )
    uow.repo.add(msg)
    uow.repo.flush()
    return msg


TWILIO_STATUS = {
    "queued": OutboundStatus.SENT,
    "accepted": OutboundStatus.SENT,
    "sending": OutboundStatus.SENT,
    "sent": OutboundStatus.SENT,
    "delivered": OutboundStatus.DELIVERED,
    "undelivered": OutboundStatus.UNDELIVERED,
    "failed": OutboundStatus.FAILED,
}
_STATUS_RANK = {OutboundStatus.SENT: 1, OutboundStatus.DELIVERED: 2, OutboundStatus.UNDELIVERED: 2, OutboundStatus.FAILED: 2}


def record_delivery_status(uow: UnitOfWork, provider_id: str, provider_status: str, error_code: str | None) -> bool:
    """Apply a provider's status callback; callbacks arrive out of order, so a final state is
    never overwritten by an earlier one. False when the message is unknown."""
    msg = uow.repo.outbound_by_provider_id(provider_id)
    if msg is None:
        return False
    new = TWILIO_STATUS.get(provider_status.lower())
    if new is None:
        return True
    if _STATUS_RANK.get(new, 0) >= _STATUS_RANK.get(msg.status, 0):
        msg.status = new
        msg.updated_at = utcnow()
        if error_code:
            msg.error = f"provider error {error_code}"[:300]
    return True


def held_for_quiet_hours(msg: Message, deps: IntakeDeps) -> datetime | None:
    """No SMS we start (reminders, follow-ups) between 21:00 and 07:00 in Cambodia unless urgent;
    answers to what the person just wrote go at once. Returns when it may go, or None."""
    if msg.channel != Channel.SMS or msg.urgent or msg.purpose in SOLICITED:
        return None
    return deps.policy.quiet_until(deps.clock())


def stale_work(uow: UnitOfWork, older_than: timedelta) -> tuple[list[int], list[int]]:
    """Inbound messages never processed and outbound messages never sent, older than
    `older_than`: what a lost job (Redis down, worker killed) left behind."""
    cutoff = utcnow() - older_than
    inbound = uow.repo.messages_in_status("in", [InboundStatus.RECEIVED], cutoff)
    outbound = uow.repo.messages_in_status("out", [OutboundStatus.QUEUED], cutoff)
    return inbound, outbound
