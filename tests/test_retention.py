"""Tables that stop growing: deliveries of expiries older than DELIVERY_RETENTION_DAYS and
finished broadcasts are pruned in small batches by the sweep leader; nothing recent goes,
and nothing pruned is ever reminded again."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import event
from sqlmodel import col, func, select

from bot.settings import load_settings
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from storage.models import (
    Broadcast,
    BroadcastRecipient,
    BroadcastStatus,
    Delivery,
    DeliveryStatus,
    RecipientStatus,
)
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.deliveries import DeliveryRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
CUTOFF = NOW - timedelta(days=400)  # 2025-10-25
OLD, RECENT = date(2025, 6, 1), date(2025, 11, 1)


async def _deliveries(db: Database, card_id: int, expires_on: date) -> None:
    async with db.session() as session:
        for offset in (-7, -3, -1, 0):
            session.add(Delivery(
                card_id=card_id, expires_on=expires_on, offset_days=offset,
                status=DeliveryStatus.SENT.value, due_at=NOW, sent_at=NOW,
            ))


async def _expiries_left(db: Database) -> list[date]:
    async with db.session(readonly=True) as session:
        return sorted(await session.exec(select(col(Delivery.expires_on))))


async def _broadcast(
    db: Database, status: BroadcastStatus, when: datetime, recipients: int
) -> int:
    async with db.session() as session:
        for chat_id in range(1, recipients + 1):
            await ChatRepository(session).ensure(chat_id, "private", None, "en")
        broadcast = Broadcast(
            created_by=1, text="hi", status=status.value, chat_id=1, created_at=when,
            finished_at=when if status == BroadcastStatus.DONE else None,
        )
        session.add(broadcast)
        await session.flush()
        for chat_id in range(1, recipients + 1):
            session.add(BroadcastRecipient(
                broadcast_id=broadcast.id, chat_id=chat_id,  # type: ignore[arg-type]
                status=RecipientStatus.DELIVERED.value,
            ))
        assert broadcast.id is not None
        return broadcast.id


async def _broadcasts_left(db: Database) -> dict[int, int]:
    """Broadcast id -> its recipients."""
    async with db.session(readonly=True) as session:
        ids = list(await session.exec(select(Broadcast.id)))
        rows = await session.exec(
            select(BroadcastRecipient.broadcast_id, func.count())
            .group_by(col(BroadcastRecipient.broadcast_id))
        )
        counts = dict(rows.all())
    return {broadcast_id: counts.get(broadcast_id, 0) for broadcast_id in ids if broadcast_id}


async def test_old_deliveries_go_in_batches_and_recent_ones_stay(db: Database) -> None:
    settings = load_settings(_env_file=None)
    clock = ManualClock(frozen=NOW)
    card = await add_card(db, settings, clock, 7100, date(2026, 12, 20))
    assert card.id is not None
    for expires_on in (OLD, date(2025, 10, 24), RECENT, date(2026, 12, 20)):
        await _deliveries(db, card.id, expires_on)

    done = []
    for _ in range(4):
        async with db.session() as session:
            done.append(await DeliveryRepository(session).prune(CUTOFF.date(), 3))
    assert done == [3, 3, 2, 0]
    assert await _expiries_left(db) == [RECENT] * 4 + [date(2026, 12, 20)] * 4


async def test_finished_broadcasts_go_recipients_first(db: Database) -> None:
    long_ago = CUTOFF - timedelta(days=1)
    sent_long_ago = await _broadcast(db, BroadcastStatus.DONE, long_ago, 5)
    await _broadcast(db, BroadcastStatus.CANCELLED, long_ago, 0)
    await _broadcast(db, BroadcastStatus.DRAFT, long_ago, 0)
    still_sending = await _broadcast(db, BroadcastStatus.SENDING, long_ago, 3)
    sent_lately = await _broadcast(db, BroadcastStatus.DONE, CUTOFF + timedelta(days=1), 2)

    async with db.session() as session:
        assert await BroadcastRepository(session).prune(CUTOFF, 4) == 4  # recipients only
    assert (await _broadcasts_left(db))[sent_long_ago] == 1
    async with db.session() as session:
        assert await BroadcastRepository(session).prune(CUTOFF, 100) == 4  # 1 + 3 broadcasts
    async with db.session() as session:
        assert await BroadcastRepository(session).prune(CUTOFF, 100) == 0
    assert await _broadcasts_left(db) == {still_sending: 3, sent_lately: 2}


async def test_the_sweep_prunes_and_never_reminds_a_pruned_moment_again(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    clock = ManualClock(frozen=NOW)
    bot = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=0.1)
    await bot.start()
    try:
        user = api.user(7200)
        api.private_chat(user)
        # Let go long ago: its last expiry's deliveries are the old ones.
        gone = await add_card(bot.database, bot.settings, clock, 7200, OLD, lapsed=True)
        current = await add_card(bot.database, bot.settings, clock, 7200, RECENT)
        assert gone.id is not None and current.id is not None
        await _deliveries(bot.database, gone.id, OLD)
        await _deliveries(bot.database, current.id, RECENT)
        for _ in range(100):
            if await _expiries_left(bot.database) == [RECENT] * 4:
                break
            await asyncio.sleep(0.05)
        assert await _expiries_left(bot.database) == [RECENT] * 4

        # After a pass that found nothing more, the pruner rests for an hour.
        await _deliveries(bot.database, current.id, OLD)
        await asyncio.sleep(0.5)
        assert len(await _expiries_left(bot.database)) == 8
        clock.advance(hours=1, minutes=1)
        for _ in range(100):
            if len(await _expiries_left(bot.database)) == 4:
                break
            await asyncio.sleep(0.05)
        assert await _expiries_left(bot.database) == [RECENT] * 4
        await api.wait_idle(quiet=0.3)
    finally:
        await bot.stop()
    assert api.messages_to(7200) == []  # nothing pruned was sent again


async def test_the_sweep_reads_deliveries_through_an_index(sqlite_url: str) -> None:
    """The claim's read of existing deliveries must not scan the table (its cost would
    follow the rows stored, not the cards due): checked on SQLite's query plan."""
    db = Database(sqlite_url)
    await upgrade(db)
    statements: list[tuple[str, object]] = []

    def remember(_conn: object, _cursor: object, statement: str, parameters: object,
                 _context: object, _many: bool) -> None:
        if "FROM deliveries" in statement:
            statements.append((statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", remember)
    try:
        async with db.session(readonly=True) as session:
            await DeliveryRepository(session).for_moments(
                [(1, date(2026, 1, 1)), (2, date(2026, 2, 1)), (3, date(2026, 2, 1))]
            )
        event.remove(db.engine.sync_engine, "before_cursor_execute", remember)
        assert statements
        async with db.engine.connect() as connection:
            for statement, parameters in statements:
                plan = await connection.exec_driver_sql(
                    f"EXPLAIN QUERY PLAN {statement}", parameters  # type: ignore[arg-type]
                )
                steps = [str(tuple(row)[3]) for row in plan.all()]
                assert not any(step.startswith("SCAN deliveries") for step in steps), steps
    finally:
        await db.dispose()
