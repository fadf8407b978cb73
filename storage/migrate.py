"""Bring a database to the newest schema (`renewbot migrate` and start-up).

A restart finds its database already at the newest revision. That takes one query to see, and
Alembic (storage/alembic_upgrade.py) is imported only when there is something to apply.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, inspect, text

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def newest_revision() -> str:
    """The head revision. Revisions are numbered in one line of history (0001, 0002, …), each
    file named after its number, so the highest is the head; tests/test_migrations.py holds this
    to Alembic's own reading of the scripts."""
    return max(path.name.partition("_")[0]
               for path in (MIGRATIONS_DIR / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))


def at_newest(revisions: set[str]) -> bool:
    """Whether a database at `revisions` has every migration."""
    return revisions == {newest_revision()}


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is at (none if it was never migrated)."""
    if not inspect(connection).has_table("alembic_version"):
        return set()
    return set(connection.scalars(text("SELECT version_num FROM alembic_version")))


async def upgrade(db: Database) -> list[str]:
    """Apply every pending migration; returns them ("0002 (Owner broadcasts …)"), oldest
    first."""
    async with db.engine.begin() as connection:
        if at_newest(await connection.run_sync(current_revisions)):
            return []
        from storage.alembic_upgrade import apply  # only now: see the docstring

        return await connection.run_sync(apply)


async def is_up_to_date(db: Database) -> bool:
    """True when the database is at the latest revision."""
    async with db.engine.connect() as connection:
        return at_newest(await connection.run_sync(current_revisions))


def sqlite_revisions(path: Path) -> set[str]:
    """The revisions a SQLite file is at, read without creating anything beside it (no -wal or
    -shm file): immutable unless a running bot has a write-ahead log open. Blocking."""
    wal = path.with_name(path.name + "-wal")
    flags = "mode=ro" if wal.exists() else "mode=ro&immutable=1"
    with closing(sqlite3.connect(f"file:{quote(str(path))}?{flags}", uri=True)) as connection:
        try:
            rows = connection.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.OperationalError:  # no such table: never migrated
            return set()
    return {row[0] for row in rows}
