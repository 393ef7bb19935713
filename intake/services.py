"""The inbound pipeline: what happens to a message from a citizen or an official.

`record_inbound` stores it once; `process_inbound` understands it, runs the intake dialogue and
carries out the decision (cases in `intake/cases.py`, sends in `intake/outbound.py`, officials'
commands in `intake/officials.py`). Functions take a unit of work and the ports they need and
return the ids of the messages to send; callers commit and enqueue.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from intake import dialogue, invites, job_names, officials, replies
from intake.cases import (
    case_readers,
    confirm_case,
    contact_for,
    duty_desk,
    open_case,
    route_case,
    shows_narrative,
    tell_about_case,
)
from intake.deps import IntakeDeps
from intake.model import (
    AppointmentAnswer,
    AppointmentStatus,
    CaseKind,
    CaseStatus,
    Channel,
    Contact,
    ContactRole,
    Conversation,
    Direction,
    InboundStatus,
    LegalQuestion,
    Message,
    Purpose,
)
from intake.outbound import notify_officials, queue_message, reply_to
from intake.sanitize import bounded, clean_text
from intake.sms import count_segments
from intake.unit_of_work import UnitOfWork
from nlu.khmer import normalize

log = logging.getLogger(__name__)


# Column widths of messages.address and messages.provider_message_id.
ADDRESS_CHARS = 64
PROVIDER_ID_CHARS = 64

MAX_INBOUND_CHARS = 4000  # longer texts are kept whole in the record but understood in part


LINK_WINDOW = timedelta(days=7)


STALE_AFTER = timedelta(days=3)


def record_inbound(
    uow: UnitOfWork,
    channel: str,
    address: object,
    provider_id: object,
    body: object,
    *,
    now: datetime,
    error: str | None = None,
) -> tuple[int, bool]:
    """Store an inbound message once per provider id, in one statement (`INSERT ... ON CONFLICT DO
    NOTHING RETURNING id`). Returns (message id, created?). Every field is cleaned and bounded
    first (intake.sanitize), so no bytes a provider sends can fail the insert. `error` stores it
    as failed, kept for an admin but never processed (a delivery with no sender to answer)."""
    message_id, created = uow.repo.insert_inbound(inbound_row(channel, address, provider_id, body, now, error=error))
    if created:
        log.info("inbound message %s stored (%s)", message_id, channel)
    return message_id, created


def inbound_row(
    channel: str, address: object, provider_id: object, body: object, now: datetime, *, error: str | None = None
) -> dict[str, object]:
    """The `messages` row of an inbound delivery, every field cleaned and bounded to its column."""
    return {
        "direction": Direction.IN.value,
        "channel": str(channel),
        "address": bounded(address, ADDRESS_CHARS),
        "body": clean_text(body),
        "status": (InboundStatus.FAILED if error else InboundStatus.RECEIVED).value,
        "provider_message_id": bounded(provider_id, PROVIDER_ID_CHARS),
        "purpose": Purpose.INBOUND.value,
        "urgent": False,
        "attempts": 0,
        "error": bounded(error, 300) if error else None,
        "created_at": now,
        "updated_at": now,
    }


def process_inbound(uow: UnitOfWork, deps: IntakeDeps, message_id: int) -> list[int]:
    """Understand one stored inbound message and act on it: link an official, run the intake
    dialogue, open and route a case, notify the office, queue the replies. Safe to call twice:
    the second call finds the message processed and does nothing. Returns outbound ids to send.

    One sender's messages are handled one at a time and in the order they arrived, whichever job
    runs first: under the sender's lock, any earlier message of theirs still waiting is handled
    before this one (its own job then finds it done)."""
    head = uow.repo.message(message_id)
    if head is None or head.direction != Direction.IN or head.status != InboundStatus.RECEIVED:
        return []
    # Understood before the lock is taken: the NLU can be slow (its first call loads models), and
    # on SQLite the lock is the database's single write lock.
    understood = _understand(uow, deps, head)
    uow.repo.lock_sender(head.channel, head.address)
    pending = uow.repo.unprocessed_inbound_until(head.channel, head.address, head.id)
    outbound: list[int] = []
    for msg in pending:
        # Read ahead of the lock only when nothing earlier came first: an earlier /start CODE
        # may just have made this chat an official's.
        outbound += _process_safely(uow, deps, msg, understood if pending == [head] else None)
    return outbound


def _process_safely(uow: UnitOfWork, deps: IntakeDeps, msg: Message, understanding) -> list[int]:
    """One message in a savepoint: if handling it raises, what it did is undone, it is marked
    failed (for an admin; the type of error logged, never its text) and the sender's later
    messages still go ahead."""
    scheduled = len(uow.later)
    try:
        with uow.savepoint():
            return _process_message(uow, deps, msg, understanding)
    except Exception as exc:  # noqa: BLE001 - one bad message must not block its sender
        del uow.later[scheduled:]
        msg.status = InboundStatus.FAILED
        msg.updated_at = deps.clock()
        log.error("inbound message %s failed (%s); marked failed", msg.id, type(exc).__name__)
        return []


def _understand(uow: UnitOfWork, deps: IntakeDeps, msg: Message):
    """The NLU's reading of a citizen's message; None for what may be an official's command
    (a Telegram command, or any message from a linked official: these never go to the NLU)."""
    text = normalize(msg.body)[:MAX_INBOUND_CHARS]
    if msg.channel == Channel.TELEGRAM and (text.startswith("/") or uow.repo.official_by_chat(msg.address)):
        return None
    return deps.understander.understand(text)


def _process_message(uow: UnitOfWork, deps: IntakeDeps, msg: Message, understanding=None) -> list[int]:
    """Act on one inbound message (the sender's lock is held). `understanding`, when given, says
    the message was already found to be a citizen's and read by the NLU."""
    text = normalize(msg.body)[:MAX_INBOUND_CHARS]
    now = deps.clock()

    if understanding is None and msg.channel == Channel.TELEGRAM:
        out = _official_command(uow, deps, msg, text)
        if out is not None:
            _mark_processed(msg, now)
            return out

    understanding = understanding or deps.understander.understand(text)
    has_words = any(ch.isalpha() for ch in text)
    # Khmer first: a newcomer whose message has no words is answered in Khmer.
    first_language = replies.reply_language(understanding.language) if has_words else "km"
    contact = contact_for(uow, msg.channel, msg.address, first_language)
    msg.contact_id = contact.id
    if _tells_language(text) and not contact.language_fixed:
        contact.language = replies.reply_language(understanding.language)
    conversation = uow.repo.conversation(contact.id)
    if conversation is None:
        conversation = Conversation(contact_id=contact.id, updated_at=now)
        uow.repo.add(conversation)
    stale = conversation.state != dialogue.IDLE and now - conversation.updated_at > STALE_AFTER
    data = dict(conversation.data or {})
    if conversation.updated_at and now - conversation.updated_at > LINK_WINDOW:
        data.pop(dialogue.SAFETY_ASKED, None)  # a week of silence: a new conversation

    decision = dialogue.step(
        text,
        understanding,
        conversation.state,
        data,
        open_case=_recent_open_case(uow, contact, now),
        stale=stale,
    )
    outbound = _carry_out(uow, deps, msg, contact, conversation, decision, understanding, now)
    log.info("inbound message %s processed: intent %s via %s", msg.id, understanding.intent, understanding.backend)
    return outbound


SAFETY_TIMEOUT = timedelta(minutes=30)


def safety_timeout(uow: UnitOfWork, deps: IntakeDeps, contact_id: int, message_id: int) -> list[int]:
    """The safety question asked about message `message_id` went unanswered for SAFETY_TIMEOUT:
    open the protection case (a victim who cannot answer must not be dropped). Does nothing when
    the question was answered, or the conversation moved on, meanwhile (safe to run twice)."""
    conversation = uow.repo.conversation(contact_id)
    if conversation is None or conversation.state != dialogue.AWAITING_SAFETY:
        return []
    pending = (conversation.data or {}).get("pending") or {}
    msg = uow.repo.message(message_id)
    contact = uow.repo.contact(contact_id)
    if pending.get("message_id") != message_id or msg is None or contact is None:
        return []
    log.info("safety question on message %s unanswered: protection case", message_id)
    decision = dialogue.safety_timeout(dict(conversation.data))
    return _carry_out(uow, deps, msg, contact, conversation, decision, None, deps.clock(), key_prefix="safety-timeout")


def _carry_out(
    uow: UnitOfWork,
    deps: IntakeDeps,
    msg: Message,
    contact: Contact,
    conversation: Conversation,
    decision: dialogue.Decision,
    understanding,
    now: datetime,
    key_prefix: str = "reply",
) -> list[int]:
    """Carry out the dialogue's decision about `msg` and move the conversation on; returns the
    outbound ids. `key_prefix` keeps replies made later about the same message (the safety
    timeout) apart from the first ones."""
    outbound: list[int] = []
    for n, action in enumerate(decision.actions):
        lang = contact.language
        key = f"{key_prefix}:{msg.id}:{n}"
        if isinstance(action, dialogue.Reply):
            params = dict(action.params)
            if "province_code" in params:
                params["province"] = deps.places.name(params.pop("province_code"), lang)
            if "candidates" in params:
                params["choices"] = _place_choices(deps, params.pop("candidates"), lang)
            purpose = Purpose.STOP_CONFIRMATION if action.key == "stopped" else Purpose.REPLY
            outbound += reply_to(uow, msg, contact, replies.render(action.key, lang, **params), key, purpose)
        elif isinstance(action, dialogue.SetOptOut):
            contact.opted_out = action.opted_out
            log.info("contact %s opted %s", contact.id, "out" if action.opted_out else "in")
        elif isinstance(action, dialogue.SetSafeContact):
            contact.safe_to_sms = action.safe
            contact.safe_hours = action.hours
            log.info("contact %s: safe to message %s (%s)", contact.id, action.safe, action.hours or "any time")
        elif isinstance(action, dialogue.SetLanguage):
            contact.language = (
                ("en" if contact.language == "km" else "km") if action.language == "toggle" else action.language
            )
            contact.language_fixed = True
        elif isinstance(action, dialogue.OpenCase):
            written_in = str(understanding.language) if understanding is not None else None
            case, ids = open_case(uow, deps, contact, action, msg, written_in)
            conversation.case_id = case.id
            outbound += ids
        elif isinstance(action, dialogue.RouteCase):
            outbound += _route_open_case(uow, deps, contact, conversation, action, msg)
        elif isinstance(action, dialogue.AddToCase):
            outbound += _add_to_case(uow, deps, contact, action.ref, msg, key)
        elif isinstance(action, dialogue.ShowStatus):
            outbound += reply_to(uow, msg, contact, _status_text(uow, deps, contact, action.ref, lang), key)
        elif isinstance(action, dialogue.AnswerLegalQuestion):
            # The reading of the question itself (after a safety question, not of the "2" answering it).
            understanding = action.understanding or understanding
            reply = deps.legal.answer(action.text, understanding.language, msg.channel) if deps.legal else None
            # Not confident: never guess the law. The likely topics are offered by number if any come close.
            answer = reply if reply is not None and reply.article_id else None
            offer = reply if reply is not None and not reply.article_id else None
            text_out = answer.text if answer else offer.text if offer else replies.render("legal_holding", lang)
            if understanding.danger:  # a question about violence: the safety numbers go with it
                text_out = _with_safety_line(text_out, lang)
            outbound += _legal_reply(uow, msg, contact, text_out, answer, key, offer)
            _record_question(uow, deps, msg, contact, understanding, answer, offered=offer is not None)
            if answer:
                decision.data = dict(decision.data, last_article=answer.article_id)
            elif offer:
                decision.state = dialogue.AWAITING_TOPIC
                decision.data = dict(decision.data, choices=[aid for aid, _ in offer.choices])
        elif isinstance(action, dialogue.ShowArticle):
            answer = deps.legal.article(action.article_id, lang, msg.channel) if deps.legal else None
            text_out = answer.text if answer else replies.render("help", lang)
            outbound += _legal_reply(uow, msg, contact, text_out, answer, key)
            if answer:
                decision.data = dict(decision.data, last_article=answer.article_id)
        elif isinstance(action, dialogue.CitizenAnswer):
            outbound += _citizen_answer(uow, deps, contact, action, msg, key)
        elif isinstance(action, dialogue.ShowMore):
            parts = (deps.legal.more(action.article_id, lang) if deps.legal else []) or [replies.render("help", lang)]
            page = action.page if action.page < len(parts) else 0  # past the end: from the start
            outbound += reply_to(uow, msg, contact, parts[page], f"{key}:{page}")
            decision.data = dict(decision.data, more_next=page + 1)
        elif isinstance(action, dialogue.AskSafety):
            ids = reply_to(uow, msg, contact, replies.render("ask_safety", lang), key)
            if ids and msg.channel == Channel.TELEGRAM:
                uow.repo.message(ids[0]).buttons = [
                    [[replies.render("safety_yes_button", lang), "1"], [replies.render("safety_no_button", lang), "2"]]
                ]
            outbound += ids
            decision.data = dict(decision.data, pending=dict(decision.data.get("pending") or {}, message_id=msg.id))
            uow.later.append((job_names.SAFETY_TIMEOUT, (contact.id, msg.id), now + SAFETY_TIMEOUT))
    conversation.state = decision.state
    conversation.data = decision.data
    conversation.updated_at = now
    _mark_processed(msg, now)
    return outbound


def _citizen_answer(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, action, msg: Message, key: str) -> list[int]:
    """A 1/2 answer to a question we asked: will you come, was it settled, are you safe."""
    lang = contact.language
    if action.question == dialogue.AWAITING_APPOINTMENT_ANSWER:
        appointment = uow.repo.appointment(action.data.get("appointment_id", 0))
        if appointment is None or appointment.status != AppointmentStatus.SCHEDULED:
            return reply_to(uow, msg, contact, replies.render("help", lang), key)
        case = uow.repo.case(appointment.case_id)
        other_party = action.data.get("party") == "other_party"
        answer = AppointmentAnswer.WILL_COME if action.yes else AppointmentAnswer.CANNOT_COME
        if other_party:
            uow.repo.add(case.event("other_party_answer", "other_party", deps.clock(), answer=answer))
        else:
            appointment.citizen_answer = answer
            uow.repo.add(case.event("citizen_answer", "citizen", deps.clock(), answer=answer))
        out = reply_to(uow, msg, contact, replies.render(answer, lang), key)
        who = "official_party_other" if other_party else "official_party_person"
        body = replies.render_official(
            "official_will_come" if action.yes else "official_cannot_come",
            ref=case.ref,
            who=replies.TEMPLATES[who]["en"],
            who_km=replies.TEMPLATES[who]["km"],
            **replies.when_params(deps.policy, appointment.starts_at),
        )
        return out + notify_officials(
            uow, uow.repo.linked_officials(case.office_id), body=body, key_prefix=f"answer:{msg.id}", case_id=case.id
        )
    if action.question == dialogue.AWAITING_FOLLOW_UP:
        case = uow.repo.case(action.data.get("case_id", 0))
        if case is None or case.contact_id != contact.id:
            return []
        uow.repo.add(case.record_follow_up(action.yes, deps.clock()))
        return reply_to(uow, msg, contact, replies.render("thanks_follow_up", lang), key)
    if action.question == dialogue.AWAITING_CHECK_IN:
        case = uow.repo.case(action.data.get("case_id", 0))
        if case is None or case.contact_id != contact.id:
            return []
        uow.repo.add(case.event("check_in_answer", "citizen", deps.clock(), needs_help=not action.yes))
        officials = case_readers(uow, case)
        answer = "check_in_ok" if action.yes else "check_in_help" if officials else "check_in_help_untold"
        out = reply_to(uow, msg, contact, replies.render(answer, lang), key, case_id=case.id)
        if not action.yes:
            head = replies.render_official("official_check_in_help", ref=case.ref)
            if officials:
                out += tell_about_case(
                    uow, deps, case, officials, head, key_prefix=f"check-in-help:{msg.id}", urgent=True
                )
            else:
                out += tell_about_case(
                    uow, deps, case, duty_desk(uow, case), head, key_prefix=f"check-in-help:{msg.id}", urgent=True
                )
        return out
    return []


def _legal_reply(uow: UnitOfWork, msg: Message, contact: Contact, text: str, answer, key: str, offer=None) -> list[int]:
    """A legal answer; on Telegram with buttons for related questions (or the offered topics) and
    for opening a case."""
    ids = reply_to(uow, msg, contact, text, key)
    if ids and msg.channel == Channel.TELEGRAM and (answer is not None or offer is not None):
        out = uow.repo.message(ids[0])
        if answer is not None:
            rows = [[[title[:60], f"kb:{rid}"]] for rid, title in answer.related[:3]]
        else:
            rows = [[[f"{n}) {label}"[:60], f"kb:{rid}"]] for n, (rid, label) in enumerate(offer.choices, start=1)]
        rows.append([[replies.render("open_case_button", contact.language), "open:case"]])
        out.buttons = rows
    return ids


def _record_question(
    uow: UnitOfWork, deps: IntakeDeps, msg: Message, contact: Contact, understanding, answer, offered: bool = False
) -> None:
    """Count the question for the demand report: topic, place, language, and whether it was
    answered, offered close articles or declined — never its text."""
    loc = understanding.location
    commune = loc.commune_code or (contact.commune_code if contact.role == ContactRole.COMMUNE_COUNCIL else None)
    uow.repo.add(
        LegalQuestion(
            channel=msg.channel,
            language=str(understanding.language),
            answered=answer is not None,
            article_id=answer.article_id if answer else None,
            topic=answer.topic if answer else None,
            offered=offered,
            commune_code=commune,
            district_code=loc.district_code or (commune[:4] if commune else None),
            province_code=loc.province_code or (commune[:2] if commune else None),
            by_council=contact.role == ContactRole.COMMUNE_COUNCIL,
            asked_at=deps.clock(),
        )
    )


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


def _recent_open_case(uow: UnitOfWork, contact: Contact, now: datetime) -> dialogue.OpenCaseInfo | None:
    """The contact's newest case that is still open and was touched within LINK_WINDOW."""
    for case in uow.repo.cases_of_contact(contact.id):
        if case.status != CaseStatus.CLOSED and now - case.updated_at <= LINK_WINDOW:
            return dialogue.OpenCaseInfo(case.ref, case.kind)
    return None


def _add_to_case(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, ref: str, msg: Message, key: str) -> list[int]:
    """A second message about the same matter (or an answer to the office) joins the open case
    and reaches the office: its words to those who may read the case's words, with the case's
    actions. Nobody linked there: the duty desk hears of it, and the person is not told that
    the office was."""
    case = uow.repo.case_by_ref(ref)
    assert case is not None and case.contact_id == contact.id
    uow.repo.add(case.add_message(msg, deps.clock()))
    readers = case_readers(uow, case)
    answer = "added_to_case" if readers else "added_to_case_untold"
    outbound = reply_to(uow, msg, contact, replies.render(answer, contact.language, ref=case.ref), key, case_id=case.id)
    for official in readers or duty_desk(uow, case):
        if shows_narrative(uow, official, case):
            head = replies.render_official("official_person_wrote", ref=case.ref, text=msg.body[:1500])
        else:
            head = replies.render_official("official_case_update", ref=case.ref)
        outbound += tell_about_case(
            uow, deps, case, [official], head, key_prefix=f"update:{msg.id}", urgent=case.urgent
        )
    return outbound


def _route_open_case(
    uow: UnitOfWork,
    deps: IntakeDeps,
    contact: Contact,
    conversation: Conversation,
    action: dialogue.RouteCase,
    msg: Message,
) -> list[int]:
    """The place of an already-open (protection) case has arrived: route it and confirm."""
    case = uow.repo.case(conversation.case_id) if conversation.case_id else None
    if case is None:
        return []
    loc = action.location
    case.province_code, case.district_code, case.commune_code = loc.province_code, loc.district_code, loc.commune_code
    msg.case_id = case.id
    uow.repo.add(case.event("place_given", "citizen", deps.clock(), message_id=msg.id))
    outbound = route_case(uow, deps, case, actor="system")
    return outbound + confirm_case(uow, msg, contact, case, action.then_ask)


def _place_choices(deps: IntakeDeps, candidates: list, lang: str) -> str:
    """Numbered places that share a name, each with its district and province in the reader's
    script: "1) Samraong District, Takéo Province, 2) Samraong Municipality, Oddar Meanchey Province"."""
    options = []
    for n, (_level, code, _name_km, _name_latin) in enumerate(candidates, start=1):
        parts = [deps.places.name(code, lang)]
        if len(code) > 4:
            parts.append(deps.places.name(code[:4], lang))
        if len(code) > 2:
            parts.append(deps.places.name(code[:2], lang))
        options.append(f"{n}) " + (", " if lang == "en" else " ").join(parts))
    return ", ".join(options) if lang == "en" else " ".join(options)


def _mark_processed(msg: Message, now: datetime) -> None:
    msg.status = InboundStatus.PROCESSED
    msg.updated_at = now


def _status_text(uow: UnitOfWork, deps: IntakeDeps, contact: Contact, ref: str | None, lang: str) -> str:
    cases = uow.repo.cases_of_contact(contact.id)
    case = next((c for c in cases if c.ref == ref), None) if ref else (cases[0] if cases else None)
    if case is None:  # a sender sees only their own cases: someone else's ref is "not found"
        return replies.render("status_unknown", lang)
    office = uow.repo.office(case.office_id) if case.office_id else None
    status = case.status
    if case.kind == CaseKind.PROTECTION and case.is_open and status != CaseStatus.ROUTED:
        status = "in_progress"  # a stage's name would tell whoever reads the phone what the case is
    words = replies.STATUS_WORDS.get(status, replies.STATUS_WORDS["in_progress"])[replies.reply_language(lang)]
    session = next((a for a in uow.repo.appointments_of(case.id) if a.status == AppointmentStatus.SCHEDULED), None)
    if case.status == CaseStatus.SCHEDULED and session is not None:
        words = f"{words} {replies.when_text(deps.policy, session.starts_at, lang)}"
    return replies.render("status", lang, ref=case.ref, status=words, office=office.name(lang) if office else "-")


def _official_command(uow: UnitOfWork, deps: IntakeDeps, msg: Message, text: str) -> list[int] | None:
    """Handle /start CODE and messages from linked officials; None when it is a citizen's."""
    parts = text.split()
    official = uow.repo.official_by_chat(msg.address)
    if parts and parts[0].lower().startswith("/start") and len(parts) >= 2:
        return _link_official(uow, deps, msg, "".join(parts[1:]), deps.clock())  # a code typed in groups
    if official is None:
        return None
    return officials.handle(uow, deps, official, text, msg.id)


def _link_official(uow: UnitOfWork, deps: IntakeDeps, msg: Message, code: str, now: datetime) -> list[int]:
    key = f"reply:{msg.id}:0"
    if invites.locked_out(uow, msg.address, now):
        log.warning("invite code refused unchecked: too many wrong codes in the last hour")
        body = replies.render_official("official_code_locked")
        out = queue_message(
            uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key, purpose=Purpose.OFFICIAL_REPLY
        )
        return [out.id]
    official = invites.official_for_code(uow, code, deps.invite_key)
    wrong = official is None or bool(official.invite_expires_at and official.invite_expires_at < now)
    invites.record_attempt(uow, msg.address, ok=not wrong, now=now)
    if wrong:
        log.info("invite code refused for a telegram chat")
        body = replies.render_official("official_bad_code")
        out = queue_message(
            uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key, purpose=Purpose.OFFICIAL_REPLY
        )
        return [out.id]
    if not official.active:
        body = replies.render_official("official_inactive")
        out = queue_message(
            uow, channel=Channel.TELEGRAM, address=msg.address, body=body, key=key, purpose=Purpose.OFFICIAL_REPLY
        )
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
    body = replies.render_official(
        "official_linked", office=office.name_en if office else "?", office_km=office.name_km if office else "?"
    )
    out = queue_message(
        uow,
        channel=Channel.TELEGRAM,
        address=msg.address,
        body=body,
        key=key,
        official_id=official.id,
        purpose=Purpose.OFFICIAL_REPLY,
    )
    return [out.id]
