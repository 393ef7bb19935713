"""The unit of work: one transaction, with the repository over its session, the jobs it wants
run after commit, and savepoints. Also the engine and session factory it is built from."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from intake import orm, schedule
from intake.crypto import Keyring, attach
from intake.database import DatabaseTimeouts, connect_args, harden_postgres
from intake.repository import Repository


def make_engine(database_url: str, timeouts: DatabaseTimeouts | None = None, keyring: Keyring | None = None) -> Engine:
    """An engine for `database_url`; SQLite gets foreign keys, WAL and a busy timeout so that the
    web process and the in-process workers can share the file. Statement parameters are hidden
    from exceptions and logs: they hold message texts and phone numbers, which must never reach
    a log, a failed job's traceback in Redis or an error report. `keyring` seals and opens the
    columns holding personal data (intake.crypto); an engine without one cannot touch them."""
    if database_url.startswith("sqlite"):
        engine = create_engine(
            database_url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        return attach(engine, keyring)
    # PostgreSQL: lock, statement and idle-in-transaction timeouts, fork safety, errors without
    # key values (intake.database).
    engine = harden_postgres(
        create_engine(
            database_url,
            pool_pre_ping=True,
            pool_size=5,
            max_overflow=5,
            hide_parameters=True,
            connect_args=connect_args(timeouts),
        )
    )
    return attach(engine, keyring)


class UnitOfWork:
    """One transaction: `with uow:` ... `uow.commit()`; leaving without commit rolls back."""

    def __init__(self, session_factory: Callable[[], Session]):
        self._session_factory = session_factory
        self.session: Session | None = None
        self.repo: Repository

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.repo = Repository(self.session)
        # Jobs the transaction wants run later: (dotted function, args, due UTC datetime). Commit
        # writes them to the schedule in the same transaction; a rollback schedules nothing.
        self.later: list[tuple[str, tuple, datetime]] = []
        return self

    def __exit__(self, *exc) -> None:
        # close() rolls back anything uncommitted and detaches objects with their loaded values
        # intact, so callers can still read what they committed.
        assert self.session is not None
        self.session.close()

    def commit(self) -> None:
        """Commit the transaction, with the jobs it scheduled for later (`later`) written as rows
        of the transactional schedule (intake.schedule)."""
        assert self.session is not None
        schedule.write(self)
        self.session.commit()

    def rollback(self) -> None:
        """Abandon the transaction."""
        assert self.session is not None
        self.session.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A nested transaction: if the block raises, what it did is undone (and the exception
        goes on); the rest of the transaction stands."""
        assert self.session is not None
        with self.session.begin_nested():
            yield


def session_factory(engine: Engine) -> Callable[[], Session]:
    """Sessions that keep loaded objects usable after commit (the services read them back)."""
    orm.start_mappers()
    return sessionmaker(bind=engine, expire_on_commit=False)


__all__ = ["IntegrityError", "Repository", "UnitOfWork", "make_engine", "session_factory"]
