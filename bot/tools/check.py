"""`renewbot check`: is this deployment ready? One line per check, exit code 0 only when all pass.

    configuration  ok    polling, postgresql database
    database       ok    reachable, migrations applied
    bot api        ok    @my_renew_bot

A failed check says why in the same line; checks that depend on it are reported as skipped.
Nothing printed ever contains the token.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from telegram import Bot
from telegram.error import TelegramError

from bot.runtime.logging_setup import RedactTokens
from bot.runtime.request import BoundedRequest
from bot.settings import Settings, SettingsError, load_settings
from storage.db import Database, sqlite_path
from storage.migrate import at_newest, is_up_to_date, sqlite_revisions

_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as a secret_token


@dataclass(frozen=True)
class Result:
    name: str
    ok: bool | None  # None: skipped
    detail: str

    def line(self) -> str:
        status = {True: "ok", False: "FAIL", None: "skip"}[self.ok]
        return f"{self.name:<14} {status:<5} {self.detail}"


def check_settings() -> tuple[Result, Settings | None]:
    name = "configuration"
    try:
        settings = load_settings()
        settings.token  # noqa: B018 - loading allows no BOT_TOKEN; running needs one
    except SettingsError as error:
        return Result(name, False, str(error)), None
    backend = settings.database_url.split(":", 1)[0].split("+", 1)[0]
    if not settings.webhook_url:
        return Result(name, True, f"polling, {backend} database"), settings
    url = urlsplit(settings.webhook_url)
    if url.scheme != "https" or not url.hostname:
        return Result(name, False, "WEBHOOK_URL: must be an https:// URL"), None
    secret = settings.webhook_secret
    if secret is not None and not _SECRET_RE.match(secret.get_secret_value()):
        return Result(name, False, "WEBHOOK_SECRET: use 1-256 of A-Z a-z 0-9 _ -"), None
    return Result(name, True, f"webhook {settings.webhook_url}, {backend} database"), settings


def _check_sqlite(path: Path) -> Result:
    """A SQLite file, looked at without creating anything (no file, folder, -wal or -shm)."""
    name = "database"
    if not path.parent.is_dir():
        return Result(name, False, f"the folder {path.parent} does not exist: fix DATABASE_URL, "
                                   f"or run `renewbot migrate` to create it")
    if not path.is_file():
        return Result(name, False, f"{path} does not exist yet: run `renewbot migrate`")
    try:
        current = sqlite_revisions(path)
    except sqlite3.Error as error:
        return Result(name, False, f"unreadable: {type(error).__name__}: {error}")
    if not at_newest(current):
        return Result(name, False, "migrations not applied: run `renewbot migrate`")
    return Result(name, True, "reachable, migrations applied")


async def check_database(settings: Settings) -> Result:
    name = "database"
    path = sqlite_path(settings.database_url)
    if path is not None:
        return await asyncio.to_thread(_check_sqlite, path)
    db = Database(settings.database_url)
    try:
        current = await is_up_to_date(db)
    except Exception as error:  # whatever the driver raises, the database is not usable
        return Result(name, False, f"unreachable: {type(error).__name__}: {error}")
    finally:
        await db.dispose()
    if not current:
        return Result(name, False, "migrations not applied: run `renewbot migrate`")
    return Result(name, True, "reachable, migrations applied")


def api_bot(settings: Settings) -> Bot:
    """A Bot for a one-off call (getMe) over the bot's own HTTP client: what it reaches (a
    proxy from the environment included), the running bot reaches."""
    return Bot(settings.token, base_url=settings.bot_api_base_url, request=BoundedRequest(1))


async def check_bot_api(settings: Settings) -> Result:
    name = "bot api"
    bot = api_bot(settings)
    try:
        await bot.initialize()  # calls getMe
    except TelegramError as error:
        return Result(name, False, f"getMe failed: {error.message}")
    finally:
        await bot.shutdown()
    return Result(name, True, f"@{bot.username}")


async def run_checks() -> int:
    settings_result, settings = check_settings()
    results = [settings_result]
    if settings is None:
        results += [Result("database", None, "needs a valid configuration"),
                    Result("bot api", None, "needs a valid configuration")]
    else:
        results += [await check_database(settings), await check_bot_api(settings)]
    redact = RedactTokens(settings.token if settings else "")
    for result in results:
        print(redact.redact(result.line()))
    return 0 if all(result.ok for result in results) else 1
