"""Cards straight through the repositories, for tests of the reminder engine (which does
not need the conversations)."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from bot.reminders.schedule import refresh_card
from bot.settings import Settings
from storage.db import Database
from storage.models import Card, Delivery
from storage.repositories.cards import CardRepository
from storage.repositories.chats import ChatRepository
from tests.harness import ManualClock


async def add_card(
    db: Database,
    settings: Settings,
    clock: ManualClock,
    chat_id: int,
    expires_on: date,
    *,
    chat_type: str = "private",
    language: str = "en",
    **fields: object,
) -> Card:
    async with db.session() as session:
        chat, _ = await ChatRepository(session).ensure(chat_id, chat_type, None, language)
        values: dict[str, object] = {
            "label": "Work SIM", "carrier": "china_mobile", "created_by": abs(chat_id),
        }
        card = await CardRepository(session).add(
            Card(chat_id=chat_id, expires_on=expires_on, **(values | fields))
        )
        await refresh_card(session, card, chat, settings, clock())
        return card


async def get_card(db: Database, card_id: int) -> Card:
    async with db.session(readonly=True) as session:
        card = await session.get(Card, card_id)
        assert card is not None
        return card


async def deliveries(db: Database, card_id: int) -> dict[int, str]:
    """offset -> status of a card's deliveries."""
    async with db.session(readonly=True) as session:
        rows = await session.exec(select(Delivery).where(Delivery.card_id == card_id))
        return {row.offset_days: row.status for row in rows}
