"""Signing in by one-time link, signing out, and the language switch."""

from __future__ import annotations

import logging
import secrets

from flask import abort, redirect, render_template, request, session, url_for

from bot.console import auth, i18n
from bot.console import bp as console
from intake import staff

log = logging.getLogger(__name__)


@console.get("/welcome")
def signed_out():
    """How staff get in (every console page sends a browser without a session here)."""
    return render_template("console/signed_out.html")


@console.get("/signin")
def sign_in_form():
    """The page behind a sign-in link: a button, so that a link preview (Telegram fetches links
    to draw them) does not use the link up."""
    return render_template("console/signin.html", token=request.args.get("t", ""))


@console.post("/signin")
def sign_in():
    """Use a sign-in link: a new session for its official, or a refusal (used, expired, unknown,
    or too many refusals from this address)."""
    svc = auth.services()
    now, ip = svc.clock(), auth.client_ip()
    with svc.uow() as uow:
        if staff.sign_in_refusals(uow, ip, now) >= staff.SIGN_IN_FAILURES_ALLOWED:
            log.warning("console sign-in refused: too many attempts")
            abort(429)
        official = staff.redeem_sign_in(uow, request.form.get("t", ""), now)
        if official is None:
            staff.audit(uow, staff.AuditAction.SIGN_IN_REFUSED, now, ip=ip)
            uow.commit()
            return render_template("console/signed_out.html", refused=True), 403
        raw = staff.start_session(uow, official, now)
        staff.audit(uow, staff.AuditAction.SIGN_IN, now, official.id, ip=ip)
        uow.commit()
    # A new cookie: nothing from before the sign-in (a planted session) survives it.
    session.clear()
    session[auth.SESSION_ID] = raw
    session[auth.CSRF] = secrets.token_urlsafe(32)
    session["lang"] = official.console_language or i18n.DEFAULT
    log.info("official %s signed in to the console", official.id)
    return redirect(url_for("console.inbox"))


@console.post("/signout")
def sign_out():
    """End the session here and in the database."""
    svc = auth.services()
    viewer = auth.load_viewer()
    with svc.uow() as uow:
        staff.end_session(uow, session.get(auth.SESSION_ID), svc.clock())
        staff.audit(uow, staff.AuditAction.SIGN_OUT, svc.clock(), viewer.official.id, ip=auth.client_ip())
        uow.commit()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("console.signed_out"))


@console.post("/language")
def language():
    """Switch between Khmer and English; kept on the official for their next sign-in."""
    lang = request.form.get("lang")
    if lang not in i18n.LANGUAGES:
        abort(400)
    session["lang"] = lang
    viewer = auth.load_viewer()
    if viewer is not None:
        svc = auth.services()
        with svc.uow() as uow:
            official = uow.repo.official(viewer.official.id)
            official.console_language = lang
            uow.commit()
    target = request.form.get("next", "")
    # Only a path of this console: never an address elsewhere.
    if not target.startswith("/console") or target.startswith("//"):
        target = url_for("console.inbox" if viewer else "console.signed_out")
    return redirect(target)
