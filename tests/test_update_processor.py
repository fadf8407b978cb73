"""Updates of one chat stay in order while other chats are served concurrently."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from bot.runtime.services import RenewBotApplication
from fakebotapi import FakeBotAPI
from tests.harness import BotHarness


async def test_a_slow_chat_does_not_hold_up_others_and_keeps_its_order(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    release = asyncio.Event()
    handled: list[str] = []

    async def record(update: Update, _context: object) -> None:
        assert update.effective_message is not None
        text = update.effective_message.text or ""
        if text == "slow":
            await release.wait()
        handled.append(f"{update.effective_message.chat_id}:{text}")
        raise ApplicationHandlerStop  # the bot's own handlers stay out of this test

    def setup(app: RenewBotApplication) -> None:
        app.add_handler(MessageHandler(filters.TEXT, record), group=-5)

    harness = BotHarness(api, sqlite_url, setup=setup)
    await harness.start()
    try:
        slow_user, other_user = api.user(7001), api.user(7002)
        api.send_text(slow_user, "slow")
        api.send_text(slow_user, "after slow")
        api.send_text(other_user, "quick")
        for _ in range(100):
            if handled:
                break
            await asyncio.sleep(0.02)
        assert handled == ["7002:quick"]  # chat 7001 is blocked, 7002 was not
        release.set()
        for _ in range(100):
            if len(handled) == 3:
                break
            await asyncio.sleep(0.02)
        assert handled == ["7002:quick", "7001:slow", "7001:after slow"]
    finally:
        release.set()
        await harness.stop()
