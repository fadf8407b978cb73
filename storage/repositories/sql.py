"""Small SQL helpers shared by the repositories."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


async def insert_ignore(
    session: AsyncSession, model: type[SQLModel], values: dict[str, Any], key: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on the key, for rows two updates may race to create."""
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(model).values(**values).on_conflict_do_nothing(index_elements=key)
    await session.exec(statement)
