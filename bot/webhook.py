"""Webhook mode: a small aiohttp server in front of the Application.

PTB's own webhook server (tornado) checks the secret token but has no room for a health check,
so this one does both:

    POST <path of WEBHOOK_URL>  an update from Telegram; 403 unless the
                                X-Telegram-Bot-Api-Secret-Token header holds the secret
    GET  /healthz               200 when the database answers, 503 otherwise

On SIGTERM (or SIGINT) the server stops accepting requests and finishes those in flight, then
the Application handles every update already queued and lets the reminder sweep finish its
batch (bot/reminders/jobs.py), and the process exits 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import signal
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.services import RenewBotApplication
from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
HEALTH_PATH = "/healthz"
HEALTH_TIMEOUT_SECONDS = 3.0
_SHUTDOWN_TIMEOUT_SECONDS = 10.0


def webhook_secret(settings: Settings) -> str:
    """WEBHOOK_SECRET, or one derived from the token: every instance of the bot derives the
    same one, and nobody without the token can guess it."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return hmac.new(settings.token.encode(), b"renewbot-webhook", hashlib.sha256).hexdigest()


def webhook_path(url: str) -> str:
    """Where Telegram's POSTs arrive: the path of WEBHOOK_URL (a reverse proxy must pass it
    on unchanged)."""
    return urlsplit(url).path or "/"


async def database_ok(db: Database) -> bool:
    try:
        async with asyncio.timeout(HEALTH_TIMEOUT_SECONDS), db.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not healthy"; say why in the log
        log.warning("health check: database unreachable: %s", error)
        return False
    return True


def web_app(application: RenewBotApplication, secret: str, path: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        if not application.running:  # stopping: Telegram keeps the update and retries
            return web.Response(status=503)
        try:
            update = Update.de_json(await request.json(), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError):  # not JSON, or not an Update
            return web.Response(status=400)
        await application.update_queue.put(update)
        return web.Response()

    async def health(request: web.Request) -> web.Response:
        if await database_ok(application.services.db):
            return web.Response(text="ok\n")
        return web.Response(status=503, text="database unreachable\n")

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get(HEALTH_PATH, health)
    return app


async def serve_webhook(application: RenewBotApplication, stop: asyncio.Event) -> None:
    """Run the bot in webhook mode until `stop` is set, then shut down gracefully."""
    settings = application.services.settings
    assert settings.webhook_url is not None
    secret = webhook_secret(settings)
    runner = web.AppRunner(
        web_app(application, secret, webhook_path(settings.webhook_url)),
        access_log=None,
        shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS,
    )
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        await application.start()
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        await application.bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )
        log.info("webhook mode: listening on %s:%s", settings.webhook_listen,
                 settings.webhook_port)
        await stop.wait()
        log.info("stopping: finishing the requests and updates in flight")
    finally:
        await runner.cleanup()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()


def run_webhook(application: RenewBotApplication) -> None:
    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve_webhook(application, stop)

    asyncio.run(main())
