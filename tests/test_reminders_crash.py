"""kill -9 in the middle of sending 1,000 due reminders, then restart: every card is reminded,
with at most one duplicate per crash, and the fake server enforcing Telegram's limits
never has to answer 429."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from tests.harness import bot_settings
from tests.processes import BotProcess, wait_until
from tests.reminder_fixtures import labels_sent, seed_due_cards

CARDS = 1000


@pytest.fixture
async def limited_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(enforce_limits=True) as server:
        yield server


async def test_kill_9_mid_dispatch_then_restart(
    limited_api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    api = limited_api
    chat_ids = [3000 + i for i in range(20)]
    for chat_id in chat_ids:
        api.private_chat(api.user(chat_id))
    db = Database(sqlite_url)
    await upgrade(db)
    await seed_due_cards(db, bot_settings(api, sqlite_url), datetime.now(UTC), chat_ids, CARDS)
    await db.dispose()

    first = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        await wait_until(lambda: len(api.delivered()) >= 300, 60, "300 reminders", first)
        first.kill()
    finally:
        first.stop_now()
    before_restart = len(api.delivered())
    assert before_restart < CARDS  # the crash really happened mid-dispatch

    second = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        await wait_until(lambda: len(labels_sent(api)) >= CARDS, 120, "all cards", second)
        await api.wait_idle(quiet=1.0, timeout=30)
        assert await second.terminate() == 0
    finally:
        second.stop_now()

    counts = labels_sent(api)
    assert len(counts) == CARDS  # nothing lost
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= 1, f"{duplicates} duplicates after one crash"
    assert api.stats.rate_limited == 0
