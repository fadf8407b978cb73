"""What handlers and jobs need at run time, reached through the context (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.domain.cards import CardService
from bot.domain.chats import ChatService
from bot.domain.faq import FaqService
from bot.domain.operations import Operations
from bot.runtime.chatcache import ChatCache, ChatKnowledge
from bot.settings import Settings
from bot.webapp.listcache import CardListCache
from storage.db import Database
from storage.models import Chat

if TYPE_CHECKING:
    from bot.reminders.engine import ReminderEngine
    from bot.runtime.chatscope import LoadedChat


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    # The reminder engine and the demo read the time through this, so tests and
    # `renewbot chat` can move the clock forward.
    clock: Callable[[], datetime] = field(default=system_clock)
    reminders: ReminderEngine | None = None  # set while the application runs
    # Chat rows for chat_scope (treat them as read-only), and what answering questions needs.
    chat_rows: ChatCache[Chat] = field(default_factory=ChatCache)
    chat_cache: ChatCache[ChatKnowledge] = field(default_factory=ChatCache)
    card_lists: CardListCache = field(default_factory=CardListCache)  # the Mini App's
    # Owners whose command menu Telegram refused at start-up: set when they first write.
    owners_without_menu: set[int] = field(default_factory=set)

    def now(self) -> datetime:
        return self.clock()

    # The domain: every change to cards and chats goes through these (handlers never
    # reach a repository). They read the clock through now(), so a moved clock counts.
    @cached_property
    def cards(self) -> CardService:
        return CardService(self.db, self.settings, self.now)

    @cached_property
    def chats(self) -> ChatService:
        return ChatService(self.db, self.settings, self.now)

    @cached_property
    def faq(self) -> FaqService:
        return FaqService(self.db)

    @cached_property
    def operations(self) -> Operations:
        return Operations(self.db)


class RenewBotApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application with one extra slot for the bot's services."""

    __slots__ = ("services",)

    services: Services

    async def stop(self) -> None:
        # PTB waits for the jobs running now, then shuts the scheduler down, which cancels any
        # job it started in between (a sweep due every few seconds often is) and logs that as
        # an error. Paused first, the scheduler starts none; the running ones still finish.
        if self.job_queue is not None and self.job_queue.scheduler.running:
            self.job_queue.scheduler.pause()
        await super().stop()


class BotContext(CallbackContext[ExtBot[None], dict[str, Any], dict[str, Any], dict[str, Any]]):
    """The callback context handlers receive: adds typed access to the services.

    PTB makes one per update and hands it to every handler group, so it also carries the
    update's chat once chat_scope has loaded it.
    """

    loaded_chat: LoadedChat | None = None

    @property
    def services(self) -> Services:
        return self.application.services  # type: ignore[attr-defined]

    @property
    def db(self) -> Database:
        return self.services.db

    @property
    def settings(self) -> Settings:
        return self.services.settings
