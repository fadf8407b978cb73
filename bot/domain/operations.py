"""The owner's view of the whole bot: usage figures and broadcasts being prepared."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.unit import unit_of_work
from storage.db import Database
from storage.models import Broadcast
from storage.repositories.broadcasts import BroadcastRepository


@dataclass(frozen=True)
class BotFigures:
    chats: Sequence[tuple[str, bool, int]]  # (chat type, active, count)
    cards: int
    reminders: dict[str, int]  # delivery status -> count


class Operations:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def figures(self, since: datetime) -> BotFigures:
        """Chats by type and state, every card, and the reminders due since `since`."""
        async with unit_of_work(self.db, readonly=True) as unit:
            return BotFigures(
                chats=await unit.chats.count_by_type_and_state(),
                cards=await unit.cards.count_all(),
                reminders=await unit.deliveries.count_since(since),
            )

    async def draft_broadcast(
        self, created_by: int, text: str, chat_id: int
    ) -> tuple[Broadcast, int]:
        """A broadcast awaiting the owner's confirmation, and how many chats it would reach."""
        async with unit_of_work(self.db) as unit:
            repo = BroadcastRepository(unit.session)
            audience = await repo.audience_size()
            return await repo.create(created_by, text, chat_id), audience

    async def start_broadcast(self, broadcast_id: int, message_id: int) -> int | None:
        """The number of recipients, or None when it was sent or cancelled already."""
        async with unit_of_work(self.db) as unit:
            return await BroadcastRepository(unit.session).start(broadcast_id, message_id)

    async def cancel_broadcast(self, broadcast_id: int) -> bool:
        async with unit_of_work(self.db) as unit:
            return await BroadcastRepository(unit.session).cancel(broadcast_id)
