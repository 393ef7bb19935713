"""How long people's words are kept, and forgetting a person on request.

`erase_expired`: what people wrote on a case — the narrative (summary, details), the other
party's phone, the office's notes, the messages filed on the case and the person's intake
exchange before it — is erased once the case has been closed (a dispute's outcome, a protection
case's closing) for the period of its kind, counted from its last change. The rows stay with their
counts, kinds, places, statuses, timestamps and events: the indicators (intake.indicators) and
the reports count them, never read them. A job runs it daily (`worker.jobs.erase_expired`,
scheduled by the recovery sweep).

`erase_unfiled`: the messages filed on no case (legal questions and their answers, a conversation
that never became a case, what a person wrote after their last case) are erased once older than
RETENTION_UNFILED_DAYS, unless their person still has a case whose words are kept (the intake
exchange before a case goes with that case, above). Run by the same job.

`forget_person`: one person's texts, narratives, notes and phone numbers erased now (`flask
--app bot people forget PHONE`), leaving anonymous rows, with a line in the audit log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update

from intake import job_names, orm, staff
from intake.model import OUTCOMES, CaseKind, CaseStatus
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

BATCH = 200  # cases erased per transaction
MESSAGE_BATCH = 2000  # messages filed on no case erased per transaction
ERASED = ""  # what an erased text or address reads as


@dataclass(frozen=True)
class RetentionPolicy:
    """Days a closed case's words are kept, by kind (RETENTION_DISPUTE_DAYS, _PROTECTION_DAYS),
    and messages filed on no case (RETENTION_UNFILED_DAYS, from when they were written)."""

    dispute_days: int = 180
    protection_days: int = 365
    unfiled_days: int = 180


CLOSED = {
    CaseKind.DISPUTE: [str(s) for s in (*OUTCOMES, CaseStatus.CLOSED, CaseStatus.EVALUATED)],
    CaseKind.PROTECTION: [str(s) for s in (CaseStatus.CLOSED, CaseStatus.EVALUATED)],
}


def _expired(policy: RetentionPolicy, now: datetime):
    """Cases closed longer ago than their kind's period, not erased yet."""
    c = orm.cases.c
    return and_(
        c.erased_at.is_(None),
        or_(
            and_(
                c.kind == str(CaseKind.DISPUTE),
                c.status.in_(CLOSED[CaseKind.DISPUTE]),
                c.updated_at < now - timedelta(days=policy.dispute_days),
            ),
            and_(
                c.kind == str(CaseKind.PROTECTION),
                c.status.in_(CLOSED[CaseKind.PROTECTION]),
                c.updated_at < now - timedelta(days=policy.protection_days),
            ),
        ),
    )


def erase_expired(uow: UnitOfWork, policy: RetentionPolicy, now: datetime, limit: int = BATCH) -> int:
    """Erase the words of up to `limit` cases whose time is up (see the module); how many."""
    c = orm.cases.c
    rows = uow.session.execute(
        select(c.id, c.contact_id, c.updated_at).where(_expired(policy, now)).order_by(c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    ids = [r.id for r in rows]
    _erase_cases(uow, ids, now)
    # The intake exchange before a case is filed on no case: it goes with the person's last kept
    # case, not before (a person with another case open or still kept keeps theirs).
    m = orm.messages.c
    for contact_id in {r.contact_id for r in rows}:
        kept = exists().where(c.contact_id == contact_id, c.erased_at.is_(None))
        if uow.session.execute(select(kept)).scalar():
            continue
        until = max(r.updated_at for r in rows if r.contact_id == contact_id)
        uow.session.execute(
            update(orm.messages)
            .where(m.contact_id == contact_id, m.case_id.is_(None), m.created_at <= until, m.body != ERASED)
            .values(body=ERASED)
        )
    log.info("retention: erased the words of %s closed cases", len(ids))
    return len(ids)


def erase_unfiled(uow: UnitOfWork, policy: RetentionPolicy, now: datetime, limit: int = MESSAGE_BATCH) -> int:
    """Erase the texts of up to `limit` messages filed on no case, older than the policy's
    `unfiled_days`, whose person has no case with its words still kept; how many."""
    m, c = orm.messages.c, orm.cases.c
    kept_case = exists().where(c.contact_id == m.contact_id, c.erased_at.is_(None))
    due = (
        select(m.id)
        .where(
            m.case_id.is_(None),
            m.created_at < now - timedelta(days=policy.unfiled_days),
            m.body != ERASED,
            ~kept_case,
        )
        .order_by(m.id)
        .limit(limit)
    )
    ids = list(uow.session.scalars(due))
    if ids:
        uow.session.execute(update(orm.messages).where(m.id.in_(ids)).values(body=ERASED))
        log.info("retention: erased the texts of %s messages filed on no case", len(ids))
    return len(ids)


def _erase_cases(uow: UnitOfWork, case_ids: list[int], now: datetime) -> None:
    """Narratives, the other party's phone, notes, the messages filed on the cases, and the data
    of a conversation idle about them."""
    c = orm.cases.c
    uow.session.execute(
        update(orm.cases)
        .where(c.id.in_(case_ids))
        .values(summary=None, details=None, other_party_phone=None, other_party_phone_hash=None, erased_at=now)
    )
    uow.session.execute(update(orm.case_notes).where(orm.case_notes.c.case_id.in_(case_ids)).values(body=ERASED))
    uow.session.execute(update(orm.messages).where(orm.messages.c.case_id.in_(case_ids)).values(body=ERASED))
    cv = orm.conversations.c
    uow.session.execute(update(orm.conversations).where(cv.case_id.in_(case_ids), cv.state == "idle").values(data={}))


def schedule_next(uow: UnitOfWork, due: datetime) -> bool:
    """Schedule the retention job at `due` unless a run is already scheduled; True if it was."""
    if uow.repo.scheduled(job_names.ERASE_EXPIRED):
        return False
    uow.later.append((job_names.ERASE_EXPIRED, (), due))
    return True


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a person erased (counts only: the audit log keeps these)."""

    contacts: int
    cases: int
    messages: int
    other_party_cases: int


def forget_person(uow: UnitOfWork, address: str, now: datetime, *, requested_by: str) -> Forgotten:
    """Erase one person (by a phone number or Telegram chat id): their messages' texts and
    addresses, their cases' narratives and notes, their phone where someone else's case named them
    as the other party, the link from the number to them; audited without the number. The rows
    stay, anonymous, for the counts."""
    i, m, c = orm.identities.c, orm.messages.c, orm.cases.c
    contact_ids = list(uow.session.scalars(select(i.contact_id).where(orm.identities.c.address == address)))
    case_ids = list(uow.session.scalars(select(c.id).where(c.contact_id.in_(contact_ids)))) if contact_ids else []
    if case_ids:
        _erase_cases(uow, case_ids, now)
    mine = or_(m.contact_id.in_(contact_ids), orm.messages.c.address == address)
    messages = uow.session.execute(
        update(orm.messages).where(mine).values(body=ERASED, address=ERASED, address_hash=None)
    ).rowcount
    other = uow.session.execute(
        update(orm.cases)
        .where(orm.cases.c.other_party_phone == address)
        .values(other_party_phone=None, other_party_phone_hash=None)
    ).rowcount
    cv = orm.conversations.c
    if contact_ids:
        uow.session.execute(
            update(orm.conversations).where(cv.contact_id.in_(contact_ids)).values(data={}, state="idle")
        )
        uow.session.execute(orm.identities.delete().where(i.contact_id.in_(contact_ids)))
    result = Forgotten(len(contact_ids), len(case_ids), messages, other)
    refs = list(uow.session.scalars(select(c.ref).where(c.id.in_(case_ids)))) if case_ids else []
    staff.audit(
        uow,
        staff.AuditAction.PERSON_FORGOTTEN,
        now,
        requested_by=requested_by,
        contacts=result.contacts,
        cases=refs,
        messages=result.messages,
        other_party_cases=result.other_party_cases,
    )
    return result
