"""kill -9 in the middle of sending 1,000 due reminders, then restart: every card is reminded,
with at most one duplicate per crash, and the fake server enforcing Telegram's limits
never has to answer 429."""

from __future__ import annotations

from pathlib import Path

from fakebotapi import FakeBotAPI
from tests.processes import BotProcess, wait_until
from tests.reminder_fixtures import labels_sent, seed_due_database

CARDS = 1000


async def test_kill_9_mid_dispatch_then_restart(
    limited_api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    api = limited_api
    await seed_due_database(api, sqlite_url, 3000, 20, CARDS)

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
