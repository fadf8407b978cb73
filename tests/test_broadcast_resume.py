"""A broadcast to 500 chats (20 of which blocked the bot), the bot killed with SIGKILL half-way,
then restarted: it finishes with every chat reached, at most the sends in flight at the kill
repeated, within Telegram's limits, and the owner's progress message ends with the true count.
Plus the repository's claims on both database backends."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.broadcast import CONCURRENCY
from fakebotapi import FakeBotAPI, SentMessage
from storage.db import Database
from storage.migrate import upgrade
from storage.models import RecipientStatus
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.chats import ChatRepository
from storage.types import utcnow
from tests.processes import BotProcess, wait_until

OWNER = 7001
TEXT = "Broadcast: new plans from Monday"
USERS = [8000 + n for n in range(469)]
BLOCKED = [9000 + n for n in range(20)]
GROUPS = [-1008000 - n for n in range(10)]  # with the owner: 500 chats


@pytest.fixture
async def limited_api() -> AsyncIterator[FakeBotAPI]:
    async with FakeBotAPI(enforce_limits=True) as server:
        yield server


async def _seed(api: FakeBotAPI, url: str) -> None:
    db = Database(url)
    await upgrade(db)
    async with db.session() as session:
        repo = ChatRepository(session)
        for user_id in [OWNER, *USERS, *BLOCKED]:
            api.private_chat(api.user(user_id))
            await repo.ensure(user_id, "private", None, "en")
        for group_id in GROUPS:
            api.group(group_id, f"Group {group_id}")
            await repo.ensure(group_id, "supergroup", None, "en")
    await db.dispose()
    for user_id in BLOCKED:
        api.set_blocked(user_id)


def _received(api: FakeBotAPI, question: SentMessage) -> Counter[int]:
    """How often each chat got the broadcast (after the owner's preview of it)."""
    return Counter(
        m.chat_id for m in api.delivered() if m.plain_text == TEXT and m.seq > question.seq
    )


async def test_kill_9_mid_broadcast_then_resume_loses_nothing(
    limited_api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    api = limited_api
    await _seed(api, sqlite_url)
    owner = api.user(OWNER)
    first = BotProcess(api, sqlite_url, tmp_path, BOT_OWNER_IDS=str(OWNER)).start()
    try:
        api.send_text(owner, f"/broadcast {TEXT}")
        await api.wait_for_message(owner, timeout=30)  # the preview
        question = await api.wait_for_message(owner, timeout=10)
        assert "to 500 chats" in question.plain_text
        api.press(owner, question, question.callback_data()[0])
        await wait_until(lambda: len(_received(api, question)) >= 200, 60, "200 deliveries", first)
        first.kill()
    finally:
        first.stop_now()
    before_restart = sum(_received(api, question).values())
    assert before_restart < 480  # the crash really happened half-way

    second = BotProcess(api, sqlite_url, tmp_path, BOT_OWNER_IDS=str(OWNER)).start()
    try:
        done = await api.wait_for_message(
            owner, lambda m: "finished" in m.plain_text, since=question,
            include_edits=True, timeout=90,
        )
        await api.wait_idle(quiet=0.5)
        assert await second.terminate() == 0
    finally:
        second.stop_now()

    received = _received(api, question)
    assert not set(received) & set(BLOCKED)
    assert set(received) == {OWNER, *USERS, *GROUPS}, "a chat never got the broadcast"
    # Only the sends in flight at the kill were sent again (they may have arrived already).
    assert sum(count - 1 for count in received.values()) <= CONCURRENCY
    tally = re.search(r"(\d+) delivered · 🚫 (\d+) blocked · ⚠️ (\d+) failed", done.plain_text)
    assert tally is not None, done.plain_text
    assert tuple(map(int, tally.groups())) == (480, 20, 0)
    assert api.stats.rate_limited == 0
    progress = [m for m in api.outbox if m.is_edit and m.message_id == question.message_id]
    assert any("sent to" in m.plain_text for m in progress)  # edited in place on the way
    db = Database(sqlite_url)
    async with db.session(readonly=True) as session:
        rows = [await ChatRepository(session).get(chat_id) for chat_id in BLOCKED]
    await db.dispose()
    assert all(row is not None and not row.active for row in rows)


async def test_each_recipient_is_claimed_once_and_stale_claims_are_sent_again(db: Database) -> None:
    async with db.session() as session:
        chats = ChatRepository(session)
        for chat_id, kind in [(1, "private"), (2, "private"), (5, "private"),
                              (-3, "supergroup"), (-4, "channel")]:
            await chats.ensure(chat_id, kind, None, "en")
        await chats.set_active(2, False)
        repo = BroadcastRepository(session)
        assert await repo.audience_size() == 3  # no inactive chats, no channels
        broadcast = await repo.create(99, "hi", 1)
    assert broadcast.id is not None

    async def claim() -> tuple[int, int | None] | None:
        async with db.session() as session:
            return await BroadcastRepository(session).claim(broadcast.id)  # type: ignore[arg-type]

    async with db.session() as session:
        assert await BroadcastRepository(session).start(broadcast.id, 10) == 3
        assert await BroadcastRepository(session).start(broadcast.id, 10) is None
    claims = await asyncio.gather(*(claim() for _ in range(4)))
    assert sorted(c[0] for c in claims if c) == [-3, 1, 5] and claims.count(None) == 1

    async with db.session() as session:
        repo = BroadcastRepository(session)
        await repo.record(broadcast.id, 1, RecipientStatus.DELIVERED, utcnow())
        await repo.record(broadcast.id, 5, RecipientStatus.BLOCKED, utcnow(), "blocked")
        assert not await repo.finish(broadcast.id, utcnow())  # -3 is still in flight
        assert await repo.requeue_stale(broadcast.id) == 1  # its runner died
        assert await repo.counts(broadcast.id) == {"delivered": 1, "blocked": 1, "pending": 1}
        assert not await repo.finish(broadcast.id, utcnow())
    assert await claim() == (-3, None)  # sent again
    async with db.session() as session:
        repo = BroadcastRepository(session)
        await repo.record(broadcast.id, -3, RecipientStatus.DELIVERED, utcnow())
        assert await repo.finish(broadcast.id, utcnow())
        assert await repo.next_sending() is None
