"""A unit of work: one transaction and the repositories that read and write in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import Database
from storage.repositories.cards import CardRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.deliveries import DeliveryRepository
from storage.repositories.faq import FaqRepository
from storage.repositories.renewals import RenewalRepository


@dataclass(frozen=True)
class Unit:
    session: AsyncSession

    @property
    def cards(self) -> CardRepository:
        return CardRepository(self.session)

    @property
    def chats(self) -> ChatRepository:
        return ChatRepository(self.session)

    @property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.session)

    @property
    def renewals(self) -> RenewalRepository:
        return RenewalRepository(self.session)

    @property
    def faq(self) -> FaqRepository:
        return FaqRepository(self.session)


@asynccontextmanager
async def unit_of_work(db: Database, *, readonly: bool = False) -> AsyncIterator[Unit]:
    """Commits when the block ends normally, rolls everything back when it raises."""
    async with db.session(readonly=readonly) as session:
        yield Unit(session)
