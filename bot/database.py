"""The database schema: migrating it to the newest Alembic revision (`flask --app bot db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from bot.config import ROOT


def upgrade_database(database_url: str) -> None:
    """Bring the schema to the newest Alembic revision (creates the SQLite folder if needed)."""
    from alembic import command
    from alembic.config import Config as AlembicConfig

    if database_url.startswith("sqlite:///"):
        Path(database_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    command.upgrade(cfg, "head")
