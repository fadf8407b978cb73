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
from collections.abc import Awaitable, Callable
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
        # Counts invalidations. A reader notes it when a read begins (read_at) and stores what
        # it read only if its chat has not changed since: a commit to another chat (a busy
        # bot commits all the time) must not keep everyone else's reads out of the cache.
        self.generation = 0
        # The generation of each recently changed chat's last change, oldest first, at most
        # `size` of them; a chat no longer listed may have changed as late as `_forgotten`.
        self._changed: OrderedDict[int, int] = OrderedDict()
        self._forgotten = 0

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

    def changed_since(self, chat_id: int, read_at: int) -> bool:
        """Whether a commit to the chat landed after generation `read_at`."""
        return max(self._changed.get(chat_id, 0), self._forgotten) > read_at

    def store(self, chat_id: int, value: T, read_at: int) -> None:
        """Keep what a read that began at generation `read_at` found, unless a commit to the
        chat overtook the read (the value may predate it)."""
        if not self.changed_since(chat_id, read_at):
            self.put(chat_id, value)

    async def fetch(self, chat_id: int, load: Callable[[], Awaitable[T | None]]) -> T | None:
        """The chat's cached value, or what `load` reads (kept unless overtaken)."""
        value = self.get(chat_id)
        if value is None:
            read_at = self.generation
            value = await load()
            if value is not None:
                self.store(chat_id, value, read_at)
        return value

    def invalidate(self, chat_ids: set[int] | None) -> None:
        """Forget these chats (None: every chat)."""
        self.generation += 1
        if chat_ids is None:
            self._entries.clear()
            self._changed.clear()
            self._forgotten = self.generation
            return
        for chat_id in chat_ids:
            self._entries.pop(chat_id, None)
            self._changed[chat_id] = self.generation
            self._changed.move_to_end(chat_id)
        while len(self._changed) > self.size:
            # Generations grow in this order, so the last one dropped is the newest dropped.
            self._forgotten = self._changed.popitem(last=False)[1]


@dataclass(frozen=True, slots=True)
class ChatKnowledge:
    """What answering a chat's questions needs besides its row."""

    custom: tuple[CustomEntry, ...] = ()  # a group's own FAQ entries
    card_numbers: frozenset[int] = frozenset()  # the chat's cards, as /card numbers them
    carriers: tuple[str, ...] = ()  # carriers of the chat's recorded cards
