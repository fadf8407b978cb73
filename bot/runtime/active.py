"""Which instance handles updates, and running it until it stops.

Telegram hands updates to one receiver, so of several instances on one PostgreSQL database
exactly one is *active*: the holder of an advisory lock. The others stand by: they never
call getUpdates (so nobody gets 409 Conflict) and in webhook mode their /healthz says 503,
so a load balancer sends the traffic to the active one. A stand-by tries for the lock every
second; the lock lives on one connection, so it is free the moment the active process dies
(and, if its host vanishes, once PostgreSQL's keepalive gives up on the connection: a few
seconds, see bot.reminders.leader).

The Application is initialised only when its instance becomes active: that is when PTB's
persistence loads conversation states and user/chat data, so the stand-by that takes over
continues every conversation from what the dead instance last stored. An instance that
loses the lock stops at once and exits 1: restarted (systemd's Restart=on-failure), it
comes back as a stand-by. On SQLite (one process) the instance is active at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError
from telegram import Update

from bot.reminders.leader import SweepLeader
from bot.runtime.services import RenewBotApplication
from bot.webapp.server import polling_server

log = logging.getLogger(__name__)

ACTIVE_LOCK_KEY = 0x52454D41
STANDBY_RETRY_SECONDS = 1.0  # how soon a stand-by notices that the active instance is gone
CHECK_SECONDS = 2.0  # how often the active instance makes sure it still holds the lock
CHECK_TIMEOUT_SECONDS = 5.0  # a lock check that hangs this long counts as lost
EXIT_LOST_LOCK = 1


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await stop.wait()


class ActiveRole:
    def __init__(self, application: RenewBotApplication) -> None:
        self.leader = SweepLeader(
            application.services.db, key=ACTIVE_LOCK_KEY, role="Telegram updates"
        )

    async def _try(self) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
                return await self.leader.acquire()
        except (OSError, TimeoutError, SQLAlchemyError) as error:
            log.warning("cannot reach the database for the active lock: %s", error)
            return False

    async def wait(self, stop: asyncio.Event) -> bool:
        """Stand by until this instance holds the lock (True) or `stop` is set (False)."""
        announced = False
        while not stop.is_set():
            if await self._try():
                return True
            if not announced:
                log.info("standing by: another instance is active")
                announced = True
            await _pause(stop, STANDBY_RETRY_SECONDS)
        return False

    async def hold(self, stop: asyncio.Event) -> bool:
        """Keep checking the lock until `stop` is set (False) or the lock is lost (True)."""
        while not stop.is_set():
            await _pause(stop, CHECK_SECONDS)
            if not stop.is_set() and not await self._try():
                return True
        return False

    async def release(self) -> None:
        with contextlib.suppress(OSError, SQLAlchemyError):
            await self.leader.release()


async def run_while_active(
    application: RenewBotApplication,
    stop: asyncio.Event,
    start_receiving: Callable[[], Awaitable[object]],
    stop_receiving: Callable[[], Awaitable[object]],
) -> int:
    """Stand by, then load the current state, start the bot and receive updates until
    `stop` is set (exit code 0) or the active lock is lost (1).

    On the way out updates stop coming in first, then the Application finishes those it
    holds and the reminder batch in progress (post_stop), as PTB's run_polling does.
    """
    role = ActiveRole(application)
    if not await role.wait(stop):
        return 0
    lost = False
    try:
        await application.initialize()  # loads conversations and user/chat data now
        if application.post_init:
            await application.post_init(application)
        await start_receiving()
        await application.start()
        log.info("this instance is active: handling updates")
        lost = await role.hold(stop)
        if lost:
            log.error("lost the active lock; stopping so that this instance stands by again")
    finally:
        await stop_receiving()
        if application.running:
            await application.stop()
            if application.post_stop:
                await application.post_stop(application)
        await application.shutdown()
        await role.release()
    return EXIT_LOST_LOCK if lost else 0


async def serve_polling(application: RenewBotApplication, stop: asyncio.Event) -> int:
    """Polling mode: only the active instance calls getUpdates."""
    updater = application.updater
    assert updater is not None

    async def start_receiving() -> None:
        # chat_member updates (admin changes) only come when asked for.
        await updater.start_polling(allowed_updates=Update.ALL_TYPES)

    async def stop_receiving() -> None:
        if updater.running:
            await updater.stop()

    async with polling_server(application):  # the Mini App's server, if WEBAPP_URL is set
        return await run_while_active(application, stop, start_receiving, stop_receiving)


def run_until_signalled(serve: Callable[[asyncio.Event], Awaitable[int]]) -> int:
    """Run `serve` until SIGTERM or SIGINT (a clean stop); returns its exit code."""

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        return await serve(stop)

    return asyncio.run(main())


def run_polling(application: RenewBotApplication) -> int:
    return run_until_signalled(lambda stop: serve_polling(application, stop))
