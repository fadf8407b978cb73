"""A group's own FAQ answers: at most MAX_FAQ_PER_CHAT, one per question."""

from __future__ import annotations

import re

from bot.domain.errors import DomainError
from bot.domain.unit import unit_of_work
from storage.db import Database
from storage.models import FaqEntry
from storage.repositories.faq import MAX_FAQ_PER_CHAT

_SPACES = re.compile(r"\s+")


def _same(question: str) -> str:
    return _SPACES.sub(" ", question).strip().casefold()


class FaqService:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def list(self, chat_id: int) -> list[FaqEntry]:
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.faq.list(chat_id)

    async def add(self, chat_id: int, question: str, answer: str, created_by: int) -> FaqEntry:
        """DomainError "faq_exists" (params: id) when the question is already answered,
        "faq_limit" (params: count) when the group has as many answers as it may keep."""
        async with unit_of_work(self.db) as unit:
            entries = await unit.faq.list(chat_id)
            same = next((e for e in entries if _same(e.question) == _same(question)), None)
            if same is not None and same.id is not None:
                raise DomainError("faq_exists", {"id": same.id})
            if len(entries) >= MAX_FAQ_PER_CHAT:
                raise DomainError("faq_limit", {"count": len(entries)})
            return await unit.faq.add(chat_id, question, answer, created_by)

    async def delete(self, chat_id: int, entry_id: int) -> bool:
        async with unit_of_work(self.db) as unit:
            return await unit.faq.delete(chat_id, entry_id)
