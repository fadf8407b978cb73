"""The card storage the conversations rely on, on SQLite and PostgreSQL: renewals are only
reachable through their card's chat, and deleting cards takes their renewals and deliveries."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select

from storage.db import Database
from storage.models import Card, Delivery, DeliveryStatus, Renewal
from storage.repositories.cards import CardRepository
from storage.repositories.chats import ChatRepository

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)


async def _card_with_history(db: Database, chat_id: int) -> tuple[int, int]:
    """A card in its own chat with one renewal and one delivery; (card id, renewal id)."""
    async with db.session() as session:
        await ChatRepository(session).ensure(chat_id, "private", None, "en")
        repo = CardRepository(session)
        card = await repo.add(Card(chat_id=chat_id, created_by=chat_id, label="SIM",
                                   expires_on=date(2026, 3, 31)))
        renewal = await repo.record_renewal(card, date(2026, 4, 30), renewed_at=NOW,
                                            renewed_by=chat_id)
        assert card.id is not None
        session.add(Delivery(card_id=card.id, expires_on=date(2026, 4, 30), offset_days=-7,
                             status=DeliveryStatus.SENT, due_at=NOW))
        assert card.id is not None and renewal.id is not None
        return card.id, renewal.id


async def test_renewals_are_scoped_by_their_cards_chat(db: Database) -> None:
    _card_id, renewal_id = await _card_with_history(db, 501)
    async with db.session() as session:
        repo = CardRepository(session)
        assert await repo.get_renewal(502, renewal_id) is None
        assert await repo.update_renewal(502, renewal_id, note="not mine") is None
        updated = await repo.update_renewal(501, renewal_id, amount=3000, currency="CNY",
                                            channel="alipay", receipt_file_id="AgAD")
        assert updated is not None and updated.amount == 3000
    async with db.session(readonly=True) as session:
        renewal = await CardRepository(session).get_renewal(501, renewal_id)
    assert renewal is not None
    assert (renewal.note, renewal.channel, renewal.receipt_file_id) == (None, "alipay", "AgAD")


async def test_deleting_cards_takes_their_renewals_and_deliveries(db: Database) -> None:
    first, _ = await _card_with_history(db, 601)
    await _card_with_history(db, 601)
    other, _ = await _card_with_history(db, 602)
    async with db.session() as session:
        assert not await CardRepository(session).delete(602, first)  # not that chat's card
        assert await CardRepository(session).delete(601, first)
    async with db.session(readonly=True) as session:
        assert len(list(await session.exec(select(Renewal)))) == 2
    async with db.session() as session:
        assert await CardRepository(session).delete_all(601) == 1
    async with db.session(readonly=True) as session:
        assert [r.card_id for r in await session.exec(select(Renewal))] == [other]
        assert [d.card_id for d in await session.exec(select(Delivery))] == [other]
