"""python-telegram-bot persistence on the bot's own SQL database (storage.PtbStateRepository).

Conversation states and user/chat data are stored as JSON, so handlers keep them
JSON-friendly (strings, numbers, lists, dicts). bot_data holds runtime services and is not
persisted; arbitrary callback data is not used.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.db import Database
from storage.repositories.ptb_state import ConversationKey, PtbStateRepository, encode

__all__ = ["ConversationKey", "SQLPersistence"]

_USER = "user"
_CHAT = "chat"


class SQLPersistence(BasePersistence[dict[str, Any], dict[str, Any], Any]):
    def __init__(self, db: Database, update_interval: float = 5.0) -> None:
        super().__init__(
            store_data=PersistenceInput(bot_data=False, callback_data=False),
            update_interval=update_interval,
        )
        self.db = db
        # When each conversation last moved, noted as it happens (the state reaches the
        # database up to update_interval later): (name, key) -> time.
        self._moves: dict[tuple[str, ConversationKey], datetime] = {}
        # What the database holds, as JSON, per (kind, owner). PTB asks to store every
        # user and chat an update touched; most are unchanged, and skipping those keeps
        # a busy bot from writing for every update (benchmarks/updates.py).
        self._stored: dict[tuple[str, int], str] = {}

    async def _load(self, kind: str) -> dict[int, dict[str, Any]]:
        async with self.db.session(readonly=True) as session:
            loaded = await PtbStateRepository(session).load_data(kind)
        for owner_id, data in loaded.items():
            self._stored[(kind, owner_id)] = encode(data)
        return loaded

    async def _save(self, kind: str, owner_id: int, data: dict[str, Any]) -> None:
        key = (kind, owner_id)
        encoded = encode(data) if data else None
        if self._stored.get(key) == encoded:
            return
        async with self.db.session() as session:
            await PtbStateRepository(session).save_data(kind, owner_id, encoded)
        if encoded is None:
            self._stored.pop(key, None)
        else:
            self._stored[key] = encoded

    async def _drop(self, kind: str, owner_id: int) -> None:
        async with self.db.session() as session:
            await PtbStateRepository(session).drop_data(kind, owner_id)
        self._stored.pop((kind, owner_id), None)

    async def get_user_data(self) -> dict[int, dict[str, Any]]:
        return await self._load(_USER)

    async def get_chat_data(self) -> dict[int, dict[str, Any]]:
        return await self._load(_CHAT)

    async def get_bot_data(self) -> Any:
        raise NotImplementedError("bot_data is not persisted")

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict[ConversationKey, object]:
        async with self.db.session() as session:
            return await PtbStateRepository(session).load_conversations(name)

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        async with self.db.session() as session:
            await PtbStateRepository(session).save_conversation(
                name, key, new_state, self._moves.pop((name, key), None)
            )

    def moved(self, name: str, key: ConversationKey, when: datetime) -> None:
        """A conversation handled an update at `when`: its timeout counts from then."""
        self._moves[(name, key)] = when

    async def conversation_moves(self, name: str) -> dict[ConversationKey, datetime | None]:
        """When each stored conversation of `name` last moved (PTB keeps no timeouts)."""
        async with self.db.session(readonly=True) as session:
            return await PtbStateRepository(session).conversation_moves(name)

    async def update_user_data(self, user_id: int, data: dict[str, Any]) -> None:
        await self._save(_USER, user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict[str, Any]) -> None:
        await self._save(_CHAT, chat_id, data)

    async def drop_user_data(self, user_id: int) -> None:
        await self._drop(_USER, user_id)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._drop(_CHAT, chat_id)

    # Nothing to do for the parts below: bot_data and callback_data are not persisted, and
    # this process is the only writer of user/chat data it has loaded.
    async def update_bot_data(self, data: Any) -> None:
        return None

    async def update_callback_data(self, data: Any) -> None:
        return None

    async def refresh_user_data(self, user_id: int, user_data: dict[str, Any]) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[str, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: Any) -> None:
        return None

    async def flush(self) -> None:
        return None
