"""Staff access to the web console: one-time sign-in links, sessions, roles and the audit log.

Plain Python over the unit of work: the Flask console (`bot/console`), the Telegram `/console`
command and the CLI all call these. Tokens are random, returned once and stored hashed; a link
works once, for ten minutes, and only for an active official.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select

from intake import orm
from intake.model import (
    AuditEntry,
    Case,
    CaseKind,
    ConsoleSession,
    Office,
    OfficeKind,
    Official,
    OfficialRole,
    Purpose,
    SignInToken,
    hash_secret,
)
from intake.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

SIGN_IN_VALID_FOR = timedelta(minutes=10)
# The Telegram message that carries a link: its text is blanked once sent and the link used or
# replaced, so that the database keeps a working link only while it is in flight.
LINK_PURPOSE = Purpose.CONSOLE_LINK
LINK_SCRUBBED = "(web console sign-in link: used or replaced)"
# A browser that fails this many sign-ins in this window is refused until the window moves on.
SIGN_IN_FAILURES_ALLOWED = 10
SIGN_IN_FAILURE_WINDOW = timedelta(minutes=10)


class AuditAction(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_REFUSED = "sign_in_refused"
    SIGN_OUT = "sign_out"
    LINK_ISSUED = "link_issued"
    PROTECTION_VIEW = "protection_case_view"
    CASE_ACTION = "case_action"
    EXPORT = "export"
    DIRECTORY_LOADED = "directory_loaded"
    OFFICIAL_INVITED = "official_invited"
    ROLE_CHANGED = "role_changed"
    OFFICIAL_DEACTIVATED = "official_deactivated"
    PERSON_FORGOTTEN = "person_forgotten"  # `flask --app bot people forget` (intake.retention)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, with what their role allows. A protection caseworker is an `official` of a
    protection office: the only people who read a protection case's words and messages."""

    official: Official
    office: Office

    @property
    def role(self) -> str:
        """official, coordinator or admin."""
        return self.official.role

    @property
    def is_admin(self) -> bool:
        """Admins see every case, the directory, the officials and the audit log."""
        return self.official.role == OfficialRole.ADMIN

    @property
    def is_caseworker(self) -> bool:
        """An official of a protection office."""
        return self.official.role == OfficialRole.OFFICIAL and self.office.kind == OfficeKind.PROTECTION

    def case_filter(self):
        """The SQL condition on `cases` that this viewer may see: their office's cases (officials
        and caseworkers), their province's (coordinators), all (admins). Every console query of
        cases goes through it."""
        c = orm.cases.c
        if self.is_admin:
            return c.id.is_not(None)
        if self.official.role == OfficialRole.COORDINATOR:
            in_province = select(orm.offices.c.id).where(orm.offices.c.province_code == self.office.province_code)
            return c.office_id.in_(in_province)
        return c.office_id == self.office.id

    def reads_narrative(self, case: Case) -> bool:
        """A protection case's words and messages: only its office's caseworkers. Everyone who may
        see a dispute reads it (the person agreed to share it)."""
        return case.kind != CaseKind.PROTECTION or (self.is_caseworker and case.office_id == self.office.id)


def viewer_for(uow: UnitOfWork, official: Official) -> Viewer | None:
    """The viewer of an active official whose office exists."""
    if not official.active:
        return None
    office = uow.repo.office(official.office_id)
    return Viewer(official, office) if office else None


def scrub_links(uow: UnitOfWork, official_id: int) -> None:
    """Blank the text of this official's link messages that have been sent (or given up)."""
    uow.repo.blank_sent_messages(official_id, LINK_PURPOSE, LINK_SCRUBBED)


def issue_sign_in(uow: UnitOfWork, official: Official, now: datetime) -> str:
    """A new one-time sign-in token for an active official (returned once, stored hashed); the
    links sent to them before stop showing in the database."""
    if not official.active:
        raise PermissionError("inactive official")
    scrub_links(uow, official.id)
    raw = secrets.token_urlsafe(32)
    uow.repo.add(
        SignInToken(
            official_id=official.id, token_hash=hash_secret(raw), expires_at=now + SIGN_IN_VALID_FOR, created_at=now
        )
    )
    uow.repo.flush()
    log.info("sign-in link issued to official %s", official.id)
    return raw


def sign_in_link(console_url: str, raw: str) -> str:
    """The link an official opens; it shows a button, so a link preview does not use it up."""
    return f"{console_url.rstrip('/')}/signin?t={raw}"


def redeem_sign_in(uow: UnitOfWork, raw: str, now: datetime) -> Official | None:
    """The official a token signs in, marking it used in the same statement, so that two
    browsers racing with one link get one session between them. None: unknown, used, expired,
    or the official was deactivated."""
    if not raw or len(raw) > 100:
        return None
    official_id = uow.repo.use_sign_in_token(hash_secret(raw), now)
    if official_id is None:
        return None
    scrub_links(uow, official_id)
    official = uow.repo.official(official_id)
    return official if official is not None and official.active else None


def start_session(uow: UnitOfWork, official: Official, now: datetime) -> str:
    """A new console session; the raw id goes in the cookie, only its hash is kept."""
    raw = secrets.token_urlsafe(32)
    uow.repo.add(ConsoleSession(official_id=official.id, token_hash=hash_secret(raw), created_at=now, last_seen_at=now))
    uow.repo.flush()
    return raw


def session_official(
    uow: UnitOfWork, raw: str | None, now: datetime, idle: timedelta, lifetime: timedelta
) -> Official | None:
    """The active official of a live session, which this use keeps alive; None when the session
    ended, sat idle too long, outlived its lifetime, or the official was deactivated."""
    if not raw:
        return None
    session = uow.repo.console_session(hash_secret(raw))
    if session is None or session.ended_at is not None:
        return None
    if session.last_seen_at + idle < now or session.created_at + lifetime < now:
        session.ended_at = now
        return None
    official = uow.repo.official(session.official_id)
    if official is None or not official.active:
        return None
    if now - session.last_seen_at > timedelta(seconds=30):  # one write a minute at most, not per click
        session.last_seen_at = now
    return official


def end_session(uow: UnitOfWork, raw: str | None, now: datetime) -> None:
    """Sign out: the session no longer opens anything, even with the cookie."""
    if raw:
        uow.repo.end_console_sessions(now, token_hash=hash_secret(raw))


def end_sessions_of(uow: UnitOfWork, official_id: int, now: datetime) -> None:
    """Every session of an official (deactivated, or their role changed)."""
    uow.repo.end_console_sessions(now, official_id=official_id)


def audit(
    uow: UnitOfWork,
    what: str,
    now: datetime,
    official_id: int | None = None,
    case_ref: str | None = None,
    ip: str | None = None,
    **detail,
) -> None:
    """Append one line to the audit log (never updated or deleted: the database refuses it)."""
    uow.repo.add(AuditEntry(action=str(what), official_id=official_id, case_ref=case_ref, ip=ip, detail=detail, at=now))


def sign_in_refusals(uow: UnitOfWork, ip: str | None, now: datetime) -> int:
    """How many sign-ins from this address were refused in the current window."""
    return uow.repo.count_audit(AuditAction.SIGN_IN_REFUSED, ip, now - SIGN_IN_FAILURE_WINDOW)


def audit_entries(
    uow: UnitOfWork,
    *,
    action: str | None = None,
    official_id: int | None = None,
    case_ref: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Audit lines, newest first, and how many match in all."""
    conditions = []
    if action:
        conditions.append(AuditEntry.action == action)
    if official_id:
        conditions.append(AuditEntry.official_id == official_id)
    if case_ref:
        conditions.append(AuditEntry.case_ref == case_ref)
    if since:
        conditions.append(AuditEntry.at >= since)
    if until:
        conditions.append(AuditEntry.at < until)
    return uow.repo.audit_entries(conditions, limit, offset)
