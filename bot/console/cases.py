"""The inbox, the case page, its actions and the CSV export."""

from __future__ import annotations

import csv
import io
import logging
import uuid
from datetime import datetime
from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from bot.console import actions, auth, i18n, timeline
from bot.console import bp as console
from intake import caseload, cases, replies, staff
from intake.model import OPEN_STATUSES, AppointmentStatus, CaseKind, CaseStatus, Channel
from intake.outbound import dispatch

log = logging.getLogger(__name__)


def _query() -> caseload.InboxQuery:
    args = request.args
    return caseload.InboxQuery(
        quick=args.get("show", "all"),
        office_code=args.get("office") or None,
        province_code=args.get("province") or None,
        kind=args.get("kind") if args.get("kind") in set(CaseKind) else None,
        status=args.get("status") if args.get("status") in {*CaseStatus, "closed"} else None,
        ref=(args.get("ref") or "").strip()[:20] or None,
        order=args.get("sort") if args.get("sort") in caseload.ORDERS else "urgent",
        page=args.get("page", 1, type=int) or 1,
    )


@console.get("/")
def inbox():
    """Open cases in the viewer's scope, with filters, counts and pages."""
    svc = auth.services()
    query = _query()
    with svc.uow() as uow:
        page = caseload.inbox(uow, g.viewer, query, svc.web_deps.policy, svc.clock())
        offices = caseload.offices_in_scope(uow, g.viewer)
    provinces = sorted({o.province_code for o in offices})
    return render_template(
        "console/inbox.html",
        page=page,
        query=query,
        offices=offices,
        provinces=provinces,
        statuses=[str(s) for s in CaseStatus if s in OPEN_STATUSES],
        now=svc.clock(),
        args=request.args,
    )


@console.get("/export.csv")
def export():
    """The inbox's cases (every page) as CSV: no words, no phone numbers. Audited."""
    svc = auth.services()
    query = _query()
    now = svc.clock()
    rows = []
    with svc.uow() as uow:
        number = 1
        while True:
            page = caseload.inbox(uow, g.viewer, _with_page(query, number), svc.web_deps.policy, now)
            for c in page.cases:
                office = page.offices.get(c.office_id)
                rows.append(
                    [
                        c.ref,
                        c.kind,
                        c.status,
                        "yes" if c.urgent else "",
                        office.code if office else "",
                        c.province_code or "",
                        c.district_code or "",
                        c.created_at.isoformat(timespec="minutes"),
                        "yes" if c.accepted_by else "",
                        "yes" if c.id in page.overdue_ids else "",
                    ]
                )
            if number >= page.pages:
                break
            number += 1
        staff.audit(
            uow,
            staff.AuditAction.EXPORT,
            now,
            g.viewer.official.id,
            ip=auth.client_ip(),
            rows=len(rows),
            filters={k: v for k, v in request.args.items() if k != "page"},
        )
        uow.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["ref", "kind", "status", "urgent", "office", "province", "district", "opened", "accepted", "overdue"]
    )
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename=cases-{now:%Y%m%d-%H%M}.csv"},
    )


def _with_page(query: caseload.InboxQuery, number: int) -> caseload.InboxQuery:
    from dataclasses import replace

    return replace(query, page=number)


def _actor_names(uow, events) -> dict[str, str]:
    """Who did each event (and who a case was handed to): the officials' names, the person, ..."""
    lang = i18n.current_language()
    names = {who: i18n.t(f"actor_{who}", lang) for who in ("citizen", "system", "other_party")}
    ids = {e.actor for e in events if e.actor.startswith("official:")}
    ids |= {f"official:{e.detail['to_official_id']}" for e in events if (e.detail or {}).get("to_official_id")}
    for actor in ids:
        number = actor.split(":", 1)[1]
        who = uow.repo.official(int(number)) if number.isdigit() else None
        if who is not None:
            names[actor] = who.name
    return names


SCHEDULE_DAYS = 30  # working days offered for a session (six weeks)
SESSION_TIMES = [f"{h:02d}:{m:02d}" for h in range(7, 18) for m in (0, 30)]


@console.get("/cases/<ref>")
def case_page(ref: str):
    """One case: who, where, why this office, what happened, what was said, what can be done.
    Out of scope: 404, as if it did not exist. Every view of a protection case is audited."""
    svc = auth.services()
    viewer = g.viewer
    now = svc.clock()
    with svc.uow() as uow:
        case = caseload.visible_case(uow, viewer, ref)
        if case is None:
            abort(404)
        reads = viewer.reads_narrative(case)
        if case.kind == CaseKind.PROTECTION:
            staff.audit(
                uow,
                staff.AuditAction.PROTECTION_VIEW,
                now,
                viewer.official.id,
                case_ref=case.ref,
                ip=auth.client_ip(),
                narrative=reads,
            )
            uow.commit()
        office = uow.repo.office(case.office_id) if case.office_id else None
        accepted_by = uow.repo.official(case.accepted_by) if case.accepted_by else None
        contact = uow.repo.contact(case.contact_id)
        identities = uow.repo.identities_of(contact.id) if reads else []
        events = uow.repo.case_events(case.id)
        names = _actor_names(uow, events)
        offices_named = {
            code: o
            for code in {(e.detail or {}).get("office") for e in events} - {None}
            if (o := uow.repo.office_by_code(code)) is not None
        }
        appointments = uow.repo.appointments_of(case.id)
        messages = caseload.conversation(uow, case) if reads else []
        has_session = any(a.status == AppointmentStatus.SCHEDULED for a in appointments)
        can = actions.available(case, has_session)
        choices = actions.nearest_offices(uow, case) if "reroute" in can else []
        actor = uow.repo.official(viewer.official.id)
        lang = i18n.current_language()
        writing = actions.writing(uow, actor, case, lang)
        # Notes are read by the office that wrote them only (as on Telegram's case card).
        notes = [
            (note, uow.repo.official(note.official_id))
            for note in uow.repo.notes_of(case.id, viewer.official.office_id)
        ]
    places = svc.places
    place_lines = [
        (key, places.name(code, lang), code)
        for key, code in (
            ("commune", case.commune_code),
            ("district", case.district_code),
            ("province", case.province_code),
        )
        if code
    ]
    policy = svc.web_deps.policy
    lines = timeline.describe(
        events,
        case,
        offices=offices_named,
        names=names,
        places=places,
        local_time=lambda moment: f"{policy.local(moment):%d/%m/%Y %H:%M}",
        lang=lang,
    )
    return render_template(
        "console/case.html",
        case=case,
        routing_reason=timeline.routing_reason(case.routing_reason, case, places, lang),
        lines=lines,
        office=office,
        accepted_by=accepted_by,
        contact=contact,
        phones=[i.address for i in identities if i.channel == Channel.SMS],
        on_telegram=any(i.channel == Channel.TELEGRAM for i in identities),
        reads=reads,
        appointments=appointments,
        messages=messages,
        can=can,
        choices=choices,
        writing=writing,
        notes=notes,
        nonce=uuid.uuid4().hex,
        message_limit=cases.MESSAGE_LIMIT,
        note_limit=cases.NOTE_LIMIT,
        place_lines=place_lines,
        policy=svc.web_deps.policy,
        now=now,
        # Explicit choices, not the browser's date and time pickers (they follow the browser's
        # locale: 11/26/2026, 09:00 AM): a weekday in the reader's words with the day written
        # DD/MM/YYYY, and the 24-hour clock of Phnom Penh.
        days=[
            (f"{d:%Y-%m-%d}", f"{replies.WEEKDAYS[lang][d.weekday()]} {d:%d/%m/%Y}")
            for d in policy.working_days(now, SCHEDULE_DAYS)
        ],
        times=SESSION_TIMES,
        default_time=policy.office_hours[1],
    )


@console.post("/cases/<ref>/<action>")
def case_action(ref: str, action: str):
    """Accept, schedule, cancel the session, close, next stage, re-route, write to the person or
    add a note, as on Telegram."""
    if action not in actions.NAMES:
        abort(404)
    svc = auth.services()
    deps = svc.web_deps
    viewer = g.viewer
    form: dict[str, Any] = {
        "outcome": request.form.get("outcome"),
        "office": request.form.get("office"),
        "text": request.form.get("text"),
        "discreet": request.form.get("discreet"),
        "nonce": request.form.get("nonce"),
    }
    if action == "schedule":
        form["place"] = (request.form.get("place") or "").strip()[:200]
        try:
            form["local"] = datetime.strptime(
                f"{request.form.get('date', '')} {request.form.get('time', '')}", "%Y-%m-%d %H:%M"
            ).replace(tzinfo=deps.policy.tz)
        except ValueError:
            form["local"] = None
    with svc.uow() as uow:
        case = caseload.visible_case(uow, viewer, ref)
        if case is None:
            abort(404)
        actor = uow.repo.official(viewer.official.id)
        now = svc.clock()  # one step, one reading of the clock
        done = actions.perform(uow, deps.at(now), actor, case, action, **form)
        if done.error:
            uow.rollback()
            if done.answer:
                key, params = done.answer
                flash(replies.render(key, i18n.current_language(), **params), "error")
            else:
                flash(done.error, "error")
            return redirect(url_for("console.case_page", ref=ref))
        staff.audit(
            uow,
            staff.AuditAction.CASE_ACTION,
            now,
            actor.id,
            case_ref=case.ref,
            ip=auth.client_ip(),
            action=action,
            **({"outcome": form["outcome"]} if action == "close" and form["outcome"] else {}),
            **({"office": form["office"]} if action == "reroute" else {}),
            # Which discreet text went, never the words of a message or a note.
            **({"discreet": form["discreet"]} if action == "message" and form["discreet"] in cases.DISCREET else {}),
        )
        uow.commit()
        later = list(uow.later)
        ref = case.ref
        still_visible = caseload.visible_case(uow, viewer, ref) is not None
    dispatch(svc.queue, now, done.outbound, later)
    log.info("case %s: %s by official %s in the console", ref, action, viewer.official.id)
    if action == "message" and done.answer:
        key, params = done.answer  # sent, or held until the person's quiet hours end
        flash(replies.render(key, i18n.current_language(), **params), "ok")
    else:
        flash(f"done_{action}", "ok")
    # After a re-route an official no longer sees the case: back to the inbox.
    return redirect(url_for("console.case_page", ref=ref) if still_visible else url_for("console.inbox"))
