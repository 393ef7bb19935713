"""What the database connection must guarantee whatever happens around it.

- **Timeouts.** An orphaned transaction (its worker killed, a child process still holding the
  socket) must not hold the per-sender lock for minutes: PostgreSQL's `lock_timeout`,
  `statement_timeout` and `idle_in_transaction_session_timeout` are set on every connection.
- **Fork safety.** rq forks its scheduler from the worker, and a fork inherits every open
  connection. After a fork the child gives up its copies of the sockets (each is replaced by
  /dev/null, so the parent's session stays whole and nothing the child does can write to it) and
  starts a pool of its own; when the parent dies, PostgreSQL sees its connections close at once
  and rolls their transactions back, releasing their locks.
- **No personal data in errors.** `hide_parameters` keeps statement parameters out of exceptions,
  but PostgreSQL's own message carries DETAIL lines with key values ("Key (address)=(+855…)"):
  every database error is cut down to its class, its SQLSTATE and, for classes whose first line
  names no values, that first line — before it can reach a log or a job's stored traceback.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class DatabaseTimeouts:
    """Seconds; 0 turns one off."""

    lock_s: float = 10.0
    statement_s: float = 30.0
    idle_in_transaction_s: float = 60.0

    def options(self) -> str:
        """libpq's `options` connection parameter setting the three timeouts."""
        ms = lambda s: int(round(s * 1000))  # noqa: E731
        return (
            f"-c lock_timeout={ms(self.lock_s)} -c statement_timeout={ms(self.statement_s)} "
            f"-c idle_in_transaction_session_timeout={ms(self.idle_in_transaction_s)}"
        )


# SQLSTATE classes whose first message line names constraints, columns and conditions, never the
# values: integrity (23), transaction rollback (40), object state (55: lock timeout), operator
# intervention (57: statement timeout, shutdown), connection (08), and P0 (RAISE in our own
# triggers, e.g. the audit log's "append-only", whose texts we write).
_PRIMARY_IS_SAFE = {"23", "40", "55", "57", "08", "P0"}


def scrub(exc: BaseException) -> str:
    """A database error's message without values: its class, SQLSTATE, and the first line when
    that line is known to hold none."""
    diag = getattr(exc, "diag", None)
    sqlstate = getattr(diag, "sqlstate", None) or getattr(exc, "sqlstate", None) or ""
    primary = getattr(diag, "message_primary", None) or ""
    text = f"{type(exc).__name__} (SQLSTATE {sqlstate or 'unknown'})"
    if sqlstate[:2] in _PRIMARY_IS_SAFE and primary:
        text += f": {primary.splitlines()[0]}"
    return text


def harden_postgres(engine: Engine) -> Engine:
    """Install fork safety and error scrubbing on a PostgreSQL engine (the timeouts are
    connection arguments: see `connect_args`)."""
    connections: weakref.WeakSet = weakref.WeakSet()

    @event.listens_for(engine, "connect")
    def _track(dbapi_conn, _record):
        connections.add(dbapi_conn)

    @event.listens_for(engine, "handle_error")
    def _scrub(ctx):
        orig = ctx.original_exception
        if getattr(orig, "_jsc_scrubbed", False) or not hasattr(orig, "sqlstate"):
            return
        clean = scrub(orig)
        orig.args = (clean,)
        orig._jsc_scrubbed = True
        wrapped = ctx.sqlalchemy_exception
        if wrapped is not None and wrapped.args:
            wrapped.args = (f"({type(orig).__module__}.{type(orig).__name__}) {clean}", *wrapped.args[1:])

    engine_ref = weakref.ref(engine)

    def _after_fork_in_child() -> None:
        devnull = os.open(os.devnull, os.O_RDWR)
        try:
            for conn in list(connections):
                try:
                    fd = conn.pgconn.socket
                except Exception:  # noqa: BLE001 - already closed
                    continue
                if fd >= 0:
                    os.dup2(devnull, fd)
        finally:
            os.close(devnull)
        connections.clear()
        live = engine_ref()
        if live is not None:
            live.dispose(close=False)

    os.register_at_fork(after_in_child=_after_fork_in_child)
    return engine


def connect_args(timeouts: DatabaseTimeouts | None) -> dict:
    """psycopg connection arguments setting these timeouts."""
    return {"options": (timeouts or DatabaseTimeouts()).options()}
