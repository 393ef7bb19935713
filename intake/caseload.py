"""Read-side queries of the web console: the inbox (filters, counts, paging), one case in the
viewer's scope, and an office's coverage. Every case query goes through `Viewer.case_filter`.

Like cosmicpython's `views.py`, this read model queries the unit of work's session directly
(filters composed per request, counts, pages): the repository keeps the queries that the domain's
writes need. It changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_, select

from intake import orm
from intake.model import (
    OPEN_STATUSES,
    Case,
    CaseStatus,
    Contact,
    Identity,
    Message,
    Office,
    Official,
    parse_case_ref,
)
from intake.policy import Policy
from intake.staff import Viewer
from intake.unit_of_work import UnitOfWork

PAGE_SIZE = 25
QUICK_FILTERS = ("all", "urgent", "unaccepted", "overdue", "mine")
WAITING = (CaseStatus.RECEIVED, CaseStatus.ROUTED)


@dataclass(frozen=True)
class InboxQuery:
    """What the inbox shows: quick filter, narrowing fields, order, page."""

    quick: str = "all"
    office_code: str | None = None
    province_code: str | None = None
    kind: str | None = None
    status: str | None = None  # None: every open case; "closed": closed and evaluated ones
    ref: str | None = None
    # "urgent": urgent cases nobody has accepted yet, then the other urgent ones, then the rest,
    # oldest first within each (the default: an urgent case that came in last is not at the
    # bottom of a long list); "oldest" or "newest": by arrival alone.
    order: str = "urgent"
    page: int = 1


@dataclass
class InboxPage:
    cases: list[Case]
    total: int
    counts: dict[str, int]
    page: int
    pages: int
    offices: dict[int, Office] = field(default_factory=dict)
    accepted_by: dict[int, Official] = field(default_factory=dict)
    overdue_ids: set[int] = field(default_factory=set)


def overdue_condition(policy: Policy, now: datetime):
    """Waiting for someone to accept it longer than the Policy allows (15 min urgent, 24 h else)."""
    c = orm.cases.c
    return and_(
        c.accepted_by.is_(None),
        c.status.in_([str(s) for s in WAITING]),
        or_(
            and_(c.urgent.is_(True), c.updated_at < now - policy.escalate_urgent_after),
            and_(c.urgent.is_(False), c.updated_at < now - policy.escalate_dispute_after),
        ),
    )


def _quick_condition(name: str, viewer: Viewer, policy: Policy, now: datetime):
    c = orm.cases.c
    if name == "urgent":
        return c.urgent.is_(True)
    if name == "unaccepted":
        return c.accepted_by.is_(None)
    if name == "overdue":
        return overdue_condition(policy, now)
    if name == "mine":
        return c.accepted_by == viewer.official.id
    return None


ORDERS = ("urgent", "oldest", "newest")


def _order(name: str) -> list:
    """The inbox's ORDER BY for one of ORDERS (an unknown name: the default)."""
    c = orm.cases.c
    if name == "newest":
        return [c.created_at.desc()]
    if name == "oldest":
        return [c.created_at.asc()]
    waiting_urgent = and_(c.urgent.is_(True), c.accepted_by.is_(None), c.status.in_([str(s) for s in WAITING]))
    return [
        case((waiting_urgent, 0), else_=1),
        case((c.urgent.is_(True), 0), else_=1),
        c.created_at.asc(),
    ]


def inbox(uow: UnitOfWork, viewer: Viewer, query: InboxQuery, policy: Policy, now: datetime) -> InboxPage:
    """One page of the cases the viewer may see, with the count behind each quick filter."""
    c = orm.cases.c
    base = [viewer.case_filter()]
    if query.status == "closed":
        base.append(c.status.not_in([str(s) for s in OPEN_STATUSES]))
    elif query.status:
        base.append(c.status == query.status)
    else:
        base.append(c.status.in_([str(s) for s in OPEN_STATUSES]))
    if query.kind:
        base.append(c.kind == query.kind)
    if query.office_code:
        base.append(c.office_id.in_(select(orm.offices.c.id).where(orm.offices.c.code == query.office_code)))
    if query.province_code:
        base.append(c.province_code == query.province_code)
    if query.ref:
        ref = parse_case_ref(query.ref) or query.ref.strip().upper()
        base.append(c.ref == ref)

    counts = {}
    for name in QUICK_FILTERS:
        extra = _quick_condition(name, viewer, policy, now)
        conditions = base + ([extra] if extra is not None else [])
        counts[name] = uow.session.scalar(select(func.count()).select_from(orm.cases).where(*conditions))
    quick = query.quick if query.quick in QUICK_FILTERS else "all"
    extra = _quick_condition(quick, viewer, policy, now)
    conditions = base + ([extra] if extra is not None else [])
    total = counts[quick]
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, query.page), pages)
    rows = list(
        uow.session.scalars(
            select(Case)
            .where(*conditions)
            .order_by(*_order(query.order), Case.id)
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
    )
    ids = [r.id for r in rows]
    overdue = (
        set(uow.session.scalars(select(c.id).where(c.id.in_(ids), overdue_condition(policy, now)))) if ids else set()
    )
    office_ids = {r.office_id for r in rows if r.office_id}
    official_ids = {r.accepted_by for r in rows if r.accepted_by}
    offices = (
        {o.id: o for o in uow.session.scalars(select(Office).where(Office.id.in_(office_ids)))} if office_ids else {}
    )
    accepted = (
        {o.id: o for o in uow.session.scalars(select(Official).where(Official.id.in_(official_ids)))}
        if official_ids
        else {}
    )
    return InboxPage(rows, total, counts, page, pages, offices, accepted, overdue)


def visible_case(uow: UnitOfWork, viewer: Viewer, ref: str) -> Case | None:
    """A case by reference if the viewer may see it; None otherwise (the caller answers 404,
    so that nobody learns which references exist in other offices)."""
    canonical = parse_case_ref(ref) or ref.strip().upper()
    return uow.session.scalars(select(Case).where(Case.ref == canonical, viewer.case_filter())).first()


def offices_in_scope(uow: UnitOfWork, viewer: Viewer) -> list[Office]:
    """The offices a viewer may filter by: their own, their province's, or all."""
    stmt = select(Office).order_by(Office.code)
    if viewer.is_admin:
        return list(uow.session.scalars(stmt))
    if viewer.role == "coordinator":
        return list(uow.session.scalars(stmt.where(Office.province_code == viewer.office.province_code)))
    return [viewer.office]


def conversation(uow: UnitOfWork, case: Case) -> list[Message]:
    """The messages between the person and the service about this case, oldest first (not the
    officials' notifications)."""
    return list(
        uow.session.scalars(
            select(Message)
            .where(Message.case_id == case.id, Message.official_id.is_(None), Message.contact_id == case.contact_id)
            .order_by(Message.id)
        )
    )


@dataclass
class Coverage:
    office: Office
    officials: int
    linked: int
    last_activity: datetime | None


def coverage(uow: UnitOfWork) -> list[Coverage]:
    """Every office with how many active officials it has, how many linked Telegram, and when one
    of them last acted on a case."""
    officials = list(uow.session.scalars(select(Official).where(Official.active.is_(True))))
    last_by_actor = dict(
        uow.session.execute(
            select(orm.case_events.c.actor, func.max(orm.case_events.c.at))
            .where(orm.case_events.c.actor.like("official:%"))
            .group_by(orm.case_events.c.actor)
        ).all()
    )
    out = []
    for office in uow.session.scalars(select(Office).order_by(Office.province_code, Office.code)):
        mine = [o for o in officials if o.office_id == office.id]
        times = [t for o in mine if (t := last_by_actor.get(f"official:{o.id}")) is not None]
        out.append(
            Coverage(office, len(mine), sum(1 for o in mine if o.telegram_chat_id), max(times) if times else None)
        )
    return out


def commune_councils(uow: UnitOfWork) -> list[tuple[Contact, list[Identity]]]:
    """The contacts registered as commune councils, with their channel addresses."""
    councils = list(
        uow.session.scalars(select(Contact).where(Contact.role == "commune_council").order_by(Contact.commune_code))
    )
    return [(c, uow.repo.identities_of(c.id)) for c in councils]
