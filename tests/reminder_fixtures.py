"""Cards straight through the repositories, for tests of the reminder engine (which does
not need the conversations)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, update
from sqlmodel import col, select

from bot.domain.preferences import ChatPolicy
from bot.domain.schedule import compute_next_remind_at, refresh_card
from bot.settings import Settings, load_settings
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Card, Chat, Delivery
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
    **fields: Any,
) -> Card:
    async with db.session() as session:
        chat, _ = await ChatRepository(session).ensure(chat_id, chat_type, None, language)
        values: dict[str, Any] = {
            "label": "Work SIM", "carrier": "china_mobile", "created_by": abs(chat_id),
        }
        card = await CardRepository(session).add(
            Card(chat_id=chat_id, expires_on=expires_on, **(values | fields))
        )
        await refresh_card(session, card, chat, settings, clock())
        return card


async def get_card(db: Database, card_id: int | None) -> Card:
    assert card_id is not None
    async with db.session(readonly=True) as session:
        card = await session.get(Card, card_id)
        assert card is not None
        return card


async def deliveries(db: Database, card_id: int | None) -> dict[int, str]:
    """offset -> status of a card's deliveries."""
    assert card_id is not None
    async with db.session(readonly=True) as session:
        rows = await session.exec(select(Delivery).where(Delivery.card_id == card_id))
        return {row.offset_days: row.status for row in rows}


async def seed_due_cards(
    db: Database, settings: Settings, now: datetime, chat_ids: list[int], count: int
) -> list[int]:
    """`count` cards spread over private chats, each with its "7 days left" moment due a
    minute ago (the chats' remind time is set to match). Labels are "Card 0000".. so the
    fake server's log can be counted per card. Returns the card ids."""
    zone = ZoneInfo(settings.default_timezone)
    local = (now - timedelta(minutes=1)).astimezone(zone)
    remind_at = local.strftime("%H:%M")
    expires_on = local.date() + timedelta(days=7)
    async with db.session() as session:
        for chat_id in chat_ids:
            chat, _ = await ChatRepository(session).ensure(chat_id, "private", None, "en")
            chat.remind_at = remind_at
        await session.flush()
        policy = ChatPolicy.of(chat, settings)
        due = compute_next_remind_at(
            Card(chat_id=0, created_by=0, label="", expires_on=expires_on),
            policy, set(), now - timedelta(minutes=2),
        )
        assert due is not None and due <= now
        rows = [
            {
                "chat_id": chat_ids[i % len(chat_ids)], "created_by": chat_ids[i % len(chat_ids)],
                "number": i // len(chat_ids) + 1, "label": f"Card {i:04d}", "kind": "sim",
                "cycle": "none",
                "renew_from": "expiry", "expires_on": expires_on, "next_remind_at": due,
                "lapsed": False, "created_at": now, "updated_at": now,
            }
            for i in range(count)
        ]
        await session.exec(insert(Card), params=rows)
        await session.exec(  # each chat's counter past the numbers its cards took
            update(Chat)
            .where(col(Chat.id).in_(chat_ids))
            .values(last_card_number=col(Chat.last_card_number) + ceil(count / len(chat_ids)))
        )
        ids = await session.exec(select(Card.id).where(col(Card.label).like("Card %")))
        return [card_id for card_id in ids if card_id is not None]


def labels_sent(api: FakeBotAPI) -> Counter[str]:
    """How often each "Card NNNN" label was delivered."""
    found: Counter[str] = Counter()
    for message in api.delivered():
        match = _LABEL.search(message.text or "")
        if match:
            found[match.group(0)] += 1
    return found


_LABEL = re.compile(r"Card \d{4}")


async def seed_due_database(
    api: FakeBotAPI, database_url: str, first_chat_id: int, chats: int, count: int
) -> None:
    """A migrated database with `count` due reminders over `chats` private chats that the
    fake server knows, ready for a bot process to sweep."""
    chat_ids = [first_chat_id + i for i in range(chats)]
    for chat_id in chat_ids:
        api.private_chat(api.user(chat_id))
    settings = load_settings(
        _env_file=None, bot_token=api.token, bot_api_base_url=api.base_url,
        database_url=database_url,
    )
    db = Database(database_url)
    try:
        await upgrade(db)
        await seed_due_cards(db, settings, datetime.now(UTC), chat_ids, count)
    finally:
        await db.dispose()
