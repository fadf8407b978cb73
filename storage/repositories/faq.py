"""A group's own FAQ answers, matched before the built-in knowledge base in that group."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import FaqEntry

MAX_FAQ_PER_CHAT = 100


class FaqRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, chat_id: int) -> list[FaqEntry]:
        rows = await self.session.exec(
            select(FaqEntry).where(FaqEntry.chat_id == chat_id).order_by(col(FaqEntry.id))
        )
        return list(rows)

    async def add(self, chat_id: int, question: str, answer: str, created_by: int) -> FaqEntry:
        entry = FaqEntry(chat_id=chat_id, question=question, answer=answer, created_by=created_by)
        self.session.add(entry)
        await self.session.flush()
        return entry

    async def delete(self, chat_id: int, entry_id: int) -> bool:
        entry = await self.session.get(FaqEntry, entry_id)
        if entry is None or entry.chat_id != chat_id:
            return False
        await self.session.delete(entry)
        return True
