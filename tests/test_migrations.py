"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from storage.alembic_upgrade import apply, head_revisions
from storage.db import Database
from storage.migrate import is_up_to_date, newest_revision, upgrade


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, SQLModel.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrations_match_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []
        tables = await connection.run_sync(_tables)
    assert {"chats", "cards", "renewals", "deliveries", "faq_entries"} <= tables
    assert await is_up_to_date(db)


async def test_upgrade_is_idempotent(db: Database) -> None:
    await upgrade(db)  # a second start-up must not fail or change anything
    async with db.engine.connect() as connection:
        assert await connection.run_sync(_diff) == []


async def test_fresh_database_is_not_up_to_date(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        assert not await is_up_to_date(database)
        await upgrade(database)
        assert await is_up_to_date(database)
    finally:
        await database.dispose()


def test_the_newest_file_is_the_head_alembic_reads() -> None:
    # Start-up compares the database with newest_revision() instead of asking Alembic.
    assert head_revisions() == {newest_revision()}


async def test_a_database_behind_is_upgraded_from_where_it_is(sqlite_url: str) -> None:
    database = Database(sqlite_url)
    try:
        async with database.engine.begin() as connection:
            applied = await connection.run_sync(apply, "0005")
        assert [name.split()[0] for name in applied] == ["0001", "0002", "0003", "0004", "0005"]
        assert not await is_up_to_date(database)
        assert [name.split()[0] for name in await upgrade(database)] == ["0006"]
        assert await is_up_to_date(database)
        assert await upgrade(database) == []
    finally:
        await database.dispose()
