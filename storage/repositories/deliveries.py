"""The reminder engine's queries: due cards through the next_remind_at index, and the
Delivery rows that make each reminder moment happen at most once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, update
from sqlalchemy.orm import Mapped
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, Chat, Delivery, DeliveryStatus

# Offsets whose moment needs nothing more: sent, superseded by a later one, or given up on.
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def due_cards(
        self,
        now: datetime,
        limit: int,
        *,
        until: datetime | None = None,
        skip_locked: bool = False,
    ) -> list[tuple[Card, Chat]]:
        """Cards whose next_remind_at has come, with their chats: the nearest expiry first
        (overdue, then expiring today, then tomorrow, ...), so that in a burst the urgent
        reminders are not the late ones. With `until` (a burst that starts early), the
        cards falling due by then follow, in the order they fall due.

        Reads only index ranges of next_remind_at, so the cost follows the number due, not
        the number stored. On PostgreSQL the rows are locked and rows another transaction
        holds are skipped.
        """
        due = col(Card.next_remind_at)
        rows = await self._due(
            due <= now, (col(Card.expires_on), due), limit, skip_locked=skip_locked
        )
        if until is not None and until > now and len(rows) < limit:
            rows += await self._due(
                and_(due > now, due <= until), (due, col(Card.expires_on)),
                limit - len(rows), skip_locked=skip_locked,
            )
        return rows

    async def _due(
        self,
        condition: ColumnElement[bool],
        order: tuple[ColumnElement[Any] | Mapped[Any], ...],
        limit: int,
        *,
        skip_locked: bool,
    ) -> list[tuple[Card, Chat]]:
        # The ids first: ordered on the (next_remind_at, expires_on) index alone, without
        # reading the rows of every due card.
        ids = select(Card.id).where(condition).order_by(*order, col(Card.id)).limit(limit)
        if skip_locked:
            ids = ids.with_for_update(skip_locked=True)
        query = (
            select(Card, Chat)
            .join(Chat, col(Chat.id) == col(Card.chat_id))
            .where(col(Card.id).in_(ids))
            .order_by(*order, col(Card.id))
        )
        return [(card, chat) for card, chat in await self.session.exec(query)]

    async def due_counts(self, until: datetime) -> list[tuple[datetime, int]]:
        """How many cards fall due at each moment up to `until` (including those already
        due), in time order: what an early start of a burst is planned from."""
        due = col(Card.next_remind_at)
        rows = await self.session.exec(
            select(due, func.count()).where(due <= until).group_by(due).order_by(due)
        )
        return [(moment, count) for moment, count in rows if moment is not None]

    async def for_moments(
        self, keys: Iterable[tuple[int, date]]
    ) -> dict[tuple[int, date], dict[int, Delivery]]:
        """Existing deliveries by (card id, expiry), then by offset."""
        wanted = list(set(keys))
        found: dict[tuple[int, date], dict[int, Delivery]] = {key: {} for key in wanted}
        # Bounded IN lists: a sweep batch is at most a few hundred cards. Card ids and
        # expiries as two lists, not as pairs: SQLite reads pairs by scanning the table,
        # and the lists go through the unique index; other expiries are left out here.
        for start in range(0, len(wanted), 200):
            chunk = wanted[start : start + 200]
            rows = await self.session.exec(
                select(Delivery).where(
                    col(Delivery.card_id).in_({card_id for card_id, _ in chunk}),
                    col(Delivery.expires_on).in_({expires_on for _, expires_on in chunk}),
                )
            )
            for row in rows:
                moment = found.get((row.card_id, row.expires_on))
                if moment is not None:
                    moment[row.offset_days] = row
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

    async def get_many(self, delivery_ids: Iterable[int]) -> dict[int, Delivery]:
        rows = await self.session.exec(
            select(Delivery).where(col(Delivery.id).in_(set(delivery_ids)))
        )
        return {row.id: row for row in rows if row.id is not None}

    async def cards_with_chats(self, card_ids: Iterable[int]) -> dict[int, tuple[Card, Chat]]:
        """Cards by id with their chats, whichever chats they belong to (for the engine)."""
        rows = await self.session.exec(
            select(Card, Chat)
            .join(Chat, col(Chat.id) == col(Card.chat_id))
            .where(col(Card.id).in_(set(card_ids)))
        )
        return {card.id: (card, chat) for card, chat in rows if card.id is not None}

    def add(self, delivery: Delivery) -> None:
        self.session.add(delivery)

    async def pause_chat(self, chat_id: int) -> None:
        """No reminders for a chat that blocked or removed the bot, until it comes back."""
        await self.session.exec(
            update(Card)
            .where(col(Card.chat_id) == chat_id)
            .values(next_remind_at=None)
        )

    async def prune(self, expired_before: date, limit: int) -> int:
        """Delete up to `limit` deliveries of expiries before `expired_before`; returns how
        many. Through the connection, not the ORM: no chat's cached data changes."""
        old = select(Delivery.id).where(col(Delivery.expires_on) < expired_before).limit(limit)
        connection = await self.session.connection()
        result = await connection.execute(delete(Delivery).where(col(Delivery.id).in_(old)))
        return int(result.rowcount or 0)

    async def count_since(self, since: datetime) -> dict[str, int]:
        """Deliveries by status since a moment (for /botstats)."""
        rows = await self.session.exec(
            select(Delivery.status, func.count())
            .where(col(Delivery.due_at) >= since)
            .group_by(Delivery.status)
        )
        return {status: count for status, count in rows}
