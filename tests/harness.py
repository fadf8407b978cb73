"""Run the real bot (Application, persistence, job queue) against the fake Bot API server.

Tests type as users through the server and read what the bot sent; the bot polls over real
HTTP. `ManualClock` is what the bot believes the time is, so reminder tests can move it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Update

from bot.runtime.app import build_application
from bot.runtime.ratelimit import TelegramRateLimiter
from bot.runtime.services import RenewBotApplication
from bot.settings import Settings, load_settings
from fakebotapi import CallbackAnswer, FakeBotAPI, SentMessage
from storage.db import Database
from storage.migrate import upgrade


@dataclass
class ManualClock:
    """Real time shifted by `offset`, or frozen at `frozen` (plus offset) when set."""

    offset: timedelta = field(default_factory=timedelta)
    frozen: datetime | None = None

    def __call__(self) -> datetime:
        base = self.frozen if self.frozen is not None else datetime.now(UTC)
        return base + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def freeze(self, when: datetime) -> None:
        self.frozen, self.offset = when, timedelta()


def bot_settings(api: FakeBotAPI, database_url: str, **overrides: Any) -> Settings:
    return load_settings(
        _env_file=None,
        bot_token=api.token,
        bot_api_base_url=api.base_url,
        database_url=database_url,
        **overrides,
    )


class BotHarness:
    """One running instance of the bot; stop() and start() again to simulate a restart."""

    def __init__(
        self,
        api: FakeBotAPI,
        database_url: str,
        clock: ManualClock | None = None,
        setup: Callable[[RenewBotApplication], None] | None = None,
        read_timeout: float = 5.0,
        group_interval: float | None = None,
        **settings: Any,
    ) -> None:
        """`setup` runs on each new Application before it is initialised (extra handlers);
        `group_interval` replaces the 4 s a group's messages are paced at after a burst."""
        self.setup = setup
        self.read_timeout = read_timeout
        self.group_interval = group_interval
        self.api = api
        self.database_url = database_url
        self.clock = clock or ManualClock()
        self.settings = bot_settings(api, database_url, **settings)
        self.db: Database | None = None
        self.app: RenewBotApplication | None = None

    async def start(self) -> BotHarness:
        self.db = Database(self.database_url)
        await upgrade(self.db)
        limiter = (
            None if self.group_interval is None
            else TelegramRateLimiter(group_interval=self.group_interval)
        )
        self.app = build_application(
            self.settings, self.db, clock=self.clock, read_timeout=self.read_timeout,
            rate_limiter=limiter,
        )
        if self.setup is not None:
            self.setup(self.app)
        await self.app.initialize()
        if self.app.post_init:
            await self.app.post_init(self.app)
        await self.app.start()
        assert self.app.updater is not None
        # chat_member updates (admin changes) only come when asked for, as from Telegram.
        await self.app.updater.start_polling(
            poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
        )
        return self

    async def stop(self) -> None:
        app, self.app = self.app, None
        if app is not None:
            assert app.updater is not None
            if app.updater.running:
                await app.updater.stop()
            if app.running:
                await app.stop()
            if app.post_stop:
                await app.post_stop(app)
            await app.shutdown()
        if self.db is not None:
            await self.db.dispose()
            self.db = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    @property
    def database(self) -> Database:
        assert self.db is not None, "the bot is not running"
        return self.db

    async def say(
        self, user: Any, text: str, chat: Any = None, timeout: float = 10.0
    ) -> SentMessage:
        """Type as a user and return the bot's next message in that chat."""
        target = chat if chat is not None else self.api.private_chat(user)
        since = self.api.mark()
        self.api.send_text(user, text, chat=target)
        return await self.api.wait_for_message(target, since=since, timeout=timeout)

    async def press(
        self, user: Any, message: SentMessage, data: str | None = None, *,
        text: str | None = None, timeout: float = 10.0,
    ) -> SentMessage:
        """Press a button; return the bot's next message or edit in that chat."""
        since = self.api.mark()
        self.api.press(user, message, data, text=text)
        return await self.api.wait_for_message(
            message.chat_id, since=since, include_edits=True, timeout=timeout
        )

    async def reply(
        self, user: Any, to: SentMessage, text: str, timeout: float = 10.0
    ) -> SentMessage:
        """Answer the bot's message `to` by replying to it (what reaches the bot from a group in
        privacy mode); return the bot's next message in that chat."""
        since = self.api.mark()
        self.api.send_text(user, text, chat=self.api.chat(to.chat_id), reply_to=to,
                           thread_id=to.message_thread_id)
        return await self.api.wait_for_message(to.chat_id, since=since, timeout=timeout)

    async def force_reply(self, chat_id: int, since: int | SentMessage) -> SentMessage:
        """The next message after `since` in that chat that asks for a reply (ForceReply)."""
        return await self.api.wait_for_message(chat_id, forces_reply, since=since)


def forces_reply(message: SentMessage) -> bool:
    """A message that opens a reply to it on its addressee's client, and only theirs."""
    markup = message.reply_markup or {}
    return markup.get("force_reply") is True and markup.get("selective") is True


async def button_answer(
    api: FakeBotAPI, user: Any, message: SentMessage, data: str
) -> CallbackAnswer | None:
    """Press a (possibly forged) button and return how the bot answered the callback query."""
    since = len(api.calls)
    update = api.press(user, message, data, forge=True)
    query_id = update["callback_query"]["id"]
    await api.wait_for_call(
        "answerCallbackQuery", lambda c: c.params.get("callback_query_id") == query_id,
        since=since,
    )
    return api.callback_answer(update)
