"""Apply Alembic migrations (`renewbot migrate` and start-up)."""

from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from urllib.parse import quote

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.db import Database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# Any constant works; it only has to be the same for every instance of the bot.
_MIGRATION_LOCK_KEY = 0x52454E57


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(alembic_config())


def _upgrade(connection: Connection) -> list[str]:
    if connection.dialect.name == "postgresql":
        # Instances starting together must not race each other through the same DDL.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    before = _current_heads(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    # What this upgrade applied, oldest first: the revisions above what was there before.
    lower = next(iter(before)) if len(before) == 1 else None
    applied = list(_scripts().iterate_revisions("heads", lower or "base"))
    return [f"{rev.revision} ({re.split(r'[:,.]', rev.doc or '')[0].strip()})"
            for rev in reversed(applied) if rev.revision not in before]


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def upgrade(db: Database) -> list[str]:
    """Apply every pending migration; returns them ("0002 (Owner broadcasts …)"), oldest
    first."""
    async with db.engine.begin() as connection:
        return await connection.run_sync(_upgrade)


def head_revisions() -> set[str]:
    return set(_scripts().get_heads())


async def is_up_to_date(db: Database) -> bool:
    """True when the database is at the latest revision."""
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current_heads) == head_revisions()


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
