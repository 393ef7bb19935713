"""Who is signed in, what they may open, and the forms' CSRF token.

The cookie (Flask's signed session: HttpOnly, SameSite=Lax, Secure behind https) carries a random
session id and the CSRF token; the database keeps the id's hash, so signing out or deactivating an
official ends the session even for someone who copied the cookie. Every route of the console
needs a session unless it is listed in PUBLIC; every POST needs the CSRF token.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, g, redirect, request, session, url_for

from intake import staff
from intake.model import Official
from intake.staff import Viewer

SESSION_ID = "sid"
CSRF = "csrf"
# Endpoints open without a session: the page that explains how to get a link, the sign-in form
# behind a link, the language switch and the static files (CSS, the Khmer font).
PUBLIC = {"console.signed_out", "console.sign_in_form", "console.sign_in", "console.language", "console.static"}


def services():
    """The app's wired services."""
    return current_app.extensions["jsc"]


def load_viewer() -> Viewer | None:
    """The signed-in viewer of this request (looked up once per request)."""
    if "viewer" in g:
        return g.viewer
    g.viewer = None
    raw = session.get(SESSION_ID)
    if raw:
        svc = services()
        config = svc.config
        with svc.uow() as uow:
            official = staff.session_official(
                uow,
                raw,
                svc.clock(),
                idle=timedelta(minutes=config.console_idle_minutes),
                lifetime=timedelta(hours=config.console_session_hours),
            )
            g.viewer = staff.viewer_for(uow, official) if official else None
            uow.commit()
        if g.viewer is None:
            session.pop(SESSION_ID, None)
    return g.viewer


def current_official() -> Official | None:
    """The signed-in official, or None."""
    viewer = load_viewer()
    return viewer.official if viewer else None


def csrf_token() -> str:
    """The token every form carries (one per browser session, renewed at sign-in)."""
    if CSRF not in session:
        session[CSRF] = secrets.token_urlsafe(32)
    return session[CSRF]


def check_csrf() -> None:
    """400 unless the POSTed form carries this browser's token."""
    expected = session.get(CSRF)
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        abort(400, description="csrf")


def _refuse_anonymous():
    if request.method == "GET":
        return redirect(url_for("console.signed_out", next=request.full_path.rstrip("?")))
    abort(401)


def guard():
    """Before every console request: a session unless the endpoint is public, CSRF on POST."""
    if request.endpoint == "console.static":
        return None
    viewer = load_viewer()
    if request.endpoint not in PUBLIC and viewer is None:
        return _refuse_anonymous()
    if request.method == "POST":
        check_csrf()
    return None


def secure_headers(response):
    """No framing, nothing from elsewhere, and no copy of a case page left in a shared computer's
    cache; the sign-in link's token never leaves in a Referer."""
    response.headers.setdefault(
        "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "console.static":
        response.headers["Cache-Control"] = "no-store"
    return response


def login_required(view):
    """For views outside the console blueprint (the M&E dashboards): a session, CSRF on POST."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if load_viewer() is None:
            return _refuse_anonymous()
        if request.method == "POST":
            check_csrf()
        return view(*args, **kwargs)

    return wrapped


def require_role(*roles: str):
    """Only these roles (403 for the others); implies login_required."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if g.viewer.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def client_ip() -> str | None:
    """The browser's address (the proxy's, unless the app runs behind ProxyFix)."""
    return request.remote_addr
