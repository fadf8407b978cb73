"""`renewbot chat`: try the bot in a terminal, with no token and no internet.

The bundled fake Bot API server and the real bot run in this process, on a temporary SQLite
database (or DATABASE_URL when it is set in the environment). You type as a Telegram user;
the bot's replies are printed with their buttons numbered, and typing a number presses one.
Lines starting with ":" are demo commands (:help lists them), e.g. `:advance 3d` moves the
bot's clock so reminders fire.

It reads lines until end of input, so it can be scripted: `renewbot chat < session.txt`.
After each line it waits for the bot to finish answering before reading the next.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
import tempfile
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.fakebotapi import FakeBotAPI, FakeUser, SentMessage
from bot.logging_setup import configure_logging
from bot.services import RenewBotApplication
from bot.settings import Settings, load_settings
from bot.terminal import dim, render
from storage.db import Database
from storage.migrate import upgrade

DEMO_TOKEN = "1000000001:renewbot-local-demo"
SWEEP_SECONDS = 1.0  # reminders show up within a second of coming due
SETTLE_TIMEOUT = 60.0
USER_ID = 1001
# The demo user's first name, as the bot greets them: one that fits the language.
USER_NAMES = {"en": "Alex", "zh": "小明"}
_DURATION = re.compile(r"(\d+)\s*([wdhm])")
_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}

HELP = """\
Type as a Telegram user would: /start, /help, /addcard, questions...
  N                press button N of the bot's last message
  :advance 3d      move the bot's clock forward (w, d, h, m; e.g. 1d12h) so reminders fire
  :time            show the bot's clock
  :lang zh|en      switch your language (and the chat's)
  :doc PATH [CAPTION]   send a file, e.g. `:doc cards.csv /import` (files the bot sent
                   are saved and can be named without their folder)
  :say TEXT        send TEXT as it is (e.g. a number that should not press a button)
  :help            this list
  :quit            leave (end of input does too)"""


@dataclass
class ShiftedClock:
    """Real time moved forward by `offset`: what the bot believes the time is."""

    offset: timedelta = field(default_factory=timedelta)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def parse_duration(text: str) -> timedelta | None:
    """ "3d", "2h", "1d12h", "1w" -> timedelta; None when it is not such a duration."""
    compact = text.replace(" ", "").lower()
    parts = _DURATION.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        return None
    return sum((timedelta(**{_UNITS[unit]: int(n)}) for n, unit in parts), timedelta())


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


class ChatSession:
    """One person typing in a private chat with the bot."""

    def __init__(
        self, api: FakeBotAPI, application: RenewBotApplication, clock: ShiftedClock,
        user: FakeUser, files: Path, interactive: bool,
    ) -> None:
        self.api = api
        self.application = application
        self.clock = clock
        self.user = user
        self.files = files
        self.interactive = interactive
        self.ansi = interactive and sys.stdout.isatty()
        self.current: SentMessage | None = None  # the last message shown: its buttons count
        self.shown = 0  # how much of the server's outbox has been printed
        self._printed = asyncio.Condition()
        self.at_prompt = False

    # ------------------------------------------------------------------ output

    def out(self, text: str) -> None:
        if self.at_prompt:  # something arrived while waiting for input: keep the prompt last
            print("\r", end="")
        print(text, flush=True)
        if self.at_prompt:
            print("you ▸ ", end="", flush=True)

    def note(self, text: str) -> None:
        self.out(dim(f"  · {text}", self.ansi))

    async def printer(self) -> None:
        while True:
            try:
                message = await self.api.wait_for_message(include_edits=True, timeout=3600)
            except AssertionError:
                continue
            saved = await asyncio.to_thread(self._save, message) if message.file_bytes else None
            self.out(render(message, self.ansi, saved))
            self.current = message
            async with self._printed:
                self.shown = message.seq + 1
                self._printed.notify_all()

    def _save(self, message: SentMessage) -> str:
        path = self.files / Path(message.filename or f"{message.media_type}-{message.seq}").name
        path.write_bytes(message.file_bytes or b"")
        return str(path)

    async def settle(self, extra: float = 0.0) -> None:
        """Wait until the bot has answered everything and the answers are printed."""
        await asyncio.sleep(extra)
        await self.api.wait_idle(quiet=0.2, timeout=SETTLE_TIMEOUT)
        await self.application.update_queue.join()  # every fetched update handled
        await self.api.wait_idle(quiet=0.1, timeout=SETTLE_TIMEOUT)
        async with self._printed:
            await self._printed.wait_for(lambda: self.shown >= self.api.mark())

    # ------------------------------------------------------------------ input

    async def handle(self, line: str) -> bool:
        """Act on one typed line; False to leave."""
        if not self.interactive:
            self.out(f"you ▸ {line}")
        if line.isdigit() and self._button(int(line)) is not None:
            return await self._press(int(line))
        if not line.startswith(":"):
            self.api.send_text(self.user, line)
            await self.settle()
            return True
        command, _, rest = line[1:].partition(" ")
        rest = rest.strip()
        if command in {"quit", "q", "exit"}:
            return False
        actions = {
            "help": self._help, "advance": self._advance, "time": self._time,
            "lang": self._lang, "doc": self._doc, "say": self._say,
        }
        action = actions.get(command)
        if action is None:
            self.note(f"unknown command :{command} (:help lists them)")
        else:
            await action(rest)
        return True

    def _button(self, number: int) -> tuple[str, str | None] | None:
        choices = self.current.buttons() if self.current is not None else []
        return choices[number - 1] if 1 <= number <= len(choices) else None

    async def _press(self, number: int) -> bool:
        assert self.current is not None
        text, value = self.current.buttons()[number - 1]
        if value is not None and value in self.current.callback_data():
            update = self.api.press(self.user, self.current, value)
            await self.settle()
            answer = self.api.callback_answer(update)
            if answer is not None and answer.text:
                self.note(answer.text)
        elif value is not None:
            self.note(f"that button opens {value}")
        else:  # a reply-keyboard button sends its text
            self.api.send_text(self.user, text)
            await self.settle()
        return True

    async def _help(self, rest: str) -> None:
        self.out(HELP)

    async def _advance(self, rest: str) -> None:
        delta = parse_duration(rest)
        if delta is None or not delta:
            self.note("say how far, e.g. :advance 3d, :advance 2h or :advance 1d12h")
            return
        self.clock.offset += delta
        await self._time("")
        await self.settle(extra=SWEEP_SECONDS * 1.5)  # let a sweep run on the new time

    async def _time(self, rest: str) -> None:
        zone = self.application.services.settings.zone
        now = self.clock().astimezone(zone)
        self.note(f"the bot's clock: {now:%Y-%m-%d %H:%M} ({zone.key})")

    async def _lang(self, rest: str) -> None:
        if rest not in {"zh", "en"}:
            self.note("use :lang zh or :lang en")
            return
        self.user.language_code = rest
        # The chat keeps the language it was first given; /language switches it too.
        await self.handle(f"/language {rest}")

    def _read(self, name: str) -> tuple[str, bytes]:
        path = Path(name).expanduser()
        if not path.exists() and (self.files / name).exists():
            path = self.files / name
        return path.name, path.read_bytes()

    async def _doc(self, rest: str) -> None:
        name, _, caption = rest.partition(" ")
        try:
            filename, content = await asyncio.to_thread(self._read, name)
        except OSError as error:
            self.note(f"cannot read {name}: {error.strerror}")
            return
        self.api.send_document(self.user, filename, content, caption=caption.strip() or None)
        await self.settle()

    async def _say(self, rest: str) -> None:
        self.api.send_text(self.user, rest)
        await self.settle()


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
                print("you ▸ ", end="", flush=True)
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


def _settings(api: FakeBotAPI, workdir: Path) -> Settings:
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'demo.db'}"
    return load_settings(
        bot_token=api.token,
        bot_api_base_url=api.base_url,
        database_url=database_url,
        reminder_sweep_seconds=SWEEP_SECONDS,
        webhook_url=None,
    )


async def run_demo(language: str | None) -> int:
    lang = language or ("zh" if os.environ.get("LANG", "").lower().startswith("zh") else "en")
    interactive = sys.stdin.isatty()
    configure_logging("WARNING", DEMO_TOKEN)  # the bot's errors only, not its chatter
    with tempfile.TemporaryDirectory(prefix="renewbot-chat-") as tmp:
        workdir = Path(tmp)
        async with FakeBotAPI(token=DEMO_TOKEN, bot_username="renewbot_demo_bot") as api:
            settings = _settings(api, workdir)
            user = api.user(USER_ID, USER_NAMES[lang], language_code=lang)
            api.private_chat(user)
            where = "a temporary database" if "DATABASE_URL" not in os.environ else "DATABASE_URL"
            print(f"renewbot chat: you are talking to the bot through a local fake Telegram, "
                  f"on {where}. :help lists the demo commands, :quit leaves.", flush=True)
            clock = ShiftedClock()
            async with running_bot(settings, clock) as application:
                await converse(ChatSession(api, application, clock, user, workdir, interactive))
    return 0
