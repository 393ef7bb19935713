"""Channels: the Flask app with the Twilio and Telegram webhooks, the simulator and the admin CLI."""

from __future__ import annotations

from typing import Any


def create_app(test_config: dict[str, Any] | None = None, services=None):
    """Application factory. Config is the defaults, then the environment, then `test_config`
    (a dict of Config fields); `services` replaces the wired services (tests hand in fakes)."""
    from dataclasses import replace

    from flask import Flask

    from bot.bootstrap import build_services
    from bot.config import Config
    from bot.logs import configure_logging

    config = Config.from_env()
    if test_config:
        config = replace(config, **test_config)
    if services is None:
        services = build_services(config, request_path=True)
        if not config.redis_url:
            # Embedded mode: no worker process, so this one runs the recovery sweep (which also
            # drains the ingress spool).
            services.queue.start_sweep(config.sweep_interval_s)
        _warn_uncovered(services)
    else:
        config = services.config

    app = Flask(__name__)
    app.config.update(SECRET_KEY=config.secret_key, MAX_CONTENT_LENGTH=256 * 1024)
    app.extensions["jsc"] = services
    from bot import webhooks

    # The SMS webhook's plain case is answered below Flask (see TwilioSmsFastPath); ProxyFix
    # goes outside it, so that it sees the scheme and host the client used.
    app.wsgi_app = webhooks.TwilioSmsFastPath(app.wsgi_app, services, app.config["MAX_CONTENT_LENGTH"])
    if config.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.proxy_hops, x_proto=config.proxy_hops)
    configure_logging()

    from bot import cli, console, simulator

    app.session_interface = webhooks.SessionsOutsideWebhooks()
    app.register_blueprint(webhooks.twilio_bp)
    app.register_blueprint(webhooks.telegram_bp)
    if config.simulator:
        app.register_blueprint(simulator.bp)
    console.init_app(app)
    from bot.reports.console import blueprint as reports_blueprint

    app.register_blueprint(reports_blueprint())
    cli.register(app)
    if _serving():
        # Embedded mode (`make run`): the schedule's due rows are moved in this process too (not
        # in other CLI commands: a short-lived process would take rows and exit before the jobs).
        start = getattr(services.queue, "start_schedule", None)
        if start is not None:
            start()

    @app.get("/healthz")
    def healthz():
        """Liveness: the process answers and the database is reachable."""
        from sqlalchemy import text

        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    @app.get("/")
    def index():
        """A pointer for humans."""
        staff = '<a href="/console/">Staff console</a>'
        if config.simulator:
            return f'<p>JSC justice line is running. {staff}. <a href="/simulator">Open the simulator</a>.</p>'
        return f"<p>JSC justice line is running. {staff}.</p>"

    return app


def _serving() -> bool:
    """True when `flask run` is loading the app (not another CLI command, nor a test)."""
    import click

    ctx = click.get_current_context(silent=True)
    return ctx is not None and ctx.command is not None and ctx.command.name == "run"


def current_services() -> Any:
    """The services wired into the app handling the current request or command."""
    from flask import current_app

    return current_app.extensions["jsc"]


def _warn_uncovered(services) -> None:
    """At start, name the offices nobody is linked to: their cases go to the duty desk."""
    import logging

    from intake.cases import uncovered_offices

    try:
        with services.uow() as uow:
            codes = [o.code for o in uncovered_offices(uow)]
    except Exception:  # noqa: BLE001 - a database not migrated yet: nothing to warn about
        return
    if codes:
        shown = ", ".join(codes[:20]) + (f" and {len(codes) - 20} more" if len(codes) > 20 else "")
        logging.getLogger("bot").warning(
            "%s active offices have no linked official (their cases go to the duty desk): %s", len(codes), shown
        )
