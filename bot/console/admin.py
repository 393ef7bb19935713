"""Admins' pages: the directory with its coverage and CSV upload, officials, the audit log."""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.console import auth, i18n, timeline
from bot.console import bp as console
from intake import caseload, staff
from intake.directory import DirectoryError, invite_official, load_directory, parse_directory
from intake.model import Official, OfficialRole

MAX_CSV_BYTES = 200 * 1024


def _admin_only():
    if not g.viewer.is_admin:
        abort(403)


def _parse(text: str):
    """Check a directory CSV with the same rules as `flask directory load`."""
    places = auth.services().places
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "offices.csv"
        path.write_text(text, encoding="utf-8")
        return parse_directory(path, lambda code: places.name(code, "en") != code)


def _digest(text: str) -> str:
    key = auth.services().config.secret_key.encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


@console.get("/directory")
def directory():
    """Offices with their coverage: officials, linked on Telegram, last action on a case."""
    _admin_only()
    with auth.services().uow() as uow:
        rows = caseload.coverage(uow)
        councils = caseload.commune_councils(uow)
    return render_template("console/directory.html", rows=rows, councils=councils)


@console.post("/directory/upload")
def directory_upload():
    """Check an uploaded directory and show what loading it would change; nothing changes yet.
    A file with any bad line shows every problem and changes nothing."""
    _admin_only()
    file = request.files.get("file")
    raw = file.read(MAX_CSV_BYTES + 1) if file else b""
    problems: list[str] = []
    text = ""
    if not raw:
        problems = ["empty"]
    elif len(raw) > MAX_CSV_BYTES:
        problems = ["too large"]
    else:
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            problems = ["the file is not UTF-8 text"]
    preview = None
    if not problems:
        try:
            offices = _parse(text)
        except DirectoryError as exc:
            problems = exc.problems
        else:
            with auth.services().uow() as uow:
                result = load_directory(uow, offices)
                uow.rollback()  # a dry run: what would change
            preview = {"offices": offices, "result": result}
    if problems:
        return render_template("console/directory_preview.html", problems=problems), 422
    return render_template(
        "console/directory_preview.html", problems=[], preview=preview, text=text, digest=_digest(text)
    )


@console.post("/directory/load")
def directory_load():
    """Load the file the admin previewed (checked again: the form could have been changed)."""
    _admin_only()
    text = request.form.get("text", "")
    if not hmac.compare_digest(request.form.get("digest", ""), _digest(text)):
        abort(400)
    try:
        offices = _parse(text)
    except DirectoryError as exc:
        return render_template("console/directory_preview.html", problems=exc.problems), 422
    svc = auth.services()
    with svc.uow() as uow:
        result = load_directory(uow, offices)
        staff.audit(
            uow,
            staff.AuditAction.DIRECTORY_LOADED,
            svc.clock(),
            g.viewer.official.id,
            ip=auth.client_ip(),
            offices=len(offices),
            added=result.added,
            updated=result.updated,
            deactivated=result.deactivated,
        )
        uow.commit()
    flash("done_directory", "ok")
    return redirect(url_for("console.directory"))


@console.get("/people")
def people():
    """Officials: office, role, Telegram link, console language; invite, change role, deactivate."""
    _admin_only()
    with auth.services().uow() as uow:
        officials = list(uow.session.scalars(select(Official).order_by(Official.id)))
        offices = {o.id: o for o in uow.repo.offices(active_only=False)}
    return render_template(
        "console/people.html",
        officials=officials,
        offices=offices,
        active_offices=[o for o in offices.values() if o.active],
        roles=[str(r) for r in OfficialRole],
    )


@console.post("/people/invite")
def invite():
    """Create an official and show their one-time code and t.me link (shown once)."""
    _admin_only()
    svc = auth.services()
    name = (request.form.get("name") or "").strip()[:200]
    role = request.form.get("role", "official")
    if not name or role not in set(OfficialRole):
        abort(400)
    with svc.uow() as uow:
        try:
            official, code = invite_official(
                uow, request.form.get("office", ""), name, role, now=svc.clock(), key=svc.config.secret_key
            )
        except (LookupError, ValueError):
            abort(400)
        staff.audit(
            uow,
            staff.AuditAction.OFFICIAL_INVITED,
            svc.clock(),
            g.viewer.official.id,
            ip=auth.client_ip(),
            official=official.id,
            role=role,
        )
        uow.commit()
        office = uow.repo.office(official.office_id)
    username = svc.config.telegram_bot_username
    link = f"https://t.me/{username}?start={code}" if username else None
    return render_template("console/invited.html", official=official, office=office, code=code, link=link)


def _other_official(official_id: int):
    if official_id == g.viewer.official.id:
        abort(400)  # an admin does not demote or deactivate themself by accident


@console.post("/people/<int:official_id>/role")
def change_role(official_id: int):
    """Give an official another role; their console sessions end (they sign in again)."""
    _admin_only()
    _other_official(official_id)
    role = request.form.get("role")
    if role not in set(OfficialRole):
        abort(400)
    svc = auth.services()
    with svc.uow() as uow:
        official = uow.repo.official(official_id)
        if official is None:
            abort(404)
        before = official.role
        official.role = role
        staff.end_sessions_of(uow, official.id, svc.clock())
        staff.audit(
            uow,
            staff.AuditAction.ROLE_CHANGED,
            svc.clock(),
            g.viewer.official.id,
            ip=auth.client_ip(),
            official=official.id,
            before=before,
            after=role,
        )
        uow.commit()
    flash("done_role", "ok")
    return redirect(url_for("console.people"))


@console.post("/people/<int:official_id>/deactivate")
def deactivate(official_id: int):
    """Deactivate an official: the bot refuses them, no cases reach them, their sessions end."""
    _admin_only()
    _other_official(official_id)
    svc = auth.services()
    with svc.uow() as uow:
        official = uow.repo.official(official_id)
        if official is None:
            abort(404)
        official.active = False
        staff.end_sessions_of(uow, official.id, svc.clock())
        staff.audit(
            uow,
            staff.AuditAction.OFFICIAL_DEACTIVATED,
            svc.clock(),
            g.viewer.official.id,
            ip=auth.client_ip(),
            official=official.id,
        )
        uow.commit()
    flash("done_deactivated", "ok")
    return redirect(url_for("console.people"))


@console.get("/audit")
def audit():
    """The audit log, newest first, filtered by action, official, case or day."""
    _admin_only()
    args = request.args
    tz = auth.services().web_deps.policy.tz

    def day(name: str) -> datetime | None:
        """A day written DD/MM/YYYY as everywhere in the console (or YYYY-MM-DD), on Cambodian
        clocks; a browser's date input would show its own locale's order."""
        text = (args.get(name) or "").strip()
        for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
            try:
                return datetime.strptime(text, pattern).replace(tzinfo=tz)
            except ValueError:
                continue
        return None

    since, until = day("from"), day("to")
    page = max(1, args.get("page", 1, type=int) or 1)
    with auth.services().uow() as uow:
        entries, total = staff.audit_entries(
            uow,
            action=args.get("action") or None,
            official_id=args.get("official", type=int),
            case_ref=(args.get("ref") or "").strip().upper() or None,
            since=since,
            until=until + timedelta(days=1) if until else None,
            limit=50,
            offset=(page - 1) * 50,
        )
        names = {o.id: o.name for o in uow.session.scalars(select(Official))}
    return render_template(
        "console/audit.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // 50)),
        names=names,
        actions=[str(a) for a in staff.AuditAction],
        args=args,
        details=lambda entry: timeline.audit_details(entry, names, auth.services().places, i18n.current_language()),
    )
