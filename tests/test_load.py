"""Load on SQLite and on PostgreSQL: 200 users at once, each recording cards through /addcard
and asking a question, while the reminder sweep delivers due reminders. No "database is
locked", no lost write; throughput and latency are printed."""

from __future__ import annotations

import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable
from datetime import UTC, datetime

import pytest
from sqlmodel import col, func, select

from bot.fakebotapi import FakeBotAPI, SentMessage
from bot.fakebotapi.objects import FakeUser
from storage.models import Card
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import labels_sent, seed_due_cards

USERS = 200
CARDS_EACH = 2
DUE = 400
FIRST_USER = 400_001
FIRST_DUE_CHAT = 450_001


async def _timed(latencies: list[float], step: Awaitable[SentMessage]) -> SentMessage:
    started = time.perf_counter()
    message = await step
    latencies.append(time.perf_counter() - started)
    return message


async def _user_session(bot: BotHarness, user: FakeUser, latencies: list[float]) -> None:
    for n in range(CARDS_EACH):
        await _timed(latencies, bot.say(user, "/addcard", timeout=60))
        prompt = await _timed(latencies, bot.say(user, f"Load {user.id}-{n}", timeout=60))
        for data in ("cf:carrier", "cf:kind:data", "cf:number", "cf:plan", "cf:price",
                     "cf:expiry:+30d", "cf:cycle:none", "cf:lead_days"):
            prompt = await _timed(latencies, bot.press(user, prompt, data, timeout=60))
        saved = await _timed(latencies, bot.press(user, prompt, "cf:save", timeout=60))
        assert "Saved" in (saved.plain_text or ""), saved.describe()
    answer = await _timed(latencies, bot.say(user, "How do I top up China Mobile?", timeout=60))
    assert answer.text


async def test_200_concurrent_users_while_the_sweep_runs(
    api: FakeBotAPI, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    due_chats = [FIRST_DUE_CHAT + i for i in range(100)]
    for chat_id in due_chats:
        api.private_chat(api.user(chat_id))
    bot = BotHarness(api, database_url, clock=ManualClock(), reminder_sweep_seconds=0.2)
    await bot.start()
    try:
        await seed_due_cards(bot.database, bot.settings, datetime.now(UTC), due_chats, DUE)
        users = [api.user(FIRST_USER + i, f"Load{i}") for i in range(USERS)]
        latencies: list[float] = []
        calls_before = len(api.calls)
        started = time.perf_counter()
        await asyncio.gather(*(_user_session(bot, user, latencies) for user in users))
        elapsed = time.perf_counter() - started
        async with bot.database.session(readonly=True) as session:
            stored = (await session.exec(
                select(func.count()).select_from(Card).where(col(Card.label).like("Load %"))
            )).one()
        reminders = len(labels_sent(api))
    finally:
        await bot.stop()
    updates = len(latencies)
    ordered = sorted(latencies)
    print(
        f"\nload: {USERS} users, {updates} updates in {elapsed:.1f}s = "
        f"{updates / elapsed:.0f} updates/s; latency p50 {statistics.median(ordered) * 1000:.0f} "
        f"ms, p95 {ordered[int(updates * 0.95)] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
        f"{len(api.calls) - calls_before} Bot API calls; {reminders}/{DUE} reminders sent meanwhile"
    )
    assert stored == USERS * CARDS_EACH  # no lost write
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
                or "locked" in r.getMessage()]
    assert problems == [], problems[:5]
    sorry = [m for m in api.outbox if "something went wrong" in (m.plain_text or "")]
    assert sorry == []
    assert reminders > 0  # the sweep really ran alongside
