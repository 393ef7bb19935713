"""The database schema: migrating it to the newest Alembic revision (`flask --app bot db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from bot.config import ROOT
from intake.crypto import Keyring


def upgrade_database(database_url: str, keyring: Keyring | None = None, revision: str = "head") -> None:
    """Bring the schema to the newest Alembic revision (creates the SQLite folder if needed).
    `keyring` seals the rows a migration encrypts (0016); without one, the environment's keys
    (bot.keys) are loaded when there is something to seal."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    cfg.attributes["keyring"] = keyring
    command.upgrade(cfg, revision)
