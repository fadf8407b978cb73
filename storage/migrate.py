"""Apply Alembic migrations (`renewbot migrate` and start-up)."""

from __future__ import annotations

from pathlib import Path

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


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Instances starting together must not race each other through the same DDL.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current_heads(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def upgrade(db: Database) -> None:
    async with db.engine.begin() as connection:
        await connection.run_sync(_upgrade)


async def is_up_to_date(db: Database) -> bool:
    """True when the database is at the latest revision (for `renewbot check`)."""
    head = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    async with db.engine.connect() as connection:
        return await connection.run_sync(_current_heads) == head
