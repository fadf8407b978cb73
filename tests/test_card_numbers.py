"""Each chat numbers its cards 1, 2, 3…, on SQLite and PostgreSQL: numbers are unique per chat,
given in the domain's create even when many cards are added at once, never reused after a
deletion, migration 0004 numbers the cards that existed before it in creation order, and the
commands name cards by these numbers (never by the database id)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.domain.cards import CardService
from bot.settings import load_settings
from fakebotapi import FakeBotAPI
from storage.alembic_upgrade import apply
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Card, Chat
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
COLUMNS: dict[str, Any] = {"label": "SIM", "expires_on": date(2027, 1, 1)}


async def _chat(db: Database, chat_id: int) -> Chat:
    async with db.session() as session:
        chat, _created = await ChatRepository(session).ensure(chat_id, "private", None, "en")
        return chat


async def test_numbers_are_per_chat_concurrent_and_never_reused(db: Database) -> None:
    cards = CardService(db, load_settings(_env_file=None), lambda: NOW)
    one, other = await _chat(db, 501), await _chat(db, 502)

    async def create(chat: Chat) -> Card:
        return await cards.create(chat, created_by=1, thread_id=None, columns=COLUMNS)

    made = await asyncio.gather(*(create(one) for _ in range(12)), create(other))
    assert sorted(c.number or 0 for c in made if c.chat_id == 501) == list(range(1, 13))
    assert [c.number for c in made if c.chat_id == 502] == [1]

    third = next(c for c in made if c.number == 3 and c.chat_id == 501)
    assert third.id is not None
    await cards.delete(501, third.id)
    assert (await create(one)).number == 13  # 3 stays free: an old "/card 3" finds nothing
    with pytest.raises(IntegrityError):  # the database itself refuses a second #1
        async with db.session() as session:
            session.add(Card(chat_id=502, number=1, created_by=1, **COLUMNS))


async def test_migration_numbers_existing_cards_in_creation_order(database_url: str) -> None:
    db = Database(database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.run_sync(apply, "0003")
            for chat_id in (601, 602):
                await connection.execute(text(
                    "INSERT INTO chats (id, type, reminders_enabled, active, created_at,"
                    " updated_at) VALUES (:id, 'private', true, true, :at, :at)"
                ), {"id": chat_id, "at": NOW})
            # Inserted (so numbered by id) in another order than created; two share a moment.
            for label, chat_id, minutes in (("a", 601, 30), ("b", 602, 5), ("c", 601, 10),
                                            ("d", 601, 10), ("e", 602, 1)):
                await connection.execute(text(
                    "INSERT INTO cards (chat_id, created_by, label, kind, expires_on, cycle,"
                    " renew_from, lapsed, created_at, updated_at) VALUES (:chat, 1, :label,"
                    " 'sim', '2027-01-01', 'none', 'expiry', false, :at, :at)"
                ), {"label": label, "chat": chat_id, "at": NOW + timedelta(minutes=minutes)})
        await upgrade(db)
        async with db.engine.connect() as connection:
            numbers: dict[str, int] = dict((await connection.execute(
                text("SELECT label, number FROM cards")
            )).all())
            counters: dict[int, int] = dict((await connection.execute(
                text("SELECT id, last_card_number FROM chats")
            )).all())
        assert numbers == {"c": 1, "d": 2, "a": 3, "e": 1, "b": 2}
        assert counters == {601: 3, 602: 2}
        cards = CardService(db, load_settings(_env_file=None), lambda: NOW)
        chat = await _chat(db, 601)
        added = await cards.create(chat, created_by=1, thread_id=None, columns=COLUMNS)
        assert added.number == 4
    finally:
        await db.dispose()


async def test_commands_name_cards_by_their_number_in_the_chat(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    ann, bea = api.user(701, "Ann"), api.user(702, "Bea")
    await add_card(bot.database, bot.settings, bot.clock, ann.id, date(2027, 1, 1),
                   label="Ann's SIM")
    first = await add_card(bot.database, bot.settings, bot.clock, bea.id, date(2027, 1, 2),
                           label="Bea's SIM")
    second = await add_card(bot.database, bot.settings, bot.clock, bea.id, date(2027, 1, 3),
                            label="Bea's eSIM")
    assert (first.number, second.number) == (1, 2) and second.id == 3

    view = await bot.say(bea, "/card 1")
    assert view.plain_text.startswith("Bea's SIM · China Mobile  #1\n")
    listing = await bot.say(bea, "/cards")
    shown = listing.plain_text
    assert "#1 Bea's SIM" in shown and "#2 Bea's eSIM" in shown
    assert "not found" in (await bot.say(bea, "/card 3")).plain_text  # id 3 is no number here
    renewing = await bot.say(bea, "/renewed 2")
    assert "Bea's eSIM" in renewing.plain_text
    await bot.say(bea, "/cancel")

    assert first.id is not None
    await CardService(bot.database, bot.settings, bot.clock).delete(bea.id, first.id)
    third = await add_card(bot.database, bot.settings, bot.clock, bea.id, date(2027, 1, 4),
                           label="Bea's data card")
    assert third.number == 3
    assert "not found" in (await bot.say(bea, "/card 1")).plain_text  # #1 is not given again
