"""Conversation timeouts over a restart. PTB persists a conversation's state, not its timeout:
the bot records when each conversation last moved and, on start-up, expires those whose time
ran out while it was down (telling the user, in their language) and gives the others the time
they had left. In-process restarts move the bot's clock; a real process killed with SIGKILL
is restarted after its stored move is set back by more than the timeout."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlmodel import select

from fakebotapi import FakeBotAPI
from handlers.cards import common
from storage.db import Database
from storage.models import PersistedConversation
from tests.harness import BotHarness, ManualClock
from tests.processes import BotProcess

NOW = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)


async def _open_conversations(url: str) -> set[str]:
    """The keys of the /addcard conversations stored (the bot is stopped)."""
    db = Database(url)
    try:
        async with db.session(readonly=True) as session:
            rows = await session.exec(select(PersistedConversation))
            return {row.key for row in rows if row.name == "card_form"}
    finally:
        await db.dispose()


async def test_a_conversation_left_over_a_restart_expires_or_goes_on(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    clock = ManualClock(frozen=NOW)
    bot = BotHarness(api, sqlite_url, clock=clock)
    await bot.start()
    late = api.user(8101, "Lin", language_code="zh-hans")
    early = api.user(8102, "Ann", language_code="en")
    await bot.say(late, "/addcard")
    asked = await bot.say(late, "工作卡")
    assert "cf:carrier:china_mobile" in asked.callback_data()
    clock.advance(minutes=10)
    await bot.say(early, "/addcard")
    await bot.stop()
    assert await _open_conversations(sqlite_url) == {"[8101, 8101]", "[8102, 8102]"}

    # Down for 6 minutes: Lin's /addcard last moved 16 minutes ago, Ann's 6 minutes ago.
    clock.advance(seconds=common.IDLE_TIMEOUT - 10 * 60 + 60)
    since = api.mark()
    await bot.start()
    try:
        told = await api.wait_for_message(late.id, since=since)
        assert told.plain_text.startswith("⌛ 等了很久没有收到回答，所以什么都没有保存。")
        assert bot.app is not None and "card_form" not in bot.app.user_data.get(late.id, {})
        # Lin's state is gone: the carrier she types now is a question, not an answer.
        reply = await bot.say(late, "中国移动")
        assert not any(data.startswith("cf:") for data in reply.callback_data())
        # Ann's conversation goes on where it was, and nobody told her it was closed.
        carrier = await bot.say(early, "Family SIM")
        assert "Which carrier is it?" in carrier.plain_text
        assert not any("stopped waiting" in m.plain_text for m in api.delivered(early.id))
    finally:
        await bot.stop()
    assert await _open_conversations(sqlite_url) == {"[8102, 8102]"}


async def test_a_restored_timeout_still_runs_out(
    api: FakeBotAPI, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "IDLE_TIMEOUT", 4.0)
    clock = ManualClock(frozen=NOW)
    bot = BotHarness(api, sqlite_url, clock=clock)
    await bot.start()
    user = api.user(8103, "Ann", language_code="en")
    await bot.say(user, "/addcard")
    await bot.stop()
    clock.advance(seconds=1)  # 3 s of the 4 are left when it starts again
    since = api.mark()
    await bot.start()
    try:
        told = await api.wait_for_message(user.id, since=since, timeout=10)
        assert told.plain_text.startswith("⌛ I stopped waiting for an answer")
    finally:
        await bot.stop()
    assert await _open_conversations(sqlite_url) == set()


async def _stored_moves(url: str) -> list[datetime | None]:
    db = Database(url)
    try:
        async with db.session(readonly=True) as session:
            return [row.moved_at for row in await session.exec(select(PersistedConversation))]
    finally:
        await db.dispose()


async def test_after_kill_9_an_expired_conversation_is_closed(
    api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    user = api.user(8104, "Lin", language_code="zh-hans")
    first = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        api.send_text(user, "/addcard")
        await api.wait_for_message(user.id, timeout=30)
        for _ in range(50):  # the state reaches the database within 2 s
            if await _stored_moves(sqlite_url):
                break
            await asyncio.sleep(0.1)
        first.kill()  # no clean-up, like a crash
    finally:
        first.stop_now()
    [moved] = await _stored_moves(sqlite_url)
    assert moved is not None
    # It stays down longer than the timeout: the stored move is that long ago.
    db = Database(sqlite_url)
    async with db.session() as session:
        await session.exec(update(PersistedConversation).values(
            moved_at=moved - timedelta(seconds=common.IDLE_TIMEOUT + 60)
        ))
    await db.dispose()

    since = api.mark()
    second = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        told = await api.wait_for_message(user.id, since=since, timeout=30)
        assert told.plain_text.startswith("⌛ 等了很久没有收到回答")
        assert await second.terminate() == 0
    finally:
        second.stop_now()
    assert await _stored_moves(sqlite_url) == []
