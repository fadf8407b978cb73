"""Chats: registration, per-chat settings, activity and migration."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, Chat, Delivery
from storage.repositories.sql import insert_ignore


class ChatRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, chat_id: int) -> Chat | None:
        return await self.session.get(Chat, chat_id)

    async def ensure(
        self, chat_id: int, chat_type: str, title: str | None, language: str | None
    ) -> tuple[Chat, bool]:
        """Return the chat, creating it on first contact (insert-or-ignore, so two updates
        racing to create it are both fine)."""
        chat = await self.session.get(Chat, chat_id)
        if chat is not None:
            return chat, False
        values = {"id": chat_id, "type": chat_type, "title": title, "language": language}
        await insert_ignore(self.session, Chat, values, ["id"])
        chat = await self.session.get(Chat, chat_id, populate_existing=True)
        assert chat is not None
        return chat, True

    async def register(
        self, chat_id: int, chat_type: str, title: str | None, language: str | None
    ) -> tuple[Chat, bool]:
        """Like ensure(), and marks a known chat active again (/start, bot re-added).

        The language is only taken on creation: afterwards the chat's choice wins.
        """
        chat, created = await self.ensure(chat_id, chat_type, title, language)
        if created:
            return chat, True
        chat.active = True
        chat.type = chat_type
        if title is not None:
            chat.title = title
        return chat, False

    async def update_settings(self, chat: Chat, **values: object) -> Chat:
        """Change some of a chat's settings (timezone, remind_at, default_lead_days, ...)."""
        for name, value in values.items():
            setattr(chat, name, value)
        self.session.add(chat)
        await self.session.flush()
        return chat

    async def set_language(self, chat_id: int, language: str) -> None:
        await self._set(chat_id, language=language, language_chosen=True)

    async def adopt_language(self, chat: Chat, language: str) -> Chat:
        """Take the language the user wrote in as the chat's choice. The row in hand is
        merged without reading it again, and saved through the ORM, so the commit names this
        chat (a bulk UPDATE would drop every chat's cache)."""
        row = await self.session.merge(chat, load=False)
        row.language, row.language_chosen = language, True
        await self.session.flush()
        return row

    async def set_active(self, chat_id: int, active: bool) -> None:
        await self._set(chat_id, active=active)

    async def _set(self, chat_id: int, **values: object) -> None:
        await self.session.exec(
            update(Chat).where(col(Chat.id) == chat_id).values(**values)
        )

    async def migrate(self, old_id: int, new_id: int) -> bool:
        """Move a group's rows to its supergroup id (the foreign keys cascade it to its cards,
        FAQ entries and broadcast recipients; the deliveries' record of where each reminder
        went is moved here).

        When the new chat already has a row (its first update arrived before the migration
        notice), that row is dropped in favour of the old one, which holds the settings.
        """
        old = await self.session.get(Chat, old_id)
        if old is None:
            return False
        new = await self.session.get(Chat, new_id)
        if new is not None:
            await self.session.delete(new)
            await self.session.flush()
        await self.session.exec(
            update(Chat)
            .where(col(Chat.id) == old_id)
            .values(id=new_id, type="supergroup")
        )
        moved_cards = select(Card.id).where(col(Card.chat_id) == new_id)
        await self.session.exec(
            update(Delivery)
            .where(col(Delivery.card_id).in_(moved_cards), col(Delivery.chat_id) == old_id)
            .values(chat_id=new_id)
        )
        return True

    async def count_by_type_and_state(self) -> Sequence[tuple[str, bool, int]]:
        rows = await self.session.exec(
            select(Chat.type, Chat.active, func.count())
            .group_by(col(Chat.type), col(Chat.active))
        )
        return [(t, a, n) for t, a, n in rows]
