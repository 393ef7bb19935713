"""Where the data keys come from: the environment (DATA_KEYS, PHONE_HASH_KEY) in a deployment, a
key file made on first run under var/ in development (`make run` needs nothing configured).

A deployment (REQUIRE_DATA_KEYS, set by the image and docker-compose) refuses to start without
keys in the environment: a key file made inside a container would vanish with it, and everything
sealed with it would be lost.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from pathlib import Path

from bot.config import Config
from intake.crypto import DataKeyError, Keyring, new_key

log = logging.getLogger(__name__)


def load_keyring(config: Config) -> Keyring:
    """The keyring `config` names; DataKeyError (a message saying what to set) when it cannot."""
    if config.data_keys or config.phone_hash_key:
        if not (config.data_keys and config.phone_hash_key):
            raise DataKeyError("set both DATA_KEYS and PHONE_HASH_KEY (see README, Configuration)")
        return Keyring.parse(config.data_keys, config.phone_hash_key)
    if config.require_data_keys:
        raise DataKeyError(
            "REQUIRE_DATA_KEYS is set but DATA_KEYS and PHONE_HASH_KEY are not: refusing to start "
            "(generate them with `python -m bot.keys`; keep them apart from database backups)"
        )
    return _development_keyring(config.data_key_file)


def _development_keyring(path: Path) -> Keyring:
    """The local key file's keys, made on first use (readable by this user only)."""
    if not path.exists():
        _create(path)
        log.warning(
            "generated development data keys in %s: anyone with this file and the database reads "
            "everything. For a deployment set DATA_KEYS and PHONE_HASH_KEY instead",
            path,
        )
    for _ in range(50):  # another process may be writing it this very moment
        try:
            stored = json.loads(path.read_text())
            return Keyring.parse(stored["data_keys"], stored["phone_hash_key"])
        except (ValueError, KeyError):
            time.sleep(0.02)
    raise DataKeyError(f"the development key file {path} is unreadable: restore it, or move it away to start afresh")


def _create(path: Path) -> None:
    """Write a new key file atomically; a file another process made first wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = {"data_keys": f"dev1:{new_key()}", "phone_hash_key": new_key()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".data_keys-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(keys, f)
        try:
            os.link(tmp, path)  # fails if it exists: never replace keys already sealing data
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)


def generate_environment() -> str:
    """Fresh DATA_KEYS and PHONE_HASH_KEY lines for a deployment's secrets."""
    stamp = time.strftime("%Y%m")
    return f"DATA_KEYS=k{stamp}:{new_key()}\nPHONE_HASH_KEY={new_key()}\n"


if __name__ == "__main__":  # `python -m bot.keys`: works where the app would refuse to start
    print(generate_environment(), end="")
