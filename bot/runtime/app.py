"""The application factory: one place that wires PTB, storage and the handlers together."""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import datetime

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeDefault,
)
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.i18n import LANGUAGES, translator
from bot.knowledge import KnowledgeBase
from bot.reminders.jobs import start_reminders, stop_reminders
from bot.reminders.peak import PAID_SEND_WINDOW
from bot.runtime.broadcast import start_broadcasts
from bot.runtime.commands import Audience, commands_for, set_owner_menu
from bot.runtime.errors import on_error
from bot.runtime.persistence import SQLPersistence
from bot.runtime.ratelimit import TelegramRateLimiter
from bot.runtime.request import IN_FLIGHT, BoundedRequest
from bot.runtime.services import BotContext, RenewBotApplication, Services, system_clock
from bot.runtime.update_processor import PerChatUpdateProcessor
from bot.settings import Settings
from handlers import register_handlers
from handlers.conversations import restore_timeouts
from handlers.webapp import set_menu_button
from storage.db import Database

# Conversation state reaches the database at most this long after it changed, and always
# on a clean stop.
PERSISTENCE_INTERVAL_SECONDS = 2.0


def file_base_url(base_url: str) -> str:
    """The Bot API's file endpoint next to its method endpoint (…/bot -> …/file/bot)."""
    head, sep, _tail = base_url.rstrip("/").rpartition("/bot")
    return f"{head}/file/bot" if sep else base_url.rstrip("/") + "/file/bot"


def build_application(
    settings: Settings,
    db: Database | None = None,
    *,
    clock: Callable[[], datetime] = system_clock,
    read_timeout: float = 5.0,
    rate_limiter: TelegramRateLimiter | None = None,
) -> RenewBotApplication:
    """Build the bot. The caller runs it (polling, webhook or a test harness).

    read_timeout is how long a Bot API call may wait for its answer (PTB's default); fault
    tests shorten it so that thousands of injected timeouts fit in a CI run. rate_limiter
    replaces Telegram's pacing (tests of long group conversations pace a group faster).
    """
    database = db or Database(settings.database_url)
    application = (
        ApplicationBuilder()
        .request(BoundedRequest(_requests_in_flight(settings), read_timeout=read_timeout))
        .get_updates_request(BoundedRequest(1, read_timeout=read_timeout))
        .application_class(RenewBotApplication)
        .token(settings.token)
        .base_url(settings.bot_api_base_url)
        .base_file_url(file_base_url(settings.bot_api_base_url))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=None))
        .rate_limiter(rate_limiter or TelegramRateLimiter())
        .persistence(SQLPersistence(database, update_interval=PERSISTENCE_INTERVAL_SECONDS))
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(PerChatUpdateProcessor())
        .post_init(_post_init)
        .post_stop(stop_reminders)
        .build()
    )
    assert isinstance(application, RenewBotApplication)
    application.services = Services(settings=settings, db=database, clock=clock)
    database.on_change(application.services.chat_rows.invalidate)
    database.on_change(application.services.chat_cache.invalidate)
    database.on_change(application.services.card_lists.invalidate)
    register_handlers(application)
    application.add_error_handler(on_error)
    return application


def _requests_in_flight(settings: Settings) -> int:
    """The replies' share, plus room for the paid sweep's sends, which keeps PAID_SEND_WINDOW
    in flight (a paid broadcast is paced at 990 a second, so round trips would bound it)."""
    return IN_FLIGHT + (PAID_SEND_WINDOW if settings.allow_paid_broadcast else 0)


_SCOPES = (
    (Audience.PRIVATE, BotCommandScopeAllPrivateChats()),
    (Audience.GROUP, BotCommandScopeAllGroupChats()),
    (Audience.GROUP_ADMIN, BotCommandScopeAllChatAdministrators()),
)


async def _post_init(application: Application) -> None:
    # Parse the answers now, not on the first question, and before any job is due: loading
    # blocks the loop for about a second.
    KnowledgeBase.load()
    await register_command_menus(application)
    await set_menu_button(application)
    start_reminders(application)
    start_broadcasts(application)
    await restore_timeouts(application)
    # Everything loaded so far lives as long as the process: keep it out of the cyclic GC,
    # whose full collections otherwise stall a sweep batch by ~70 ms (benchmarks/reminders.py).
    gc.freeze()


async def register_command_menus(application: Application) -> None:
    """setMyCommands for every scope, in English (default) and Chinese. An owner who has never
    opened a chat with the bot cannot have one yet: theirs is set when they first write."""
    bot = application.bot
    webapp = application.services.settings.webapp_url is not None  # type: ignore[attr-defined]
    for language in LANGUAGES:
        _ = translator(language)
        code = None if language == "en" else language
        for audience, scope in _SCOPES:
            commands = [BotCommand(c.name, _(c.description))
                        for c in commands_for(audience, webapp=webapp)]
            await bot.set_my_commands(commands, scope=scope, language_code=code)
        if code is None:
            private = commands_for(Audience.PRIVATE, webapp=webapp)
            await bot.set_my_commands(
                [BotCommand(c.name, _(c.description)) for c in private],
                scope=BotCommandScopeDefault(),
            )
    # Only an owner who has a chat with the bot can have a menu (Telegram answers "chat not
    # found" otherwise); the others get theirs when they first write.
    services = application.services  # type: ignore[attr-defined]
    known = await services.chats.known(services.settings.bot_owner_ids)
    for owner_id in sorted(services.settings.bot_owner_ids):
        if owner_id not in known or not await set_owner_menu(bot, owner_id, webapp=webapp):
            services.owners_without_menu.add(owner_id)
