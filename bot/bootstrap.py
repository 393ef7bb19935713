"""The composition root shared by the web app and the worker: config in, services out.

Tests build services with fakes at these seams (queue, senders, understander), never by
patching globals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.engine import Engine

from bot.config import Config
from bot.keys import load_keyring
from intake.crypto import Keyring
from intake.deps import IntakeDeps
from intake.model import utcnow
from intake.policy import Policy
from intake.ports import JobQueue, LegalAnswerer, Places, Sender, Understander
from intake.unit_of_work import UnitOfWork, make_engine, session_factory

log = logging.getLogger(__name__)

UNIT_EN = {
    "Khaet": "Province",
    "Reach Theani": "Capital",
    "Srok": "District",
    "Krong": "Municipality",
    "Khan": "Khan",
    "Khum": "Commune",
    "Sangkat": "Sangkat",
    "Phum": "Village",
}


class GazetteerPlaces:
    """The `Places` port over the shipped gazetteer."""

    def __init__(self, gazetteer):
        self._gaz = gazetteer

    def centroid(self, code: str) -> tuple[float, float] | None:
        """(lat, lon) of a unit."""
        return self._gaz.centroid(code)

    def name(self, code: str, language: str) -> str:
        """'Sangkae District' or 'ស្រុកសង្កែ'; the code itself when unknown."""
        unit = self._gaz.unit(code)
        if unit is None:
            return code
        if language == "en":
            word = UNIT_EN.get(unit.unit_latin, "")
            if unit.unit_latin == "Reach Theani":
                return unit.name_latin
            return f"{unit.name_latin} {word}".strip()
        return f"{unit.unit_km}{unit.name_km}"


@dataclass
class Services:
    """Everything a request or a job needs, built once per process."""

    config: Config
    engine: Engine
    uow_factory: Callable[[], UnitOfWork]
    queue: JobQueue
    senders: dict[str, Sender]
    understander_factory: Callable[[], Understander]
    places_factory: Callable[[], Places]
    legal_factory: Callable[[], LegalAnswerer | None] = field(default=lambda: None)
    clock: Callable[[], datetime] = utcnow  # tests hand in a controlled clock
    # Telegram's send limits (bot.ratelimit); None sends unthrottled (tests with fake queues).
    rate_limiter: object | None = None
    # New sender adapters of the same kind as `senders`, for a send worker's threads (each thread
    # its own HTTP session); senders handed in by a test are shared instead.
    senders_factory: Callable[[], dict[str, Sender]] | None = None
    # The webhooks' store-and-queue path with its budgets and spool (bot.ingress); the recovery
    # sweep drains the spool through it.
    ingress: object | None = None
    # The data keys (intake.crypto): the engines seal and open personal data with them; the
    # `keys` and `people` commands use them directly.
    keyring: Keyring | None = None

    def uow(self) -> UnitOfWork:
        """A new unit of work."""
        return self.uow_factory()

    @cached_property
    def deps(self) -> IntakeDeps:
        """The intake pipeline's ports (the NLU and gazetteer load on first use)."""
        return IntakeDeps(
            understander=self.understander_factory(),
            places=self.places_factory(),
            legal=self.legal_factory(),
            policy=Policy(timezone=self.config.timezone),
            clock=self.clock,
            console_url=self.config.console_url,
            invite_key=self.config.secret_key,
        )

    @cached_property
    def places(self) -> Places:
        """The gazetteer, loaded once."""
        return self.places_factory()

    @cached_property
    def web_deps(self) -> IntakeDeps:
        """What the case workflow needs in a web request (the console): places, timing rules and
        the clock, without loading the NLU, which only the inbound pipeline uses."""
        return IntakeDeps(
            understander=None,  # type: ignore[arg-type] - never called by the case workflow
            places=self.places,
            legal=None,
            policy=Policy(timezone=self.config.timezone),
            clock=self.clock,
            console_url=self.config.console_url,
        )

    @property
    def max_send_attempts(self) -> int:
        """First try plus one per configured retry interval."""
        return len(self.config.send_retry_intervals) + 1


def default_understander(config: Config) -> Understander:
    """Rasa with the embedded fallback when RASA_URL is set, else the embedded classifier."""
    from nlu.service import build_understander

    return build_understander(config.rasa_url, timeout_s=config.rasa_timeout_s)


def default_places(config: Config) -> Places:
    """The shipped gazetteer."""
    from nlu.gazetteer import Gazetteer

    return GazetteerPlaces(Gazetteer.load(config.gazetteer_dir))


def default_legal(config: Config) -> LegalAnswerer | None:
    """The knowledge base, when its package can load; None leaves the holding answer."""
    try:
        from legal_info.service import KnowledgeBaseAnswerer
    except ImportError:
        return None
    return KnowledgeBaseAnswerer.default()


def default_senders(config: Config) -> dict[str, Sender]:
    """Real providers where credentials are set; the local outbox elsewhere."""
    from bot.senders import OutboxSender, TelegramSender, TwilioSender

    senders: dict[str, Sender] = {"sms": OutboxSender(), "telegram": OutboxSender()}
    if config.sms_configured:
        callback = f"{config.public_base_url}/webhooks/twilio/status" if config.public_base_url else None
        senders["sms"] = TwilioSender(
            config.twilio_account_sid, config.twilio_auth_token, config.twilio_from, config.twilio_api_url, callback
        )
    if config.telegram_configured:
        senders["telegram"] = TelegramSender(config.telegram_bot_token, config.telegram_api_url)
    return senders


_DEFAULT = object()


def build_services(
    config: Config,
    *,
    queue: JobQueue | None = None,
    senders: dict[str, Sender] | None = None,
    understander: Understander | None = None,
    places: Places | None = None,
    legal: LegalAnswerer | None | object = _DEFAULT,
    clock: Callable[[], datetime] | None = None,
    rate_limiter: object | None = _DEFAULT,
    request_path: bool = False,
) -> Services:
    """Wire the services for `config`; any argument given replaces the real adapter.
    `request_path` (the web app) gives every Redis call the short `ENQUEUE_TIMEOUT`. Raises
    intake.crypto.DataKeyError when the data keys are required and missing (bot.keys)."""
    keyring = load_keyring(config)
    engine = make_engine(config.database_url, config.db_timeouts, keyring)
    factory = session_factory(engine)
    services: Services

    def uow_factory() -> UnitOfWork:
        return UnitOfWork(factory)

    if queue is None:
        # The limiter shares the queue's backend: Redis when workers are separate processes, a
        # lock in this process otherwise. A queue handed in (a test's fake) gets none unless given.
        if config.redis_url:
            from bot.jobqueue import RqJobQueue
            from bot.ratelimit import RateLimiter

            queue = RqJobQueue(
                config.redis_url,
                config.queue_name,
                config.send_queue_name,
                timeout_s=config.enqueue_timeout_s if request_path else None,
            )
            if rate_limiter is _DEFAULT:
                rate_limiter = RateLimiter(queue.connection, chat_key=keyring.phone_hash)
        else:
            from bot.jobqueue import InProcessJobQueue
            from bot.ratelimit import InProcessRateLimiter

            queue = InProcessJobQueue(lambda: services)
            if rate_limiter is _DEFAULT:
                rate_limiter = InProcessRateLimiter()
    if rate_limiter is _DEFAULT:
        rate_limiter = None
    services = Services(
        config=config,
        engine=engine,
        uow_factory=uow_factory,
        queue=queue,
        senders=senders if senders is not None else default_senders(config),
        senders_factory=(lambda: senders) if senders is not None else (lambda: default_senders(config)),
        understander_factory=(lambda: understander) if understander else (lambda: default_understander(config)),
        places_factory=(lambda: places) if places else (lambda: default_places(config)),
        legal_factory=(lambda: default_legal(config)) if legal is _DEFAULT else (lambda: legal),
        clock=clock or utcnow,
        rate_limiter=rate_limiter,
        keyring=keyring,
    )
    services.ingress = build_ingress(config, queue, services.clock, keyring)
    return services


# Connections of the ingress store engine: the request thread writing a group uses one at a time (a second while a
# database restart is retried), the recovery sweep's drain one more.
INGRESS_POOL = 2


def build_ingress(config: Config, queue: JobQueue, clock: Callable[[], datetime], keyring: Keyring | None = None):
    """The ingress path: its own store engine (bounded waits), the spool on the queue's Redis (when
    there is one) and on a local file."""
    from bot.ingress import Ingress, budgeted_store, make_store_engine
    from bot.spool import Spool

    engine = make_store_engine(config.database_url, config.ingress_db_budget_s, INGRESS_POOL, keyring)
    spool = Spool(
        getattr(queue, "connection", None),
        config.spool_dir,
        redis_retry_s=config.ingress_db_retry_s,
        keyring=keyring,
    )
    return Ingress(
        budgeted_store(engine, config.ingress_db_budget_s, clock),
        queue,
        spool,
        db_retry_s=config.ingress_db_retry_s,
        engine=engine,
    )
