"""`renewbot` (and `python -m bot`): run the bot, apply migrations."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys

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
    from bot.app import build_application  # PTB is only needed for this command

    token = settings.token  # fails early, before touching the database
    configure_logging(settings.log_level, token)
    asyncio.run(_migrate(settings))
    application = build_application(settings)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        log.info("webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        application.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path="telegram",
            webhook_url=settings.webhook_url,
            secret_token=secret,
        )
    else:
        log.info("starting in polling mode")
        application.run_polling()
    return 0


def main(argv: list[str] | None = None) -> int:
    # Opt in to PTB's timedelta durations (RetryAfter.retry_after); our code reads both.
    os.environ.setdefault("PTB_TIMEDELTA", "1")
    parser = argparse.ArgumentParser(prog="renewbot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bot (polling, or webhook when WEBHOOK_URL is set)")
    sub.add_parser("migrate", help="apply database migrations")
    args = parser.parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
        if command == "migrate":
            return cmd_migrate(settings)
        return cmd_run(settings)
    except SettingsError as exc:
        print(f"renewbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
