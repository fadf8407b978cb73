"""The chat row is read at most once per update, however many handlers and decorators ask for
it, and a handler that changes the chat sees its change (bot/runtime/chatscope.py)."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import event
from telegram import Update
from telegram.ext import TypeHandler

from bot.runtime import updatelog
from bot.runtime.services import BotContext, RenewBotApplication
from fakebotapi import FakeBotAPI
from tests.harness import BotHarness

# What ChatRepository.get sends: one chat by its primary key.
_CHAT_ROW = re.compile(r"^\s*SELECT\b.*\bFROM chats\s+WHERE chats\.id = ", re.S | re.I)


class ChatReads:
    """Counts chat-row SELECTs per update: a handler after every other group notes how many
    the update made (updates of one chat are handled one after another)."""

    def __init__(self) -> None:
        self.pending = 0
        self.per_update: dict[int, int] = {}
        self.done: dict[int, asyncio.Event] = {}

    def install(self, app: RenewBotApplication) -> None:
        async def note(update: Update, _context: BotContext) -> None:
            self.per_update[update.update_id] = self.pending
            self.pending = 0
            self.done.setdefault(update.update_id, asyncio.Event()).set()

        app.add_handler(TypeHandler(Update, note), group=updatelog.LAST_GROUP + 1)

        @event.listens_for(app.services.db.engine.sync_engine, "before_cursor_execute")
        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if _CHAT_ROW.match(statement):
                self.pending += 1

    async def of(self, update_id: int) -> int:
        await asyncio.wait_for(self.done.setdefault(update_id, asyncio.Event()).wait(), 10)
        return self.per_update[update_id]


@pytest.fixture
async def counted(api: FakeBotAPI, sqlite_url: str) -> Any:
    reads = ChatReads()
    harness = BotHarness(api, sqlite_url, setup=reads.install)
    await harness.start()
    try:
        yield harness, reads
    finally:
        await harness.stop()


def _forget_cached_chats(harness: BotHarness) -> None:
    assert harness.app is not None
    harness.app.services.chat_rows.invalidate(None)
    harness.app.services.chat_cache.invalidate(None)


async def _say(api: FakeBotAPI, reads: ChatReads, user: Any, text: str) -> tuple[str, int]:
    """Type `text`; the bot's reply and the chat-row reads of that one update."""
    since = api.mark()
    update = api.send_text(user, text)
    reply = await api.wait_for_message(api.private_chat(user), since=since)
    return reply.text or "", await reads.of(update["update_id"])


async def test_one_read_per_command_and_question_then_none(
    api: FakeBotAPI, counted: tuple[BotHarness, ChatReads]
) -> None:
    harness, reads = counted
    user = api.user(8301, "Ana")
    await _say(api, reads, user, "/start")
    # Commands whose handlers and decorators ask for the chat more than once, a button, a
    # question: cold (nothing cached) each reads the row once, warm not at all.
    for text in ("/settings", "/cards", "/forget", "/card", "how do I top up Globe?"):
        _forget_cached_chats(harness)
        _reply, cold = await _say(api, reads, user, text)
        assert cold == 1, text
        _reply, warm = await _say(api, reads, user, text)
        assert warm == 0, text
    menu = await harness.say(user, "/start")
    _forget_cached_chats(harness)
    since = api.mark()
    pressed = api.press(user, menu, "menu:cards")
    await api.wait_for_message(menu.chat_id, since=since, include_edits=True)
    assert await reads.of(pressed["update_id"]) == 1


async def test_a_change_shows_at_once_and_in_the_next_update(
    api: FakeBotAPI, counted: tuple[BotHarness, ChatReads]
) -> None:
    harness, reads = counted
    user = api.user(8302, "Bo", language_code="en")
    await _say(api, reads, user, "/start")
    menu = await harness.say(user, "/settings")
    chosen = await harness.press(user, menu, "gs:lang")
    saved = await harness.press(user, chosen, "gs:lang:zh")
    assert "已保存" in (saved.text or "")  # the menu after saving is already in Chinese
    text, reads_after_change = await _say(api, reads, user, "/settings")
    assert "时区" in text  # the next update reads the changed row, once
    assert reads_after_change == 1
    text, _reads = await _say(api, reads, user, "/timezone Asia/Manila")
    text, _reads = await _say(api, reads, user, "/settings")
    assert "Asia/Manila" in text or "马尼拉" in text
