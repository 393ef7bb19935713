"""The request path of every inbound delivery: read it, store it, queue it, and answer the
provider at once, whatever else is down.

- **Read** (`twilio_inbound`, `telegram_inbound`): the provider's payload as plain data, never
  trusting its types. Any signed delivery that could be a message to us is kept: one with no
  sender to answer is stored as failed (for an admin) rather than refused.
- **Store** within a budget (`INGRESS_DB_BUDGET`): the process's request threads take turns to
  write (`GroupedStore`): the one that finds no statement in flight stores its row at once, and
  the rows that came in meanwhile go in the next statement, written by one of their own threads,
  on a pooled autocommit connection (one round trip and one commit for the group), ended by a
  watchdog if a frozen database keeps it past the budget (connecting has libpq's 2 s minimum). If the store fails or runs out of time,
  the raw payload goes to the spool (bot.spool) and the database is left alone for
  `INGRESS_DB_RETRY` seconds (one probe at a time), so an outage does not hold every request for the
  budget. While this process has spooled messages not yet drained, it keeps spooling, so that one
  sender's messages reach the database in the order they came.
- **Queue** the message's processing without a Redis call in the request: a thread of the process
  hands the ids of stored messages over in batches (`Batcher`, one Redis command each), and a
  worker's feeder makes the rq jobs (bot.jobqueue `post_many`, `move_posted`). A batch that cannot
  be handed over leaves its messages to the recovery sweep (every few seconds). Button presses
  (their spinner answered) are queued at once, with the sub-second Redis budget.

The drain (`Ingress.drain`, run by the recovery sweep) stores spooled deliveries through the same
reading code, once each by provider id, then queues them.
"""

from __future__ import annotations

import atexit
import functools
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
import psycopg.errors
from psycopg import pq
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.spool import PoisonRecord
from intake.crypto import Keyring, attach, keyring_of
from intake.model import Channel
from intake.repository import INBOUND_COLUMNS, sealed_inbound_row
from intake.sanitize import clean_text, payload_digest
from intake.services import inbound_row, record_inbound
from intake.unit_of_work import UnitOfWork, session_factory

log = logging.getLogger(__name__)

TWILIO_SMS = "twilio_sms"
TELEGRAM = "telegram"
PROCESS_INBOUND = "worker.jobs.process_inbound"
ANSWER_CALLBACK = "worker.jobs.answer_callback"
ADDRESS_CHARS = 64  # messages.address
_INTEGER = re.compile(r"-?[0-9]+")


@dataclass(frozen=True)
class Inbound:
    """One inbound message as read from a provider's payload (fields not yet cleaned)."""

    channel: str
    address: str
    provider_id: str
    body: object
    # Set when the delivery cannot be acted on (no sender to answer): stored as failed.
    error: str | None = None


@dataclass(frozen=True)
class Accepted:
    """What became of one delivery: stored (with its id) or spooled, and whether it was new."""

    message_id: int | None
    created: bool
    spooled: str | None = None  # "redis" or "file"


def _address(value: object, what: str, numeric: bool = False) -> tuple[str, str | None]:
    """An address as text, with the reason it cannot be answered, if any (`numeric`: a Telegram
    chat id, an integer)."""
    if isinstance(value, bool) or value is None or value == "":
        return "", f"no {what}"
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or (numeric and not _INTEGER.fullmatch(value)):
        return clean_text(value), f"unreadable {what}"
    if len(value) > ADDRESS_CHARS:
        return value, f"{what} longer than {ADDRESS_CHARS} characters"
    return value, None


def twilio_inbound(form: Mapping[str, object]) -> Inbound:
    """An SMS as Twilio (or a compatible gateway) posts it. A delivery without a MessageSid is
    known by a digest of the whole form (a redelivery is still stored once)."""
    sid = form.get("MessageSid") or form.get("SmsSid")
    provider_id = clean_text(sid) if sid else f"sha:{payload_digest(dict(form))}"
    address, error = _address(form.get("From"), "sender")
    return Inbound(Channel.SMS, address, provider_id, form.get("Body", ""), error)


def telegram_inbound(update: Mapping[str, object]) -> tuple[Inbound | None, str | None]:
    """(the message to store, the callback query to answer) from a Telegram update.

    A private message arrives with its text, or its caption, or empty (a photo or voice note: the
    person is then told to write words); a button press as its callback data, handled like a typed
    command. Other updates (groups, edits, channel posts) are not ours: (None, None). A message or
    press whose parts cannot be read is stored as failed rather than lost."""
    update_id = update.get("update_id")
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        provider_id = f"update:{update_id}"
    else:
        provider_id = f"update:sha:{payload_digest(dict(update))}"
    query = update.get("callback_query")
    if query is not None:
        if not isinstance(query, Mapping):
            return Inbound(Channel.TELEGRAM, "", provider_id, update, "unreadable callback query"), None
        query_id = query.get("id")
        query_id = clean_text(query_id) if query_id not in (None, "") else None
        message = query.get("message")
        chat = message.get("chat") if isinstance(message, Mapping) else None
        if not isinstance(chat, Mapping) or chat.get("type") != "private" or not query.get("data"):
            return None, query_id  # a press we do not act on: only its spinner is stopped
        address, error = _address(chat.get("id"), "chat id", numeric=True)
        return Inbound(Channel.TELEGRAM, address, provider_id, query.get("data"), error), query_id
    message = update.get("message")
    if message is None:
        return None, None
    if not isinstance(message, Mapping):
        return Inbound(Channel.TELEGRAM, "", provider_id, update, "unreadable message"), None
    chat = message.get("chat")
    if isinstance(chat, Mapping) and isinstance(chat.get("type"), str) and chat.get("type") != "private":
        return None, None  # a group or channel: not a conversation we hold
    if not isinstance(chat, Mapping):
        return Inbound(Channel.TELEGRAM, "", provider_id, update, "unreadable chat"), None
    address, error = _address(chat.get("id"), "chat id", numeric=True)
    text = message.get("text")
    if text is None:
        text = message.get("caption")
    return Inbound(Channel.TELEGRAM, address, provider_id, "" if text is None else text, error), None


READERS: dict[str, Callable] = {
    TWILIO_SMS: lambda payload: (twilio_inbound(payload), None),
    TELEGRAM: telegram_inbound,
}


class Ingress:
    """Store-and-queue with budgets, falling back to the spool. One per process, shared by its
    request threads. `store` enforces the database budget itself (see `budgeted_store`)."""

    def __init__(
        self,
        store: Callable[[Inbound], tuple[int, bool]],
        queue,
        spool,
        *,
        db_retry_s: float = 2.0,
        queue_retry_s: float = 2.0,
        engine=None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._store = store
        self.queue = queue
        self.spool = spool
        self.db_retry_s = db_retry_s
        self.queue_retry_s = queue_retry_s
        self._clock = clock
        self._engine = engine
        self._db_down_until = 0.0
        self._queue_down_until = 0.0
        self._spooled = False  # this process spooled something that may not be drained yet
        post_many = getattr(queue, "post_many", None)
        self._batcher = Batcher(post_many) if post_many is not None else None

    # ---------------------------------------------------------------- webhook side

    def accept(self, kind: str, payload: Mapping) -> Accepted | None:
        """Take one validated delivery: store and queue it, or spool it. None when the update is
        not a message of ours. Raises bot.spool.SpoolUnavailable when it could be kept nowhere."""
        inbound, callback_id = READERS[kind](payload)
        accepted = None
        if inbound is not None:
            stored = self._store_or_none(inbound)
            if stored is None:
                where = self.spool.push(kind, payload)
                self._spooled = True
                # Each outage is logged once (`_store_or_none`), not each message spooled in it.
                log.debug("inbound %s delivery spooled to %s", inbound.channel, where)
                accepted = Accepted(None, True, where)
            else:
                accepted = Accepted(*stored)
                if accepted.created and inbound.error is None:
                    self._queue_stored(accepted.message_id)
        # Every press gets its spinner stopped, even one we do not act on; a redelivered press was
        # answered the first time.
        if callback_id is not None and (accepted is None or accepted.created):
            self.enqueue(ANSWER_CALLBACK, callback_id)
        return accepted

    def enqueue(self, func: str, *args: object) -> bool:
        """Queue a job within the Redis budget; False (and Redis left alone for a moment) when it
        cannot: the message is stored, and the recovery sweep queues it later."""
        if self._clock() < self._queue_down_until:
            return False
        try:
            self.queue.enqueue(func, *args)
            return True
        except Exception as exc:  # noqa: BLE001 - Redis down or frozen: recovery picks it up
            self._queue_down_until = self._clock() + self.queue_retry_s
            log.warning("could not queue %s (%s); left for recovery", func.rsplit(".", 1)[-1], type(exc).__name__)
            return False

    def fast_store_allowed(self) -> bool:
        """True when a store may be tried without asking anything of Redis or the database first:
        the database is not in its rest after a failure and this process has nothing spooled
        (the event-loop store, bot.asgi, asks this; otherwise the delivery takes `accept`)."""
        return self._clock() >= self._db_down_until and not self._spooled

    def database_failed(self, exc: BaseException) -> None:
        """A store failed or ran out of budget: leave the database alone for `db_retry_s`."""
        self._db_down_until = self._clock() + self.db_retry_s
        log.warning("inbound store failed (%s); spooling", type(exc).__name__)

    def queue_stored(self, message_id: int) -> None:
        """Queue the processing of a message just stored (see `_queue_stored`)."""
        self._queue_stored(message_id)

    def _queue_stored(self, message_id: int) -> None:
        """Queue the processing of a message just stored: through the batcher where the queue
        takes batches (rq: no Redis call in the request at all), else at once."""
        if self._batcher is not None:
            self._batcher.add(PROCESS_INBOUND, message_id)
        else:
            self.enqueue(PROCESS_INBOUND, message_id)

    def _database_usable(self) -> bool:
        if self._clock() < self._db_down_until:
            return False
        if self._spooled:
            try:
                if self.spool.pending():
                    return False
            except Exception:  # noqa: BLE001 - cannot tell: keep the order, spool
                return False
            self._spooled = False
        return True

    def _store_or_none(self, inbound: Inbound) -> tuple[int, bool] | None:
        """(id, created) once stored; None when the database failed or ran out of budget."""
        if not self._database_usable():
            return None
        try:
            return self._store(inbound)
        except Exception as exc:  # noqa: BLE001 - down, frozen or refusing: spool
            self.database_failed(exc)
            return None

    # ---------------------------------------------------------------- recovery side

    def drain(self) -> int:
        """Store what the spool holds (once each, by provider id) and queue what was new."""
        return self.spool.drain(self._store_spooled)

    def _store_spooled(self, kind: str, payload) -> None:
        reader = READERS.get(kind)
        if reader is None or not isinstance(payload, Mapping):
            log.error("spooled record of unknown kind or shape; skipped")
            return
        inbound, _ = reader(payload)
        if inbound is None:
            return
        try:
            message_id, created = self._store(inbound)
        except (OperationalError, InterfaceError, PoolTimeout, TimeoutError, ConnectionError):
            raise  # the database is (still) down: the drain stops, the record waits
        except (DBAPIError, ValueError) as exc:
            raise PoisonRecord(type(exc).__name__) from exc
        if created and inbound.error is None:
            self.enqueue(PROCESS_INBOUND, message_id)

    def flush(self) -> int:
        """Hand over the jobs gathered for stored messages now (see `Batcher`)."""
        return self._batcher.flush() if self._batcher is not None else 0

    def close(self) -> None:
        """Hand over what is gathered and close the store engine's connections."""
        self.flush()
        close_store = getattr(self._store, "close", None)
        if close_store is not None:
            close_store()
        if self._engine is not None:
            self._engine.dispose()


class Batcher:
    """Jobs handed over in batches by one thread of this process, off the request path.

    A request thread only appends to a list (`add`); the thread hands everything gathered to
    `post_many` (bot.jobqueue: one Redis command for the batch): at once after a quiet spell,
    then every `window_s` while jobs keep coming, and at exit. The job is only a wake-up: the
    message it names is already stored, so a batch that cannot be handed over (Redis down or frozen), or that a killed process
    never sent, costs that message the time until the recovery sweep queues it, nothing more."""

    def __init__(self, post_many: Callable[[list[tuple[str, tuple]]], None], window_s: float = 0.005):
        self._post_many = post_many
        self.window_s = window_s
        self._items: list[tuple[str, tuple]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0

    def add(self, func: str, *args: object) -> None:
        """Hand `func(*args)` over soon."""
        with self._lock:
            self._items.append((func, args))
            first = len(self._items) == 1  # the others join a batch whose thread is already woken
            if self._thread is None or self._pid != os.getpid():  # first use, or in a forked child
                self._pid = os.getpid()
                self._thread = threading.Thread(target=self._run, name="ingress-batcher", daemon=True)
                self._thread.start()
                atexit.register(self.flush)
        if first:
            self._wake.set()

    def flush(self) -> int:
        """Hand over what is gathered now; returns how many jobs went (0 when they could not)."""
        with self._lock:
            items, self._items = self._items, []
        if not items:
            return 0
        try:
            self._post_many(items)
            return len(items)
        except Exception as exc:  # noqa: BLE001 - Redis down or frozen: recovery queues them
            log.warning("could not hand over %s jobs (%s); left for recovery", len(items), type(exc).__name__)
            return 0

    def _run(self) -> None:
        # The first job after a quiet spell goes at once; while jobs keep coming, what gathered in
        # each window goes together. Under load the thread wakes once a window (a sleep), not twice
        # (a wake-up, then a sleep): every wake-up costs the request threads a thread switch.
        while True:
            self._wake.wait()
            self._wake.clear()  # a job added after this sets it again: none waits for the next one
            while self.flush():
                time.sleep(self.window_s)  # let the jobs of concurrent requests join the next batch


class Watchdog:
    """Deadlines for statements in flight. A PostgreSQL that is frozen (stopped, hung, a network
    path gone quiet) never answers, and neither a server-side statement timeout nor TCP keepalives
    (the kernel still acknowledges) can end the wait; libpq has no client-side one. At its deadline
    the watchdog shuts the connection's socket down, so the waiting call fails at once (and the pool
    throws the connection away). One thread per process, started on first use."""

    def __init__(self, tick_s: float = 0.05):
        self.tick_s = tick_s
        self._watched: dict[int, tuple[float, int]] = {}
        self._fired: set[int] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._next = 0

    def watch(self, fd: int, deadline: float) -> int:
        """Start watching socket `fd` until `deadline` (time.monotonic); returns a token."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ingress-watchdog", daemon=True)
                self._thread.start()
            self._next += 1
            self._watched[self._next] = (deadline, fd)
            return self._next

    def done(self, token: int) -> bool:
        """Stop watching; True when the deadline had fired."""
        with self._lock:
            self._watched.pop(token, None)
            if token in self._fired:
                self._fired.discard(token)
                return True
            return False

    def _run(self) -> None:
        while True:
            time.sleep(self.tick_s)
            now = time.monotonic()
            with self._lock:
                for token, (deadline, fd) in list(self._watched.items()):
                    if now >= deadline:
                        del self._watched[token]
                        self._fired.add(token)
                        _shut(fd)


def _shut(fd: int) -> None:
    try:
        sock = socket.socket(fileno=os.dup(fd))
    except OSError:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


def make_store_engine(database_url: str, budget_s: float, pool_size: int, keyring: Keyring | None = None):
    """The engine the webhooks store with, its waits bounded by the budget.

    PostgreSQL: autocommit (the insert is the whole transaction: one round trip, no BEGIN or
    COMMIT), no ping before each use (a connection broken by a restart is retried once instead),
    a connect timeout (libpq's minimum is 2 s), and a statement timeout, so that a slow insert is
    abandoned by the server rather than committed long after the webhook spooled it. SQLite: the
    budget as its busy timeout (the embedded workers hold its one write lock while they work)."""
    from sqlalchemy import create_engine

    if database_url.startswith("sqlite"):
        return attach(
            create_engine(
                database_url, connect_args={"timeout": budget_s, "check_same_thread": False}, hide_parameters=True
            ),
            keyring,
        )
    budget_ms = max(100, int(budget_s * 1000))
    engine = create_engine(
        database_url,
        isolation_level="AUTOCOMMIT",
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=budget_s,
        pool_pre_ping=False,
        hide_parameters=True,
        connect_args={
            "connect_timeout": max(2, int(budget_s + 0.999)),
            "options": f"-c statement_timeout={budget_ms} -c lock_timeout={budget_ms}",
            "application_name": "jsc-ingress",
        },
    )
    return attach(engine, keyring)


def budgeted_store(
    engine, budget_s: float, clock: Callable[[], datetime], watchdog: Watchdog | None = None
) -> Callable[[Inbound], tuple[int, bool]]:
    """Store one inbound message on `engine` (from `make_store_engine`) within `budget_s`.

    PostgreSQL: grouped with the other request threads' messages (`GroupedStore`), one statement
    on a pooled driver connection (no session, no SQLAlchemy statement machinery: the webhook's
    hottest path), the watchdog ending a statement that outlives the budget; a pooled connection
    that a database restart broke is retried once, on a fresh one, when there is time left.
    Driver errors are raised as SQLAlchemy's (OperationalError, DataError, ...), as on SQLite,
    where the message goes through a unit of work."""
    if engine.dialect.name != "postgresql":
        sessions = session_factory(engine)

        def store_sqlite(inbound: Inbound) -> tuple[int, bool]:
            with UnitOfWork(sessions) as uow:
                result = record_inbound(
                    uow,
                    inbound.channel,
                    inbound.address,
                    inbound.provider_id,
                    inbound.body,
                    now=clock(),
                    error=inbound.error,
                )
                uow.commit()
                return result

        return store_sqlite

    return GroupedStore(engine, budget_s, clock, watchdog)


def _closed_gate() -> threading.Lock:
    gate = threading.Lock()
    gate.acquire()
    return gate


@dataclass
class _Waiting:
    """One request's row in the grouped store, and what became of it.

    Its request waits on a lock taken when the row is made (`_gate`) and released by whoever
    writes the row or hands it the turn: a bare lock, where an Event's Python-level condition
    cost a webhook more than the row's statement did."""

    row: dict[str, object]
    deadline: float
    result: tuple[int, bool] | None = None
    error: BaseException | None = None
    lead: bool = False  # woken to write the next group rather than with its result
    finished: bool = False  # result or error set
    _gate: threading.Lock = field(default_factory=_closed_gate, repr=False)

    def wait(self, timeout: float) -> None:
        """Until finished or handed the turn, or `timeout` seconds."""
        self._gate.acquire(timeout=timeout)

    def finish(self) -> None:
        """The row's result or error is set: its request may go on."""
        self.finished = True
        self._open()

    def hand_turn(self) -> None:
        """Its request is to write the next group."""
        self.lead = True
        self._open()

    def _open(self) -> None:
        try:
            self._gate.release()
        except RuntimeError:
            pass  # already open (a row finished twice: tried alone after its group was refused)


class GroupedStore:
    """The inbound messages of all of this process's request threads stored together.

    The request threads take turns as the writer (flat combining: no writer thread to hand rows
    to and be woken by, which cost each request two thread switches). A request that finds no
    group being written writes its own row at once; rows that come in while a group is being
    written wait, and when the writing request's statement is done the next of them is woken to
    write them all in one statement (`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING
    RETURNING`): one round trip and one commit for the group instead of one each, which is most
    of what storing cost both this process and PostgreSQL. Each row is still stored once by
    provider id (a redelivery in the same group too). A statement the database refuses (not an
    outage) is tried again row by row, so only the row at fault fails. A row whose budget ran out
    before its group was written is not written: its request spools it.
    """

    def __init__(self, engine, budget_s: float, clock: Callable[[], datetime], watchdog: Watchdog | None = None):
        self.engine = engine
        self.budget_s = budget_s
        self._clock = clock
        self._watchdog = watchdog or Watchdog()
        self._keyring = keyring_of(engine)  # the driver's insert seals here (intake.crypto)
        self._waiting: list[_Waiting] = []
        self._lock = threading.Lock()
        self._writing = False  # a request is writing a group (or has been woken to)
        self._pid = 0
        # The pooled connection the writer keeps between groups: only the request holding the turn
        # uses it, so it is checked out once, not per group (the pool's checkout, reset and
        # check-in cost more than a small group's statement). Dropped when it breaks.
        self._raw = None

    def __call__(self, inbound: Inbound) -> tuple[int, bool]:
        """Store one message (see the class); raises as `budgeted_store` does."""
        # The seam where the stored text is produced: cleaned and bounded (intake.services), then
        # sealed with the deployment's keys (intake.crypto), in the request thread.
        row = sealed_inbound_row(
            self._keyring,
            inbound_row(
                inbound.channel, inbound.address, inbound.provider_id, inbound.body, self._clock(), error=inbound.error
            ),
        )
        waiting = _Waiting(row, time.monotonic() + self.budget_s)
        with self._lock:
            if self._pid != os.getpid():  # first use, or in a forked child: the parent's state is not ours
                self._pid, self._waiting, self._writing, self._raw = os.getpid(), [], False, None
            self._waiting.append(waiting)
            lead = not self._writing
            self._writing = True
        if not lead:
            waiting.wait(self.budget_s + 0.1)
            with self._lock:
                # Woken to write (or woken so, just as the wait ran out: the turn must still be taken).
                lead, waiting.lead = waiting.lead, False
                if not lead and not waiting.finished and waiting in self._waiting:
                    self._waiting.remove(waiting)  # out of budget before its turn: never written
        if lead:
            self._write_turn()
        if not waiting.finished:
            raise TimeoutError("the inbound store ran out of budget")
        if waiting.error is not None:
            raise waiting.error
        assert waiting.result is not None
        return waiting.result

    def _write_turn(self) -> None:
        """Write the waiting rows (this request's among them), then wake the next writer, if any."""
        with self._lock:
            group, self._waiting = self._waiting[:GROUP_MAX], self._waiting[GROUP_MAX:]
        try:
            now = time.monotonic()
            for w in group:
                if w.deadline <= now:
                    w.error = TimeoutError("the inbound store ran out of budget")
                    w.finish()
            self._write([w for w in group if w.deadline > now])
        finally:
            with self._lock:
                if self._waiting:
                    self._waiting[0].hand_turn()
                else:
                    self._writing = False

    def _write(self, group: list[_Waiting]) -> None:
        if not group:
            return
        try:
            results = self._insert([w.row for w in group], min(w.deadline for w in group))
            for w, result in zip(group, results, strict=True):
                w.result = result
        except Exception as exc:  # noqa: BLE001 - handed to the requests, which spool
            refused = isinstance(exc, DBAPIError) and not isinstance(exc, OperationalError | InterfaceError)
            if refused and len(group) > 1:
                for w in group:  # one row the database refuses must not fail the others
                    self._write([w])
                return
            for w in group:
                w.error = exc
        finally:
            for w in group:
                w.finish()

    def _insert(self, rows: list[dict[str, object]], deadline: float) -> list[tuple[int, bool]]:
        """Insert the rows in one statement; (id, created?) for each, in order.

        The statement goes to libpq itself (`exec_prepared`, which lets go of the GIL while it
        waits), prepared once per connection and group size: psycopg's cursor, with its query
        conversion, adaptation and generator-driven wait, cost the request more CPU than the
        round trip did. The parameters are text, each column's value as PostgreSQL reads it."""
        params = [_text_param(row[column]) for row in rows for column in INBOUND_COLUMNS]
        for attempt in (1, 2):
            if self._raw is None:
                self._raw = self.engine.raw_connection()  # a pool checkout; may connect (connect_timeout)
            raw = self._raw
            driver = raw.driver_connection
            token: int | None = self._watchdog.watch(driver.pgconn.socket, deadline)
            try:
                inserted = _exec_insert(driver.pgconn, len(rows), params)
                created = {(ch, pid): i for i, ch, pid in inserted}
                keys = [(row["channel"], row["provider_message_id"]) for row in rows]
                missing = [key for key in keys if key not in created]
                existing = {}
                if missing:
                    lookup = {"channel": [k[0] for k in missing], "provider_message_id": [k[1] for k in missing]}
                    with driver.cursor() as cur:
                        existing = {(ch, pid): i for i, ch, pid in cur.execute(PG_EXISTING_MANY, lookup).fetchall()}
                results = []
                for key in keys:
                    if key in created:
                        results.append((created.pop(key), True))  # a second one in the group: stored once
                    elif key in existing:
                        results.append((existing[key], False))
                    else:
                        results.append((_stored_in_group(results, keys, key), False))
                return results
            except psycopg.Error as exc:
                fired = self._watchdog.done(token) if token is not None else False
                token = None
                broken = driver.broken or driver.closed
                if broken or fired:  # a socket the watchdog shut is never used again
                    self._raw = None
                    raw.invalidate()
                if fired or not broken or attempt == 2 or time.monotonic() >= deadline:
                    raise DBAPIError.instance(
                        None, None, exc, psycopg.Error, hide_parameters=True, connection_invalidated=broken
                    ) from exc
            except BaseException:
                # Anything else (a bug, an interrupt) may have left the connection mid-statement.
                self._raw = None
                raw.invalidate()
                raise
            finally:
                if token is not None:
                    self._watchdog.done(token)
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Give the kept connection back to the pool (at exit, before the engine is disposed)."""
        with self._lock:
            raw, self._raw = self._raw, None
        if raw is not None and self._pid == os.getpid():
            raw.close()


def _stored_in_group(results: list[tuple[int, bool]], keys: list, key) -> int:
    """The id given to an earlier row of the group with the same provider id."""
    for (message_id, _), earlier in zip(results, keys, strict=False):
        if earlier == key:
            return message_id
    raise ValueError("an inbound row was neither stored nor found")


def _text_param(value: object) -> bytes | None:
    """A column's value in PostgreSQL's text input form (the insert's parameters are untyped:
    the server reads each as its column's type)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC values")
        return value.isoformat().encode()
    if not isinstance(value, str | int):
        raise TypeError(f"an inbound column cannot hold {type(value).__name__}")
    data = str(value).encode()
    if b"\x00" in data:  # libpq would end the value there: refused, as psycopg refuses it
        raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    return data


def _exec_insert(pgconn, rows: int, params: list[bytes | None]) -> list[tuple[int, str, str]]:
    """Run the insert of `rows` rows on a libpq connection: (id, channel, provider id) of each row
    inserted. Prepared on the connection when it is not (yet, or any more) known there."""
    name = _insert_name(rows)
    result = pgconn.exec_prepared(name, params)
    if _not_prepared(result):
        prepared = pgconn.prepare(name, _insert_many(rows).encode())
        if prepared.status != pq.ExecStatus.COMMAND_OK:
            raise _error_of(pgconn, prepared)
        result = pgconn.exec_prepared(name, params)
    return _inserted_rows(pgconn, result)


def _not_prepared(result) -> bool:
    """The insert failed only because this session has no such prepared statement (a new
    connection, or one that DISCARD ALL reset): prepare it and run it again, once."""
    return result.error_field(pq.DiagnosticField.SQLSTATE) == b"26000"


def _inserted_rows(pgconn, result) -> list[tuple[int, str, str]]:
    """(id, channel, provider id) of each row the insert returned; its error when it failed."""
    if result.status != pq.ExecStatus.TUPLES_OK:
        raise _error_of(pgconn, result)
    return [
        (int(result.get_value(i, 0)), result.get_value(i, 1).decode(), result.get_value(i, 2).decode())
        for i in range(result.ntuples)
    ]


def _error_of(pgconn, result) -> psycopg.Error:
    """The psycopg error a failed result stands for; an OperationalError when the connection broke."""
    if pgconn.status == pq.ConnStatus.BAD or not result.error_field(pq.DiagnosticField.SQLSTATE):
        return psycopg.OperationalError(pgconn.error_message.decode("utf-8", "replace").strip() or "connection lost")
    return psycopg.errors.error_from_result(result, encoding="utf-8")


@functools.cache
def _insert_name(rows: int) -> bytes:
    return f"jsc_inbound_{rows}".encode()


@functools.cache
def _insert_many(rows: int) -> str:
    """The insert of `rows` inbound rows: one statement text per group size (prepared on each
    connection the first time, `_exec_insert`), with plain parameters, sent far more cheaply than
    arrays to unnest, in PostgreSQL's own `$n` placeholders."""
    width = len(INBOUND_COLUMNS)
    values = ", ".join("(" + ", ".join(f"${r * width + c + 1}" for c in range(width)) + ")" for r in range(rows))
    return (
        f"INSERT INTO messages ({', '.join(INBOUND_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (direction, channel, provider_message_id) DO NOTHING "
        "RETURNING id, channel, provider_message_id"
    )


# Rows in one grouped statement at most (the rest wait for the next).
GROUP_MAX = 64
PG_EXISTING_MANY = (
    "SELECT id, channel, provider_message_id FROM messages WHERE direction = 'in' "
    "AND (channel, provider_message_id) IN "
    "(SELECT * FROM unnest(%(channel)s::text[], %(provider_message_id)s::text[]))"
)
