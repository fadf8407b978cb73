"""Concurrent update handling that keeps each chat in order.

PTB's ConversationHandler needs a chat's updates one at a time, so the default is to
process every update sequentially: one slow reply then delays every other user. This
processor serialises updates per chat (FIFO, asyncio.Lock is fair) and runs different
chats concurrently, up to a bound.

Telegram may deliver an update again (a webhook answer that came too late, a getUpdates
offset that was not confirmed before a restart). The recent update ids are remembered and a
second delivery is dropped: a button pressed once acts once, a message is answered once.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from collections.abc import Awaitable
from dataclasses import dataclass, field

from telegram import Update
from telegram.ext import BaseUpdateProcessor


@dataclass
class _ChatTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


def _chat_key(update: object) -> int | None:
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


RECENT_UPDATES = 10_000  # update ids remembered to drop redeliveries


class PerChatUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 32) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[int, _ChatTurn] = {}
        self._seen: OrderedDict[int, None] = OrderedDict()

    def _redelivered(self, update: object) -> bool:
        if not isinstance(update, Update):
            return False
        if update.update_id in self._seen:
            return True
        self._seen[update.update_id] = None
        if len(self._seen) > RECENT_UPDATES:
            self._seen.popitem(last=False)
        return False

    # PTB marks process_update final, but a chat's turn must be taken before a concurrency
    # slot (see below), which do_process_update runs too late to do.
    async def process_update(  # type: ignore[misc]
        self, update: object, coroutine: Awaitable[object]
    ) -> None:
        if self._redelivered(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started: nothing to clean up
            return
        key = _chat_key(update)
        if key is None:
            await super().process_update(update, coroutine)
            return
        turn = self._turns.setdefault(key, _ChatTurn())
        turn.waiting += 1
        try:
            # Take the chat's turn before a concurrency slot, so a flood from one chat
            # waits in its own line instead of holding slots other chats need.
            async with turn.lock:
                await super().process_update(update, coroutine)
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                del self._turns[key]

    async def do_process_update(self, update: object, coroutine: Awaitable[object]) -> None:
        await coroutine

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
