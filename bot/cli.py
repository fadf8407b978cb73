"""`renewbot` (and `python -m bot`): run the bot, apply migrations, check a deployment, or try
the bot in a terminal."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from bot.logging_setup import configure_logging
from bot.settings import Settings, SettingsError, load_settings
from storage.db import Database
from storage.migrate import upgrade

log = logging.getLogger("bot")


async def _migrate(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


def cmd_migrate(settings: Settings) -> int:
    asyncio.run(_migrate(settings))
    print("database is up to date")
    return 0


def cmd_run(settings: Settings) -> int:
    from bot.active import run_polling  # PTB is only needed for this command
    from bot.app import build_application
    from bot.webhook import run_webhook

    token = settings.token  # fails early, before touching the database
    configure_logging(settings.log_level, token)
    asyncio.run(_migrate(settings))
    application = build_application(settings)
    # Only the active instance receives updates; others stand by (bot/active.py).
    if settings.webhook_url:
        return run_webhook(application)
    log.info("starting in polling mode")
    return run_polling(application)


def cmd_backup(settings: Settings, target: str) -> int:
    from storage.backup import BackupError, backup_sqlite

    database = settings.sqlite_path()
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
    from bot.check import run_checks

    return asyncio.run(run_checks())


def cmd_chat(language: str | None) -> int:
    from bot.demo import run_demo

    return asyncio.run(run_demo(language))


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
            return cmd_chat(args.lang)
        settings = load_settings()
        if command == "migrate":
            return cmd_migrate(settings)
        if command == "backup":
            return cmd_backup(settings, args.path)
        return cmd_run(settings)
    except SettingsError as exc:
        print(f"renewbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
