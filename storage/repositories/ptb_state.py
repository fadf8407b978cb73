"""Rows behind the PTB persistence: conversation states and user/chat data as JSON."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import PersistedConversation, PersistedData

ConversationKey = tuple[int | str, ...]


def encode(data: dict[str, Any]) -> str:
    """The stored form of a user/chat data document (sorted, so equal data encodes equal)."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class PtbStateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load_data(self, kind: str) -> dict[int, dict[str, Any]]:
        rows = await self.session.exec(select(PersistedData).where(PersistedData.kind == kind))
        return {row.owner_id: json.loads(row.data) for row in rows}

    async def save_data(self, kind: str, owner_id: int, encoded: str | None) -> None:
        """Store one owner's document (see encode); None (no data left) deletes the row."""
        row = await self.session.get(PersistedData, (kind, owner_id))
        if encoded is None:
            if row is not None:
                await self.session.delete(row)
            return
        if row is None:
            self.session.add(PersistedData(kind=kind, owner_id=owner_id, data=encoded))
        else:
            row.data = encoded

    async def drop_data(self, kind: str, owner_id: int) -> None:
        await self.session.exec(
            delete(PersistedData).where(
                col(PersistedData.kind) == kind, col(PersistedData.owner_id) == owner_id
            )
        )

    async def load_conversations(self, name: str) -> dict[ConversationKey, object]:
        rows = await self.session.exec(
            select(PersistedConversation).where(PersistedConversation.name == name)
        )
        return {tuple(json.loads(row.key)): json.loads(row.state) for row in rows}

    async def conversation_moves(self, name: str) -> dict[ConversationKey, datetime | None]:
        """When each stored conversation last changed state (None: not recorded)."""
        rows = await self.session.exec(
            select(PersistedConversation.key, PersistedConversation.moved_at)
            .where(PersistedConversation.name == name)
        )
        return {tuple(json.loads(key)): moved_at for key, moved_at in rows}

    async def save_conversation(
        self, name: str, key: ConversationKey, state: object | None,
        moved_at: datetime | None = None,
    ) -> None:
        """Store a conversation's state and when it changed; None (ended) deletes it."""
        encoded_key = json.dumps(list(key))
        row = await self.session.get(PersistedConversation, (name, encoded_key))
        if state is None:
            if row is not None:
                await self.session.delete(row)
            return
        encoded = json.dumps(state)
        if row is None:
            self.session.add(PersistedConversation(name=name, key=encoded_key, state=encoded,
                                                   moved_at=moved_at))
        else:
            row.state, row.moved_at = encoded, moved_at
