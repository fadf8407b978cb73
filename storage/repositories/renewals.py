"""A chat's renewals across all its cards, for exports and spending statistics."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Card, Renewal


class RenewalRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_chat(
        self, chat_id: int, since: datetime | None = None
    ) -> list[tuple[Renewal, Card]]:
        """The chat's renewals (renewed at or after `since`), oldest first, with their cards."""
        query = (
            select(Renewal, Card)
            .join(Card, col(Card.id) == col(Renewal.card_id))
            .where(Card.chat_id == chat_id)
            .order_by(col(Renewal.renewed_at), col(Renewal.id))
        )
        if since is not None:
            query = query.where(col(Renewal.renewed_at) >= since)
        return list(await self.session.exec(query))
