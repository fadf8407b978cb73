"""Cards and their renewal history. Every accessor is scoped by the owning chat id, so a
card id from another chat is simply "not found"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, Chat, Renewal


class CardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, chat_id: int) -> int:
        result = await self.session.exec(
            select(func.count()).select_from(Card).where(Card.chat_id == chat_id)
        )
        return int(result.one())

    async def count_all(self) -> int:
        """Every chat's cards together (for /botstats)."""
        result = await self.session.exec(select(func.count()).select_from(Card))
        return int(result.one())

    async def add(self, card: Card) -> Card:
        """Store a new card with its chat's next number. The chat row's counter is bumped in
        this transaction, so concurrent adds to one chat queue on that row (PostgreSQL's row
        lock, SQLite's single writer) and never share or reuse a number."""
        if card.number is None:
            # On the connection, not as an ORM bulk update: the card's insert already tells
            # the change listeners which chat changed (a bulk update would say "any").
            chats = Chat.__table__  # type: ignore[attr-defined]
            connection = await self.session.connection()
            bumped = await connection.execute(
                update(chats)
                .where(chats.c.id == card.chat_id)
                .values(last_card_number=chats.c.last_card_number + 1)
                .returning(chats.c.last_card_number)
            )
            card.number = bumped.scalar_one()
        self.session.add(card)
        await self.session.flush()
        return card

    async def numbered(self, chat_id: int, number: int) -> Card | None:
        """The chat's card with this number (what users see and type)."""
        rows = await self.session.exec(
            select(Card).where(Card.chat_id == chat_id, Card.number == number)
        )
        return rows.first()

    async def get(self, chat_id: int, card_id: int) -> Card | None:
        card = await self.session.get(Card, card_id)
        return card if card is not None and card.chat_id == chat_id else None

    async def in_chat(
        self, chat_id: int, offset: int = 0, limit: int | None = None
    ) -> list[Card]:
        query = (
            select(Card)
            .where(Card.chat_id == chat_id)
            .order_by(col(Card.expires_on), col(Card.id))
            .offset(offset)
        )
        if limit is not None:
            query = query.limit(limit)
        return list(await self.session.exec(query))

    async def numbers_and_carriers(self, chat_id: int) -> list[tuple[int, str | None]]:
        """(number, carrier) of each of the chat's cards, for answering its questions."""
        rows = await self.session.exec(
            select(Card.number, Card.carrier).where(Card.chat_id == chat_id)
        )
        return [(number, carrier) for number, carrier in rows if number is not None]

    async def update(self, card: Card, **values: Any) -> Card:
        for name, value in values.items():
            setattr(card, name, value)
        self.session.add(card)
        await self.session.flush()
        return card

    async def delete(self, chat_id: int, card_id: int) -> bool:
        card = await self.get(chat_id, card_id)
        if card is None:
            return False
        await self.session.delete(card)
        return True

    async def delete_all(self, chat_id: int) -> int:
        result = await self.session.exec(
            delete(Card).where(col(Card.chat_id) == chat_id)
        )
        return int(result.rowcount or 0)

    async def record_renewal(
        self,
        card: Card,
        new_expires_on: date,
        *,
        renewed_at: datetime,
        renewed_by: int | None,
        amount: int | None = None,
        currency: str | None = None,
        channel: str | None = None,
        note: str | None = None,
        receipt_file_id: str | None = None,
    ) -> Renewal:
        """Move the card to its new expiry and keep the renewal in its history."""
        renewal = Renewal(
            card_id=card.id,  # type: ignore[arg-type]
            renewed_at=renewed_at,
            renewed_by=renewed_by,
            old_expires_on=card.expires_on,
            new_expires_on=new_expires_on,
            amount=amount,
            currency=currency,
            channel=channel,
            note=note,
            receipt_file_id=receipt_file_id,
        )
        self.session.add(renewal)
        card.expires_on = new_expires_on
        self.session.add(card)
        await self.session.flush()
        return renewal

    async def get_renewal(self, chat_id: int, renewal_id: int) -> Renewal | None:
        """A renewal, only if its card belongs to the chat."""
        rows = await self.session.exec(
            select(Renewal)
            .join(Card, col(Card.id) == col(Renewal.card_id))
            .where(Renewal.id == renewal_id, Card.chat_id == chat_id)
        )
        return rows.first()

    async def update_renewal(self, chat_id: int, renewal_id: int, **values: Any) -> Renewal | None:
        """Fill in a renewal's details (amount, channel, note, receipt) after it was recorded."""
        renewal = await self.get_renewal(chat_id, renewal_id)
        if renewal is None:
            return None
        for name, value in values.items():
            setattr(renewal, name, value)
        self.session.add(renewal)
        await self.session.flush()
        return renewal

    async def history(self, chat_id: int, card_id: int) -> Sequence[Renewal]:
        card = await self.get(chat_id, card_id)
        if card is None:
            return []
        rows = await self.session.exec(
            select(Renewal)
            .where(Renewal.card_id == card_id)
            .order_by(col(Renewal.renewed_at).desc(), col(Renewal.id).desc())
        )
        return list(rows)
