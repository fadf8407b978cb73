"""The reminder engine's queries: due cards through the next_remind_at index, and the
Delivery rows that make each reminder moment happen at most once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import func, tuple_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, Chat, Delivery, DeliveryStatus

# Offsets whose moment needs nothing more: sent, superseded by a later one, or given up on.
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due_cards(
        self, now: datetime, limit: int, *, skip_locked: bool = False
    ) -> Sequence[tuple[Card, Chat]]:
        """Cards whose next_remind_at has come, earliest first, with their chats.

        Reads only the index range next_remind_at <= now, so the cost follows the number
        due, not the number stored. On PostgreSQL the rows are locked and rows another
        transaction holds are skipped.
        """
        query = (
            select(Card, Chat)
            .join(Chat, col(Chat.id) == col(Card.chat_id))
            .where(col(Card.next_remind_at) <= now)
            .order_by(col(Card.next_remind_at))
            .limit(limit)
        )
        if skip_locked:
            query = query.with_for_update(skip_locked=True, of=Card)
        return [(card, chat) for card, chat in await self.session.exec(query)]

    async def for_moments(
        self, keys: Iterable[tuple[int, date]]
    ) -> dict[tuple[int, date], dict[int, Delivery]]:
        """Existing deliveries by (card id, expiry), then by offset."""
        wanted = list(set(keys))
        found: dict[tuple[int, date], dict[int, Delivery]] = {key: {} for key in wanted}
        # Bounded IN lists: a sweep batch is at most a few hundred cards.
        for start in range(0, len(wanted), 200):
            chunk = wanted[start : start + 200]
            rows = await self.session.exec(
                select(Delivery).where(
                    tuple_(col(Delivery.card_id), col(Delivery.expires_on)).in_(chunk)
                )
            )
            for row in rows:
                found[(row.card_id, row.expires_on)][row.offset_days] = row
        return found

    async def delivered_offsets(self, card_id: int, expires_on: date) -> set[int]:
        rows = await self.session.exec(
            select(Delivery.offset_days).where(
                Delivery.card_id == card_id,
                Delivery.expires_on == expires_on,
                col(Delivery.status).in_(FINAL_STATUSES),
            )
        )
        return set(rows)

    async def get(self, delivery_id: int) -> Delivery | None:
        return await self.session.get(Delivery, delivery_id)

    def add(self, delivery: Delivery) -> None:
        self.session.add(delivery)

    async def pause_chat(self, chat_id: int) -> None:
        """No reminders for a chat that blocked or removed the bot, until it comes back."""
        await self.session.exec(
            update(Card)  # type: ignore[call-overload]
            .where(col(Card.chat_id) == chat_id)
            .values(next_remind_at=None)
        )

    async def count_since(self, since: datetime) -> dict[str, int]:
        """Deliveries by status since a moment (for /botstats)."""
        rows = await self.session.exec(
            select(Delivery.status, func.count())
            .where(col(Delivery.due_at) >= since)
            .group_by(Delivery.status)
        )
        return {status: count for status, count in rows}
