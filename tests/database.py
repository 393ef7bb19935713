"""Test databases: a PostgreSQL database created, emptied and migrated for a run, and dropped
after it. Never pointed at a live database."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bot.database import upgrade_database


def recreate_database(database_url: str) -> str:
    """Create the PostgreSQL database if missing, empty its schema and migrate it (tests and
    benchmarks; never used on a live database)."""
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = database_url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade_database(database_url)
    return database_url


def drop_database(database_url: str) -> None:
    """Drop a PostgreSQL database (with its connections); nothing when PostgreSQL is down."""
    admin = create_engine(database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    except Exception:  # noqa: BLE001 - PostgreSQL may be down when only SQLite tests ran
        pass
    finally:
        admin.dispose()
