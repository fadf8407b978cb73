"""`renewbot chat`: try the bot in a terminal, with no token and no internet.

The bundled fake Bot API server and the real bot run in this process, on a temporary SQLite
database (or DATABASE_URL when it is set in the environment). You type as a Telegram user, in
your private chat or in groups you make (bot/demo_session.py); the bot's replies are printed
with their buttons numbered, and typing a number presses one. Lines starting with ":" are demo
commands (:help lists them), e.g. `:advance 3d` moves the bot's clock so reminders fire.

It reads lines until end of input, so it can be scripted: `renewbot chat < session.txt`.
After each line it waits for the bot to finish answering before reading the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import tempfile
import threading
from collections.abc import AsyncIterator
from pathlib import Path

from telegram import Update

from bot.runtime.app import build_application
from bot.runtime.logging_setup import configure_logging
from bot.runtime.services import RenewBotApplication
from bot.settings import Settings, load_settings
from bot.tools.demo_session import PROMPT, SWEEP_SECONDS, ChatSession, ShiftedClock
from bot.webapp.server import polling_server
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade

DEMO_TOKEN = "1000000001:renewbot-local-demo"
USER_ID = 1001
# The demo user's first name, as the bot greets them: one that fits the language.
USER_NAMES = {"en": "Alex", "zh": "小明"}
DEFAULT_FILES = Path("renewbot-files")


@contextlib.asynccontextmanager
async def running_bot(
    settings: Settings, clock: ShiftedClock
) -> AsyncIterator[RenewBotApplication]:
    """The real Application, polling the fake server, until the block ends."""
    db = Database(settings.database_url)
    try:
        await upgrade(db)
        application = build_application(settings, db, clock=clock)
        async with application:  # initialize ... shutdown
            if application.post_init:
                await application.post_init(application)
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0.0, timeout=1, allowed_updates=Update.ALL_TYPES
            )
            try:
                yield application
            finally:
                await application.updater.stop()
                await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
    finally:
        await db.dispose()


def _read_lines(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    for line in sys.stdin:
        loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def converse(session: ChatSession) -> None:
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    # A thread, because reading a terminal or a pipe blocks and asyncio has no portable
    # non-blocking stdin.
    threading.Thread(
        target=_read_lines, args=(asyncio.get_running_loop(), queue), daemon=True
    ).start()
    printer = asyncio.create_task(session.printer())
    try:
        await session.handle("/start")
        while True:
            if session.interactive:
                print(PROMPT, end="", flush=True)
                session.at_prompt = True
            line = await queue.get()
            session.at_prompt = False
            if line is None:
                if session.interactive:
                    print()
                break
            if line.strip() and not await session.handle(line.strip()):
                break
    finally:
        printer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _settings(api: FakeBotAPI, workdir: Path) -> Settings:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'demo.db'}"
    port = _free_port()  # the Mini App (:app), on this machine only
    return load_settings(
        bot_token=api.token,
        bot_api_base_url=api.base_url,
        database_url=database_url,
        reminder_sweep_seconds=SWEEP_SECONDS,
        webhook_url=None,
        webapp_url=f"http://127.0.0.1:{port}/app/",
        webapp_listen="127.0.0.1",
        webapp_port=port,
    )


async def run_demo(language: str | None, files: Path | None = None) -> int:
    files = files or DEFAULT_FILES
    lang = language or ("zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en")
    interactive = sys.stdin.isatty()
    configure_logging("WARNING", DEMO_TOKEN)  # the bot's errors only, not its chatter
    with tempfile.TemporaryDirectory(prefix="renewbot-chat-") as tmp:
        workdir = Path(tmp)
        async with FakeBotAPI(token=DEMO_TOKEN, bot_username="renewbot_demo_bot",
                              privacy_mode=True) as api:
            settings = _settings(api, workdir)
            user = api.user(USER_ID, USER_NAMES[lang], language_code=lang)
            api.private_chat(user)
            where = "a temporary database" if "DATABASE_URL" not in os.environ else "DATABASE_URL"
            print(f"renewbot chat: you are talking to the bot through a local fake Telegram, "
                  f"on {where}. Files the bot sends are saved in {files}{os.sep}. "
                  f":help lists the demo commands, :quit leaves.", flush=True)
            clock = ShiftedClock()
            async with running_bot(settings, clock) as application, polling_server(application):
                await converse(ChatSession(api, application, clock, user, files, interactive))
    return 0
