"""Commits tell listeners which chats changed, so the answer cache never serves stale rows."""

from __future__ import annotations

from datetime import date

from bot.runtime.chatcache import ChatCache
from storage.db import Database
from storage.models import Card
from storage.repositories.cards import CardRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.faq import FaqRepository


async def test_commits_report_the_chats_they_changed(db: Database) -> None:
    seen: list[set[int] | None] = []
    db.on_change(seen.append)
    async with db.session() as session:
        await ChatRepository(session).ensure(-100, "supergroup", "G", "en")
        await ChatRepository(session).ensure(5, "private", None, "zh")
    async with db.session() as session:
        await CardRepository(session).add(
            Card(chat_id=5, created_by=5, label="SIM", expires_on=date(2027, 1, 1))
        )
    async with db.session() as session:
        await FaqRepository(session).add(-100, "Q", "A", 1)
    async with db.session(readonly=True) as session:
        await ChatRepository(session).get(5)
    async with db.session() as session:
        await ChatRepository(session).set_language(5, "en")  # a bulk UPDATE
    # The first session inserted through INSERT .. ON CONFLICT, which names no chat row to
    # the ORM; nothing was cached for those chats yet, so there is nothing to drop.
    assert seen == [{5}, {-100}, None]


def test_cache_expires_and_forgets() -> None:
    now = [0.0]
    cache: ChatCache[str] = ChatCache(ttl=30, size=2, clock=lambda: now[0])
    cache.put(1, "a")
    cache.put(2, "b")
    assert cache.get(1) == "a"
    cache.put(3, "c")  # over size: the least recently used (2) goes
    assert cache.get(2) is None and cache.get(3) == "c"
    cache.invalidate({3})
    assert cache.get(3) is None
    now[0] = 31.0
    assert cache.get(1) is None  # expired
    cache.put(4, "d")
    cache.invalidate(None)
    assert cache.get(4) is None


def test_only_a_commit_to_its_own_chat_keeps_a_read_out() -> None:
    cache: ChatCache[str] = ChatCache(size=2)
    read_at = cache.generation  # reads of chats 1 and 2 begin ...
    cache.invalidate({2})  # ... a commit to chat 2 lands ...
    cache.store(1, "one", read_at)  # ... chat 1's read is still current
    cache.store(2, "two", read_at)  # ... chat 2's may predate the commit
    assert cache.get(1) == "one" and cache.get(2) is None
    # Changes to more chats than the cache remembers: a forgotten chat counts as changed.
    read_at = cache.generation
    cache.invalidate({3})
    cache.invalidate({4})
    cache.invalidate({5})  # chat 3's change is no longer listed
    cache.store(3, "three", read_at)
    assert cache.get(3) is None
    cache.invalidate(None)  # every chat changed
    cache.store(1, "stale", cache.generation - 1)
    assert cache.get(1) is None
