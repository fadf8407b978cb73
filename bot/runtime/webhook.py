"""Webhook mode: a small aiohttp server in front of the Application.

PTB's own webhook server (tornado) checks the secret token but has no room for a health check,
so this one does both:

    POST <path of WEBHOOK_URL>  an update from Telegram; 403 unless the
                                X-Telegram-Bot-Api-Secret-Token header holds the secret
    GET  /healthz               200 when this is the active instance (bot.runtime.active) and the
                                database answers, 503 otherwise, so a load balancer sends
                                Telegram's requests to the active instance only
    <path of WEBAPP_URL>        the Mini App and its API (bot.webapp.server), when it is set

A stand-by serves /healthz (503) until it takes over; then it loads the current state,
starts the bot and sets the webhook. On SIGTERM (or SIGINT) the server stops accepting
requests and finishes those in flight, then the Application handles every update already
queued and lets the reminder sweep finish its batch (bot/reminders/jobs.py), and the
process exits 0.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from urllib.parse import urlsplit

from aiohttp import web
from sqlalchemy import text
from telegram import Update

from bot.runtime.active import run_until_signalled, run_while_active
from bot.runtime.services import RenewBotApplication
from bot.settings import Settings
from bot.webapp.server import add_webapp
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
        if not await database_ok(application.services.db):
            return web.Response(status=503, text="database unreachable\n")
        if not application.running:
            return web.Response(status=503, text="standing by\n")
        return web.Response(text="ok\n")

    app = web.Application()
    app.router.add_post(path, receive)
    app.router.add_get(HEALTH_PATH, health)
    if application.services.settings.webapp_url is not None:
        add_webapp(app, application)
    return app


async def serve_webhook(application: RenewBotApplication, stop: asyncio.Event) -> int:
    """Run the bot in webhook mode until `stop` is set; returns the exit code (see active)."""
    settings = application.services.settings
    assert settings.webhook_url is not None
    url = settings.webhook_url
    secret = webhook_secret(settings)
    runner = web.AppRunner(
        web_app(application, secret, webhook_path(url)),
        access_log=None,
        shutdown_timeout=_SHUTDOWN_TIMEOUT_SECONDS,
    )
    cleaned = False

    async def start_receiving() -> None:
        await application.bot.set_webhook(
            url, secret_token=secret, allowed_updates=Update.ALL_TYPES
        )

    async def stop_receiving() -> None:
        nonlocal cleaned
        if not cleaned:
            cleaned = True
            await runner.cleanup()

    await runner.setup()
    try:
        await web.TCPSite(runner, settings.webhook_listen, settings.webhook_port).start()
        log.info("webhook mode: listening on %s:%s", settings.webhook_listen,
                 settings.webhook_port)
        return await run_while_active(application, stop, start_receiving, stop_receiving)
    finally:
        await stop_receiving()  # when the server never got going


def run_webhook(application: RenewBotApplication) -> int:
    return run_until_signalled(lambda stop: serve_webhook(application, stop))
