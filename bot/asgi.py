"""The web app as gunicorn ships it (gunicorn.conf.py): an ASGI application on uvicorn workers.

The citizens' SMS webhook, in its plain case, is answered on the event loop (`SmsIngress`):
signature checked, message sealed and stored with the others that came in meanwhile, in one
statement on the process's one connection (`LoopStore`), and answered. No thread hand-off and no
thread switch per request: with threads (gthread, and the request threads taking turns to write)
the webhook ran at about half a bare Flask app's rate, most of the difference being threads waking
each other (`make bench-ingress`). Everything else — a forged or unusual webhook, the Telegram
webhook, the console, the simulator, /healthz — goes to the Flask app, unchanged, run in threads
(a2wsgi). When the database fails, runs out of the budget or refuses a row, or this process has
spooled messages not yet drained, the delivery goes the threads' way too (`Ingress.accept`), which
spools it: the event loop never waits on Redis or a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg
from a2wsgi import WSGIMiddleware
from psycopg import pq

from bot import urlencoded
from bot.ingress import (
    GROUP_MAX,
    TWILIO_SMS,
    Inbound,
    _error_of,
    _insert_many,
    _insert_name,
    _inserted_rows,
    _not_prepared,
    _text_param,
    twilio_inbound,
)
from bot.spool import SpoolUnavailable
from bot.webhooks import EMPTY_TWIML, SMS_PATH, twilio_signature
from intake.crypto import Keyring
from intake.repository import INBOUND_COLUMNS, sealed_inbound_row
from intake.services import inbound_row

log = logging.getLogger(__name__)

TWIML = EMPTY_TWIML.encode()
_OK_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/xml; charset=utf-8"), (b"content-length", str(len(TWIML)).encode())],
}
_OK_BODY = {"type": "http.response.body", "body": TWIML}
_BUSY = b"temporarily unavailable"


class StoreOutage(Exception):
    """The database could not take the group in time (down, frozen, restarted)."""


@dataclass
class _Entry:
    params: list[bytes | None]
    key: tuple[str, str]  # (channel, provider id)
    deadline: float  # loop time
    future: asyncio.Future


class LoopStore:
    """Inbound rows stored from the event loop: the rows that arrive while a statement is in flight
    go together in the next one (`INSERT … VALUES (…), (…) ON CONFLICT DO NOTHING RETURNING`, one
    round trip and one commit for the group), on one connection of the process driven by libpq's
    non-blocking calls. A row comes back as (id, True) when this delivery stored it, (None, False)
    when its provider id was already stored (a redelivery: nothing to queue). Each row has the
    budget: a statement that outlives it is abandoned with its connection (the server's
    statement_timeout ends it there), and its requests raise StoreOutage, as every request
    waiting behind it does; a refusal by the database (not an outage) raises its psycopg error."""

    def __init__(self, conninfo: str, budget_s: float, clock: Callable[[], datetime], keyring: Keyring):
        self.conninfo = conninfo
        self.budget_s = budget_s
        self._clock = clock
        self._keyring = keyring
        self._pending: list[_Entry] = []
        self._writing = False
        self._conn: psycopg.AsyncConnection | None = None

    async def store(self, inbound: Inbound) -> tuple[int | None, bool]:
        """Store one message (see the class)."""
        row = sealed_inbound_row(
            self._keyring,
            inbound_row(
                inbound.channel, inbound.address, inbound.provider_id, inbound.body, self._clock(), error=inbound.error
            ),
        )
        loop = asyncio.get_running_loop()
        entry = _Entry(
            [_text_param(row[column]) for column in INBOUND_COLUMNS],
            (str(row["channel"]), str(row["provider_message_id"])),
            loop.time() + self.budget_s,
            loop.create_future(),
        )
        self._pending.append(entry)
        if not self._writing:
            self._writing = True
            loop.create_task(self._write_all())
        try:
            return await asyncio.wait_for(asyncio.shield(entry.future), self.budget_s + 0.1)
        except TimeoutError as exc:
            raise StoreOutage("the inbound store ran out of budget") from exc

    async def _write_all(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                group, self._pending = self._pending[:GROUP_MAX], self._pending[GROUP_MAX:]
                now = loop.time()
                live = [e for e in group if e.deadline > now]
                for e in group:
                    if e.deadline <= now:  # out of budget before its turn: never written
                        _fail(e, StoreOutage("the inbound store ran out of budget"))
                if not live:
                    continue
                try:
                    results = await asyncio.wait_for(self._insert(live), min(e.deadline for e in live) - now)
                except (TimeoutError, OSError, psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    await self._discard()
                    outage = StoreOutage(f"{type(exc).__name__}")
                    for e in live + self._pending:  # the database is down: nobody waits behind it
                        _fail(e, outage)
                    self._pending = []
                    continue
                except psycopg.Error as exc:  # refused (not an outage): the group goes the threads' way
                    for e in live:
                        _fail(e, exc)
                    continue
                for e, result in zip(live, results, strict=True):
                    if not e.future.done():
                        e.future.set_result(result)
        except BaseException as exc:
            for e in self._pending:
                _fail(e, StoreOutage(type(exc).__name__))
            self._pending = []
            raise
        finally:
            self._writing = False

    async def _insert(self, entries: list[_Entry]) -> list[tuple[int | None, bool]]:
        for attempt in (1, 2):
            pgconn = await self._connection()
            try:
                inserted = await self._exec(pgconn, len(entries), [p for e in entries for p in e.params])
            except psycopg.OperationalError:
                if attempt == 1 and pgconn.status == pq.ConnStatus.BAD:  # dropped by a restart: once more, afresh
                    await self._discard()
                    continue
                raise
            created = {(channel, pid): message_id for message_id, channel, pid in inserted}
            results = []
            for e in entries:
                message_id = created.pop(e.key, None)  # a second one in the group: stored once
                results.append((message_id, message_id is not None))
            return results
        raise AssertionError("unreachable")

    async def _connection(self):
        if self._conn is None or self._conn.pgconn.status == pq.ConnStatus.BAD:
            await self._discard()
            budget_ms = max(100, int(self.budget_s * 1000))
            self._conn = await psycopg.AsyncConnection.connect(
                self.conninfo,
                autocommit=True,
                connect_timeout=max(2, int(self.budget_s + 0.999)),
                options=f"-c statement_timeout={budget_ms} -c lock_timeout={budget_ms}",
                application_name="jsc-ingress",
            )
            self._conn.pgconn.nonblocking = 1
        return self._conn.pgconn

    async def _exec(self, pgconn, rows: int, params: list[bytes | None]) -> list[tuple[int, str, str]]:
        """bot.ingress._exec_insert, without blocking the loop."""
        name = _insert_name(rows)
        pgconn.send_query_prepared(name, params)
        result = await self._result(pgconn)
        if _not_prepared(result):
            pgconn.send_prepare(name, _insert_many(rows).encode())
            prepared = await self._result(pgconn)
            if prepared.status != pq.ExecStatus.COMMAND_OK:
                raise _error_of(pgconn, prepared)
            pgconn.send_query_prepared(name, params)
            result = await self._result(pgconn)
        return _inserted_rows(pgconn, result)

    async def _result(self, pgconn):
        """Send what is queued, wait for the reply without blocking the loop; the last result."""
        loop = asyncio.get_running_loop()
        fd = pgconn.socket
        while pgconn.flush():
            await _ready(loop.add_writer, loop.remove_writer, fd)
        while True:
            pgconn.consume_input()
            if not pgconn.is_busy():
                break
            await _ready(loop.add_reader, loop.remove_reader, fd)
        last = None
        while (result := pgconn.get_result()) is not None:
            last = result
        if last is None:
            raise psycopg.OperationalError("no result from the server")
        return last

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except Exception:  # noqa: BLE001 - a broken connection: nothing more to do with it
                pass

    async def close(self) -> None:
        """Close the connection (at shutdown)."""
        await self._discard()


def _fail(entry: _Entry, exc: BaseException) -> None:
    if not entry.future.done():
        entry.future.set_exception(exc)
        entry.future.exception()  # retrieved: a request that gave up waiting leaves no warning


async def _ready(add, remove, fd: int) -> None:
    future = asyncio.get_running_loop().create_future()
    add(fd, lambda: future.done() or future.set_result(None))
    try:
        await future
    finally:
        remove(fd)


class SmsIngress:
    """The ASGI app: the SMS webhook's plain case on the event loop (see the module), everything
    else to `wsgi_app` (the Flask app) in threads. Only the plain case is taken, as below Flask
    (bot.webhooks.TwilioSmsFastPath): a POST of a urlencoded form to the SMS route with a length,
    no query string, Twilio's default signature of PUBLIC_BASE_URL + the route, matching. Anything
    else, a forged request included, goes on to Flask with its body, which reads and checks it in
    full (and answers 403)."""

    def __init__(self, wsgi_app, services, *, threads: int, max_body: int):
        self.wsgi = WSGIMiddleware(wsgi_app, workers=threads)
        self.services = services
        self.max_body = max_body
        config = services.config
        token = config.twilio_auth_token
        self._mac = hmac.new(token.encode("utf-8"), digestmod=hashlib.sha1) if token else None
        self._url = f"{config.public_base_url}{SMS_PATH}" if config.public_base_url else None
        self.store: LoopStore | None = None
        if self._mac is not None and self._url is not None and config.database_url.startswith("postgresql"):
            self.store = LoopStore(
                _conninfo(config.database_url), config.ingress_db_budget_s, services.clock, services.keyring
            )

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        plain = self._plain(scope)
        if plain is None:
            await self.wsgi(scope, receive, send)
            return
        length, signature = plain
        body = await _read_body(receive, length)
        if body is None:  # the client went away, or sent another length than it said
            await send({"type": "http.response.start", "status": 400, "headers": []})
            await send({"type": "http.response.body", "body": b"the body does not match its length"})
            return
        form = urlencoded.parse(body)
        assert self._mac is not None and self._url is not None
        if not hmac.compare_digest(twilio_signature(self._mac, self._url, form).encode(), signature):
            await self.wsgi(scope, _replay(body, receive), send)
            return
        if not await self._accept(form.to_dict()):
            log.error("inbound %s delivery could not be stored or spooled: answering 503", TWILIO_SMS)
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"5")],
                }
            )
            await send({"type": "http.response.body", "body": _BUSY})
            return
        await send(_OK_START)
        await send(_OK_BODY)

    def _plain(self, scope) -> tuple[int, bytes] | None:
        """(the body's length, the signature) when the request is the plain case this app takes."""
        if (
            self.store is None
            or scope["type"] != "http"
            or scope["path"] != SMS_PATH
            or scope["method"] != "POST"
            or scope.get("query_string")
        ):
            return None
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        length = headers.get(b"content-length", b"")
        signature = headers.get(b"x-twilio-signature", b"")
        if (
            content_type != b"application/x-www-form-urlencoded"
            or not signature
            or b"x-twilio-webhooks-signature-settings" in headers
            or not length.isdigit()
            or int(length) > self.max_body
        ):
            return None
        return int(length), signature

    async def _accept(self, payload: dict) -> bool:
        """Store and queue the delivery, or spool it; False when it could be kept nowhere."""
        ingress = self.services.ingress
        assert self.store is not None
        if ingress.fast_store_allowed():
            inbound = twilio_inbound(payload)
            try:
                message_id, created = await self.store.store(inbound)
            except StoreOutage as exc:
                ingress.database_failed(exc)  # before the spool: the requests behind this one spool too
            except (psycopg.Error, ValueError, TypeError) as exc:
                log.info("inbound store refused a group (%s); storing its rows one by one", type(exc).__name__)
            else:
                if created and message_id is not None and inbound.error is None:
                    ingress.queue_stored(message_id)
                return True
        try:
            await asyncio.get_running_loop().run_in_executor(self.wsgi.executor, ingress.accept, TWILIO_SMS, payload)
        except SpoolUnavailable:
            return False
        return True

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.store is not None:
                    await self.store.close()
                await asyncio.get_running_loop().run_in_executor(None, self.services.ingress.flush)
                await send({"type": "lifespan.shutdown.complete"})
                return


def _conninfo(database_url: str) -> str:
    """libpq's connection string for a SQLAlchemy URL (postgresql+psycopg://… → postgresql://…)."""
    from sqlalchemy.engine import make_url

    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _read_body(receive, length: int) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > length:
            return None
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    return body if len(body) == length else None


def _replay(body: bytes, receive):
    """A `receive` that gives the body already read, then what the client sends next."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def create_app(test_config=None, services=None):
    """The ASGI app gunicorn serves (gunicorn.conf.py): the Flask app (bot.create_app) behind the
    SMS webhook's event-loop path."""
    import os

    from bot import create_app as create_flask_app

    flask_app = create_flask_app(test_config, services)
    return SmsIngress(
        flask_app,
        flask_app.extensions["jsc"],
        threads=int(os.environ.get("WEB_THREADS", "16")),
        max_body=flask_app.config["MAX_CONTENT_LENGTH"],
    )
