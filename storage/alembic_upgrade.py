"""Alembic's side of the migrations: applying them, and its own reading of the scripts.

Imported only when a database is behind (storage/migrate.py): Alembic brings Mako, about a
fifth of a second of start-up that a restart does not need.
"""

from __future__ import annotations

import re

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from storage.migrate import MIGRATIONS_DIR, current_revisions

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


def head_revisions() -> set[str]:
    return set(_scripts().get_heads())


def apply(connection: Connection, target: str = "head") -> list[str]:
    """Apply the pending migrations up to `target` (a revision) on `connection`; returns them
    ("0002 (Owner broadcasts …)"), oldest first."""
    if connection.dialect.name == "postgresql":
        # Instances starting together must not race each other through the same DDL.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    before = current_revisions(connection)
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, target)
    # What this upgrade applied, oldest first: the revisions above what was there before.
    lower = next(iter(before)) if len(before) == 1 else None
    applied = list(_scripts().iterate_revisions(target, lower or "base"))
    return [f"{rev.revision} ({re.split(r'[:,.]', rev.doc or '')[0].strip()})"
            for rev in reversed(applied) if rev.revision not in before]
