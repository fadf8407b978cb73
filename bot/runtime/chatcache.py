"""Short-lived in-memory caches of what serving a chat needs (its row; for answering
questions, its card carriers and FAQ entries), so a busy bot does not read them for every
message.

Entries are dropped as soon as this process commits a change to the chat (Database
change notifications) and expire after `ttl` seconds regardless, which bounds how stale
another instance's change (several instances on PostgreSQL) can look here.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from bot.knowledge import CustomEntry

T = TypeVar("T")


class ChatCache(Generic[T]):
    def __init__(
        self, ttl: float = 30.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self._clock = clock
        self._entries: OrderedDict[int, tuple[float, T]] = OrderedDict()
        # Counts invalidations: whoever kept a value from this cache may keep using it while
        # this has not changed (bot.runtime.chatscope, within one update).
        self.generation = 0

    def get(self, chat_id: int) -> T | None:
        entry = self._entries.get(chat_id)
        if entry is None:
            return None
        stored_at, value = entry
        if self._clock() - stored_at > self.ttl:
            del self._entries[chat_id]
            return None
        self._entries.move_to_end(chat_id)
        return value

    def put(self, chat_id: int, value: T) -> None:
        self._entries[chat_id] = (self._clock(), value)
        self._entries.move_to_end(chat_id)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)

    def invalidate(self, chat_ids: set[int] | None) -> None:
        """Forget these chats (None: every chat)."""
        self.generation += 1
        if chat_ids is None:
            self._entries.clear()
            return
        for chat_id in chat_ids:
            self._entries.pop(chat_id, None)


@dataclass(frozen=True, slots=True)
class ChatKnowledge:
    """What answering a chat's questions needs besides its row."""

    custom: tuple[CustomEntry, ...] = ()  # a group's own FAQ entries
    carriers: tuple[str, ...] = ()  # carriers of the chat's recorded cards
