"""The one place that reads the environment. Everything else receives a `Config`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from intake.database import DatabaseTimeouts

ROOT = Path(__file__).resolve().parent.parent


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Settings of one deployment. Defaults run everything embedded: SQLite, in-process jobs,
    the embedded NLU and a local outbox instead of providers."""

    database_url: str = f"sqlite:///{ROOT / 'var' / 'jsc.db'}"
    redis_url: str | None = None
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_from: str | None = None
    twilio_api_url: str = "https://api.twilio.com"
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None
    rasa_url: str | None = None
    rasa_timeout_s: float = 2.0
    public_base_url: str | None = None
    timezone: str = "Asia/Phnom_Penh"
    secret_key: str = "dev-only-not-secret"
    simulator: bool = False  # no authentication: only where someone asked for it (make run does)
    queue_name: str = "default"
    # rq queue for sends (SEND_QUEUE); None sends on `queue_name`. Send workers listen on it alone.
    send_queue_name: str | None = None
    send_retry_intervals: tuple[int, ...] = (10, 30, 120, 600, 1800)
    # PostgreSQL timeouts in seconds (intake.database): how long to wait for a lock, for one
    # statement, and how long a transaction may sit idle before the server ends it.
    db_lock_timeout_s: float = 10.0
    db_statement_timeout_s: float = 30.0
    db_idle_in_transaction_timeout_s: float = 60.0
    gazetteer_dir: Path = ROOT / "data" / "gazetteer"
    # Ingress (bot.ingress): the time a webhook gives the database to store a message before it
    # spools it instead, and how long it then leaves the database alone before trying again.
    ingress_db_budget_s: float = 1.5
    ingress_db_retry_s: float = 2.0
    # Every Redis call in the request path (enqueue, spool) answers within this or fails.
    enqueue_timeout_s: float = 0.25
    # The spool's local append-only file, used when the database and Redis are both down.
    spool_dir: Path = ROOT / "var" / "spool"
    # Embedded mode's recovery sweep (the worker's is `python -m worker --sweep-interval`): every
    # few seconds, as it also queues what a failed hand-over left behind.
    sweep_interval_s: float = 5.0
    # The web console: a session ends after this long without a click, and after this long at most.
    console_idle_minutes: int = 60
    console_session_hours: int = 12
    # Reverse proxies in front of the app (1 behind docker-compose's nginx): their
    # X-Forwarded-For and -Proto are trusted, so that the console sees each browser's address.
    proxy_hops: int = 0
    # Personal data at rest (intake.crypto, bot.keys): the data keys ("k2:<base64>,k1:<base64>",
    # the first seals, every one opens) and the phone hash key. Unset, a development key file
    # under var/ is made and used, unless keys are required (the image and docker-compose say so).
    data_keys: str | None = None
    phone_hash_key: str | None = None
    data_key_file: Path = ROOT / "var" / "data_keys.json"
    require_data_keys: bool = False
    # Retention (intake.retention): what people wrote on a closed case is erased this many days
    # after the case was closed (its last change).
    retention_dispute_days: int = 180
    retention_protection_days: int = 365
    # Days a message filed on no case (a legal question, a conversation that became no case) is kept.
    retention_unfiled_days: int = 180

    @property
    def db_timeouts(self) -> DatabaseTimeouts:
        """The PostgreSQL timeouts as `intake.database` takes them."""
        return DatabaseTimeouts(
            lock_s=self.db_lock_timeout_s,
            statement_s=self.db_statement_timeout_s,
            idle_in_transaction_s=self.db_idle_in_transaction_timeout_s,
        )

    @property
    def sms_configured(self) -> bool:
        """True when Twilio (or a Twilio-compatible gateway) credentials are set."""
        return bool(self.twilio_account_sid and self.twilio_auth_token and self.twilio_from)

    @property
    def telegram_configured(self) -> bool:
        """True when a Telegram bot token is set."""
        return bool(self.telegram_bot_token)

    @property
    def console_url(self) -> str:
        """Where staff open the web console: under PUBLIC_BASE_URL, else the local server."""
        return f"{self.public_base_url or 'http://127.0.0.1:5000'}/console"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        """Build the configuration from environment variables (see README, Configuration)."""
        env = os.environ if environ is None else environ
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        base = cls()
        cfg = replace(
            base,
            database_url=get("DATABASE_URL") or base.database_url,
            redis_url=get("REDIS_URL"),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
            twilio_from=get("TWILIO_FROM"),
            twilio_api_url=(get("TWILIO_API_URL") or base.twilio_api_url).rstrip("/"),
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            telegram_webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            telegram_api_url=(get("TELEGRAM_API_URL") or base.telegram_api_url).rstrip("/"),
            telegram_bot_username=get("TELEGRAM_BOT_USERNAME"),
            rasa_url=(get("RASA_URL") or "").rstrip("/") or None,
            rasa_timeout_s=float(get("RASA_TIMEOUT") or base.rasa_timeout_s),
            public_base_url=(get("PUBLIC_BASE_URL") or "").rstrip("/") or None,
            timezone=get("TZ_NAME") or base.timezone,
            secret_key=get("SECRET_KEY") or base.secret_key,
            queue_name=get("QUEUE_NAME") or base.queue_name,
            send_queue_name=get("SEND_QUEUE"),
            ingress_db_budget_s=float(get("INGRESS_DB_BUDGET") or base.ingress_db_budget_s),
            ingress_db_retry_s=float(get("INGRESS_DB_RETRY") or base.ingress_db_retry_s),
            enqueue_timeout_s=float(get("ENQUEUE_TIMEOUT") or base.enqueue_timeout_s),
            spool_dir=Path(get("SPOOL_DIR") or base.spool_dir),
            sweep_interval_s=float(get("SWEEP_INTERVAL") or base.sweep_interval_s),
            console_idle_minutes=int(get("CONSOLE_IDLE_MINUTES") or base.console_idle_minutes),
            console_session_hours=int(get("CONSOLE_SESSION_HOURS") or base.console_session_hours),
            proxy_hops=int(get("PROXY_HOPS") or base.proxy_hops),
            db_lock_timeout_s=float(get("DB_LOCK_TIMEOUT") or base.db_lock_timeout_s),
            db_statement_timeout_s=float(get("DB_STATEMENT_TIMEOUT") or base.db_statement_timeout_s),
            db_idle_in_transaction_timeout_s=float(
                get("DB_IDLE_IN_TRANSACTION_TIMEOUT") or base.db_idle_in_transaction_timeout_s
            ),
            data_keys=get("DATA_KEYS"),
            phone_hash_key=get("PHONE_HASH_KEY"),
            data_key_file=Path(get("DATA_KEY_FILE") or base.data_key_file),
            require_data_keys=_flag(get("REQUIRE_DATA_KEYS"), False),
            retention_dispute_days=int(get("RETENTION_DISPUTE_DAYS") or base.retention_dispute_days),
            retention_protection_days=int(get("RETENTION_PROTECTION_DAYS") or base.retention_protection_days),
            retention_unfiled_days=int(get("RETENTION_UNFILED_DAYS") or base.retention_unfiled_days),
        )
        # The simulator has no authentication and shows every message: on only when asked for
        # (`make run` asks), never because a provider's variable happens to be missing.
        return replace(cfg, simulator=_flag(get("SIMULATOR"), False))
