"""The reports mounted in the web console: its sign-in decides who is asking (and so the scope:
admin the country, coordinator the province, official the office; small protection figures for
admins and protection caseworkers), and its frame — navigation, language switch, sign-out,
security headers — surrounds the pages."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for

from bot.console import auth
from bot.reports.pages import Viewer, make_blueprint
from intake.indicators import scope_for


def console_viewer() -> Viewer | None:
    """The signed-in official as the reports see them; None when nobody is signed in."""
    viewer = auth.load_viewer()
    if viewer is None:
        return None
    office = viewer.office
    scope = scope_for(viewer.role, office.id, office.province_code, office.kind)
    return Viewer(scope, may_choose_province=viewer.is_admin)


def _signed_in():
    """Before every reports request: a console session, else the page that explains how to get a
    link (and back here after signing in)."""
    if auth.load_viewer() is None:
        return redirect(url_for("console.signed_out", next=request.full_path.rstrip("?")))
    return None


def blueprint() -> Blueprint:
    """The reports blueprint as the console mounts it."""
    bp = make_blueprint(console_viewer, layout="console/base.html")
    bp.before_request(_signed_in)
    bp.after_request(auth.secure_headers)
    return bp
