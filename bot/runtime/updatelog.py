"""One log line per update: what it was and how long handling it took.

Two TypeHandlers bracket every other handler group: the first (FIRST_GROUP) stamps the start,
the last (LAST_GROUP) logs. PTB builds one context per update and hands it to every group, so
the stamp travels on the context. (A handler that raises ApplicationHandlerStop ends the update
before the last group, and with it its log line; none of ours does.)
"""

from __future__ import annotations

import logging
import time

from telegram import Update
from telegram.ext import BaseHandler, TypeHandler

from bot.runtime.errors import describe_update
from bot.runtime.services import BotContext

log = logging.getLogger("bot.updates")

FIRST_GROUP = -1_000
LAST_GROUP = 1_000
_STARTED = "update_started"


async def _stamp(update: object, context: BotContext) -> None:
    # CallbackContext keeps a __dict__ for attributes of one's own.
    context.__dict__[_STARTED] = time.perf_counter()


async def _log(update: object, context: BotContext) -> None:
    started = context.__dict__.pop(_STARTED, None)
    if started is not None:
        millis = (time.perf_counter() - started) * 1000
        log.info("handled %s in %.1f ms", describe_update(update), millis)


def first() -> BaseHandler:
    return TypeHandler(Update, _stamp)


def last() -> BaseHandler:
    return TypeHandler(Update, _log)
