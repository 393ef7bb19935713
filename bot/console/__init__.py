"""The web console for officials, coordinators, protection caseworkers and admins.

Server-rendered pages (Jinja, autoescaped), plain CSS, a Khmer web font served by the app; no
JavaScript build. Sign-in is by one-time link (`/console` on Telegram, or
`flask --app bot console link --official ID`). Other blueprints (the M&E dashboards) extend
`console/base.html` and protect their views with `auth.login_required` / `auth.require_role`, and
filter cases with `g.viewer.case_filter()`.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, g, render_template

from bot.console import auth, i18n

bp = Blueprint(
    "console",
    __name__,
    url_prefix="/console",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
bp.before_request(auth.guard)
bp.after_request(auth.secure_headers)


@bp.app_context_processor
def _template_helpers():
    """Helpers for every console template (and templates of blueprints that extend base.html)."""
    if "viewer" not in g:
        return {}
    lang = i18n.current_language()
    svc = auth.services()
    policy = svc.web_deps.policy

    def local_time(moment: datetime | None) -> str:
        return f"{policy.local(moment):%d/%m/%Y %H:%M}" if moment else ""

    def local_time_iso(value: str) -> str:
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value

    def age(moment: datetime, now: datetime) -> str:
        minutes = max(0, int((now - moment).total_seconds() // 60))
        if minutes < 60:
            return i18n.t("age_minutes", lang, n=minutes)
        if minutes < 48 * 60:
            return i18n.t("age_hours", lang, n=minutes // 60)
        return i18n.t("age_days", lang, n=minutes // (24 * 60))

    return {
        "t": lambda key, **kw: i18n.t(key, lang, **kw),
        "lang": lang,
        "viewer": g.get("viewer"),
        "csrf_token": auth.csrf_token,
        "nav": NAV,
        "place_name": lambda code: svc.places.name(code, lang) if code else "",
        "local_time": local_time,
        "local_time_iso": local_time_iso,
        "age": age,
    }


# The menu: (endpoint, catalogue key, roles that see it; None: everyone signed in). Other
# blueprints mounted in the console add their entries here.
NAV: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("console.inbox", "nav_inbox", None),
    ("reports.dashboard", "nav_reports", None),
    ("console.directory", "nav_directory", ("admin",)),
    ("console.people", "nav_people", ("admin",)),
    ("console.audit", "nav_audit", ("admin",)),
]


def _error(code: int, key: str):
    def handler(_exc):
        return render_template("console/error.html", code=code, key=key), code

    return handler


for _code, _key in ((400, "error_400"), (401, "error_401"), (403, "error_403"), (404, "error_404"), (429, "error_429")):
    bp.register_error_handler(_code, _error(_code, _key))


def init_app(app) -> None:
    """Register the console and set the session cookie's flags."""
    from bot.console import admin, cases, signin  # noqa: F401 - the routes register on bp

    config = app.extensions["jsc"].config
    app.config.update(
        SESSION_COOKIE_NAME="jsc_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(config.public_base_url and config.public_base_url.startswith("https://")),
    )
    app.register_blueprint(bp)
