"""The ingress spool: where a webhook puts a validated delivery it could not store in the database
in time, so that an outage of PostgreSQL loses no message (Twilio never retries an inbound SMS).

A record is the raw payload as the provider sent it (Twilio's form, Telegram's update) with its
kind, as one JSON line (ASCII, so that even a lone surrogate survives the round trip), sealed with
the deployment's data key (intake.crypto: the person's words and number are on Redis's
append-only file or the web host's disk until the drain, and never in plain text). It goes to a
Redis list (docker-compose runs Redis with its append-only file) or, when Redis cannot take it
either, to an append-only file under `SPOOL_DIR` on the web host (fsynced before the webhook
answers). The drain, run by the recovery sweep, hands each record back to the same code the
webhook runs; storing is idempotent by provider id, so a record drained twice (a drain that died
before removing it, two drains at once) is stored once.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from intake.crypto import DataKeyError, Keyring, key_id

log = logging.getLogger(__name__)

SEALED_AS = "ingress.spool"  # the context a record is sealed under (intake.crypto)
SPOOL_KEY = "jsc:ingress:spool"
BAD_KEY = "jsc:ingress:spool:unreadable"
LOCK_KEY = "jsc:ingress:spool:drain"
FILE_NAME = "inbound.jsonl"
DRAINING_PREFIX = "draining-"
LOCK_FILE = ".lock"
BAD_FILE = "unreadable.txt"


class SpoolUnavailable(Exception):
    """Neither Redis nor the local file could take the record: the webhook must answer 5xx."""


class PoisonRecord(Exception):
    """A record the database refuses however often it is tried (not an outage): the drain sets it
    aside for an admin instead of letting it hold back every record behind it."""


class Spool:
    """Push records (webhook side) and drain them (recovery side)."""

    def __init__(
        self,
        redis=None,
        directory: Path | None = None,
        redis_retry_s: float = 2.0,
        clock=time.monotonic,
        keyring: Keyring | None = None,
    ):
        self.redis = redis
        self.keyring = keyring
        self.directory = Path(directory) if directory is not None else None
        self.redis_retry_s = redis_retry_s
        self._clock = clock
        self._redis_down_until = 0.0

    # ---------------------------------------------------------------- webhook side

    def push(self, kind: str, payload: object) -> str:
        """Keep one delivery durably; returns where it went ("redis" or "file")."""
        line = json.dumps(
            {"kind": kind, "payload": payload, "received_at": datetime.now(UTC).isoformat()}, ensure_ascii=True
        )
        if self.keyring is not None:
            line = self.keyring.encrypt(line, SEALED_AS)
        if self._redis_usable():
            try:
                self.redis.rpush(SPOOL_KEY, line)
                return "redis"
            except Exception as exc:  # noqa: BLE001 - Redis down or frozen: the file is next
                self._redis_failed(exc)
        if self.directory is not None:
            try:
                self._append(line)
                return "file"
            except OSError as exc:
                log.error("spool file unwritable (%s)", type(exc).__name__)
        raise SpoolUnavailable("neither Redis nor the spool file could keep the delivery")

    def pending(self) -> int:
        """Records waiting to be drained (at least 1 when it cannot tell: Redis unreachable)."""
        count = 0
        if self.redis is not None:
            if not self._redis_usable():
                return 1
            try:
                count += int(self.redis.llen(SPOOL_KEY))
            except Exception as exc:  # noqa: BLE001
                self._redis_failed(exc)
                return 1
        for path in self._files():
            try:
                if path.stat().st_size:
                    count += 1
            except FileNotFoundError:
                continue
        return count

    def _redis_usable(self) -> bool:
        return self.redis is not None and self._clock() >= self._redis_down_until

    def _redis_failed(self, exc: Exception) -> None:
        self._redis_down_until = self._clock() + self.redis_retry_s
        log.warning("spool: Redis unavailable (%s)", type(exc).__name__)

    def _append(self, line: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        with self._locked():
            fd = os.open(self.directory / FILE_NAME, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)

    def _locked(self):
        """An exclusive lock shared by every process on this host: appends never interleave with
        the drain's rename of the file."""
        spool = self

        class _Lock:
            def __enter__(self):
                self.fd = os.open(spool.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
                fcntl.flock(self.fd, fcntl.LOCK_EX)

            def __exit__(self, *exc):
                os.close(self.fd)  # releases the lock

        return _Lock()

    def _files(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{DRAINING_PREFIX}*.jsonl")) + [self.directory / FILE_NAME]

    # ---------------------------------------------------------------- recovery side

    def drain(self, store: Callable[[str, object], None], batch: int = 200, max_s: float = 30.0) -> int:
        """Hand every spooled record to `store(kind, payload)` (idempotent), oldest first, and
        forget it once stored. Stops at the first failure (the database is still down): what is
        left waits for the next sweep. Returns how many records were handed over."""
        done = 0
        if self.redis is not None:
            done += self._drain_redis(store, batch, max_s)
        if self.directory is not None and self.directory.is_dir():
            done += self._drain_files(store)
        return done

    def _drain_redis(self, store, batch: int, max_s: float) -> int:
        token = uuid.uuid4().hex
        # One drainer at a time, so that removing the records just stored from the head of the
        # list can never remove one that another drainer has not stored yet.
        if not self.redis.set(LOCK_KEY, token, nx=True, px=int((max_s + 30) * 1000)):
            return 0
        done = 0
        deadline = time.monotonic() + max_s
        try:
            while time.monotonic() < deadline:
                lines = self.redis.lrange(SPOOL_KEY, 0, batch - 1)
                if not lines:
                    break
                for line in lines:
                    record = self._parse(line)
                    try:
                        if record is None:
                            raise PoisonRecord("unreadable record")
                        store(record["kind"], record["payload"])
                    except PoisonRecord:
                        log.error("spool: a record the database refuses was set aside in %s", BAD_KEY)
                        self.redis.rpush(BAD_KEY, line)  # kept for an admin, never dropped
                    self.redis.lpop(SPOOL_KEY)
                    done += 1
        finally:
            if self.redis.get(LOCK_KEY) == token.encode():
                self.redis.delete(LOCK_KEY)
        return done

    def _drain_files(self, store) -> int:
        current = self.directory / FILE_NAME
        if current.exists() and current.stat().st_size:
            with self._locked():  # writers wait while the file is moved aside
                current.rename(self.directory / f"{DRAINING_PREFIX}{time.time_ns()}.jsonl")
        done = 0
        for path in sorted(self.directory.glob(f"{DRAINING_PREFIX}*.jsonl")):
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # another drainer finished it
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # another drainer is on it
                with os.fdopen(os.dup(fd), "rb") as f:
                    for raw in f:
                        if not raw.strip():
                            continue
                        record = self._parse(raw)
                        try:
                            if record is None:
                                raise PoisonRecord("unreadable record")
                            store(record["kind"], record["payload"])
                        except PoisonRecord:
                            log.error("spool file %s: a record the database refuses was set aside", path.name)
                            with open(self.directory / BAD_FILE, "ab") as bad:
                                bad.write(raw if raw.endswith(b"\n") else raw + b"\n")
                        done += 1
                path.unlink(missing_ok=True)
            finally:
                os.close(fd)
        return done

    def _parse(self, line: bytes | str) -> dict | None:
        """The record in a spooled line; None for one that is unreadable. A sealed line opens with
        the keyring (a key DATA_KEYS no longer holds raises DataKeyError: the drain stops and the
        records wait for the key rather than being set aside); a plain one (spooled by a version
        before records were sealed) is read as it is."""
        text = (line.decode("ascii", "replace") if isinstance(line, bytes) else line).strip()
        kid = key_id(text)
        if kid is None:
            return _parse(text)
        if self.keyring is None or kid not in dict(self.keyring.keys):
            raise DataKeyError(f"a spooled record is sealed with key {kid!r}, which DATA_KEYS does not hold")
        try:
            return _parse(self.keyring.decrypt(text, SEALED_AS))
        except DataKeyError:
            return None  # altered, or sealed under another key of the same id: set aside


def _parse(line: bytes | str) -> dict | None:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or not isinstance(record.get("kind"), str) or "payload" not in record:
        return None
    return record
