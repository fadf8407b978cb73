"""`renewbot` (and `python -m bot`): run the bot, apply migrations, check a deployment, or try
the bot in a terminal.

A failure at start-up is one line on stderr naming the cause and what to do, never a traceback,
and an exit code a service manager can tell apart (README, "Exit codes"):
0 done (or a clean stop), 1 `renewbot check` found a problem, 2 a setting is invalid,
3 the database cannot be used, 4 Telegram rejected BOT_TOKEN, 5 the Bot API cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from bot.runtime.logging_setup import RedactTokens, configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.db import Database, sqlite_path
from storage.migrate import upgrade

log = logging.getLogger("bot")

EXIT_CHECK_FAILED = 1
EXIT_CONFIGURATION = 2
EXIT_DATABASE = 3
EXIT_TOKEN_REJECTED = 4
EXIT_BOT_API_UNREACHABLE = 5


class StartupFailure(Exception):
    """Why the command cannot go on: `message` is the one line shown, `code` the exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


async def _migrate(settings: Settings, say: Callable[[str], None]) -> list[str]:
    """Apply the migrations; a missing folder of a SQLite file is created and said so."""
    url = settings.database_url
    shown = make_url(url).render_as_string(hide_password=True)
    path = sqlite_path(url)
    try:
        if path is not None and not path.parent.is_dir():
            path.parent.mkdir(parents=True)
            say(f"created the folder {path.parent} for the database")
        db = Database(url)
    except OSError as error:
        raise StartupFailure(EXIT_DATABASE, f"cannot create the database {shown}: "
                             f"{_first_line(error)}; fix DATABASE_URL") from None
    try:
        return await upgrade(db)
    except Exception as error:  # whatever the driver raises, the database is not usable
        raise StartupFailure(
            EXIT_DATABASE,
            f"cannot use the database {shown}: {_first_line(error)}; is the database server "
            f"running, and is DATABASE_URL right?",
        ) from None
    finally:
        await db.dispose()


def cmd_migrate(settings: Settings) -> int:
    applied = asyncio.run(_migrate(settings, print))
    if applied:
        noun = "migration" if len(applied) == 1 else "migrations"
        print(f"applied {len(applied)} {noun}: {', '.join(applied)}")
    else:
        print("database is up to date: nothing to apply")
    return 0


async def _reach_telegram(settings: Settings) -> None:
    """getMe once before starting, so a bad token or no network is one clear line."""
    from telegram.error import InvalidToken, NetworkError

    from bot.tools.check import api_bot

    bot = api_bot(settings)
    try:
        await bot.initialize()
    except InvalidToken:
        raise StartupFailure(
            EXIT_TOKEN_REJECTED,
            "Telegram rejected BOT_TOKEN: copy the token from @BotFather again "
            "(or check BOT_API_BASE_URL)",
        ) from None
    except NetworkError as error:
        host = urlsplit(settings.bot_api_base_url).netloc
        raise StartupFailure(
            EXIT_BOT_API_UNREACHABLE,
            f"cannot reach the Bot API at {host}: {error.message}; check the network, a "
            f"proxy, or BOT_API_BASE_URL",
        ) from None
    finally:
        await bot.shutdown()


def cmd_run(settings: Settings) -> int:
    from bot.runtime.app import build_application  # PTB is only needed for this command

    token = settings.token  # fails early, before touching the database
    configure_logging(settings.log_level, token)
    asyncio.run(_migrate(settings, log.info))
    asyncio.run(_reach_telegram(settings))
    application = build_application(settings)
    # Only the active instance receives updates; others stand by (bot/active.py).
    if settings.webhook_url:
        from bot.runtime.webhook import run_webhook

        return run_webhook(application)
    from bot.runtime.active import run_polling

    log.info("starting in polling mode")
    return run_polling(application)


def cmd_backup(settings: Settings, target: str) -> int:
    from storage.backup import BackupError, backup_sqlite

    database = sqlite_path(settings.database_url)
    if database is None:
        print("renewbot: backup: DATABASE_URL is not a SQLite file; for PostgreSQL use "
              "pg_dump (see the README, Backups)", file=sys.stderr)
        return 2
    try:
        report = backup_sqlite(database, Path(target))
    except BackupError as error:
        print(f"renewbot: backup: {error}", file=sys.stderr)
        return 1
    print(f"backup written to {report.path}: {report.cards} cards, "
          f"{report.size_bytes / 2**20:.1f} MB, integrity checked")
    return 0


def cmd_check() -> int:
    from bot.tools.check import run_checks

    return asyncio.run(run_checks())


def cmd_chat(language: str | None, files: Path | None) -> int:
    from bot.tools.demo import run_demo

    return asyncio.run(run_demo(language, files))


def main(argv: list[str] | None = None) -> int:
    # Opt in to PTB's timedelta durations (RetryAfter.retry_after); our code reads both.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    parser = argparse.ArgumentParser(prog="renewbot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("check", help="check the configuration, the database and the Bot API")
    chat = sub.add_parser(
        "chat", help="try the bot in this terminal: no token, no internet (a local fake Telegram)"
    )
    chat.add_argument("--lang", choices=("en", "zh"), help="your language (default: from LANG)")
    chat.add_argument("--files", type=Path, metavar="DIR",
                      help="where to save the files the bot sends (default: ./renewbot-files)")
    backup = sub.add_parser(
        "backup", help="write a consistent copy of the SQLite database, also while the bot runs"
    )
    backup.add_argument("path", help="the file to write")
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        if command == "check":
            return cmd_check()  # reports bad settings as one of its lines
        if command == "chat":
            return cmd_chat(args.lang, args.files)
        settings = load_settings()
        if command == "migrate":
            return cmd_migrate(settings)
        if command == "backup":
            return cmd_backup(settings, args.path)
        return cmd_run(settings)
    except SettingsError as exc:
        print(f"renewbot: {exc}", file=sys.stderr)
        return EXIT_CONFIGURATION
    except StartupFailure as failure:
        print(f"renewbot: {RedactTokens(os.environ.get('BOT_TOKEN', '')).redact(failure.message)}",
              file=sys.stderr)
        return failure.code
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
