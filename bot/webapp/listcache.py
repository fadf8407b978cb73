"""The rendered card list of recently opened chats, so reopening the app or switching back to
it does not read and render 200 cards again.

An entry is dropped the moment this process commits a change to its chat (the Database's
change notifications, like bot.runtime.chatcache) and expires after a short time regardless,
which bounds how stale another instance's change can look. A list rendered from a read that
a commit overtook is not kept: every change bumps `version`, and only a list whose read began
at the current version is stored.
"""

from __future__ import annotations

from datetime import date

from bot.runtime.chatcache import ChatCache

TTL_SECONDS = 30.0
Key = tuple[date, str]  # the chat's today (days left) and language


class CardListCache:
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self._lists: ChatCache[tuple[Key, bytes]] = ChatCache(ttl=ttl, size=2_000)
        self.version = 0

    def get(self, chat_id: int, key: Key) -> bytes | None:
        entry = self._lists.get(chat_id)
        return entry[1] if entry is not None and entry[0] == key else None

    def put(self, chat_id: int, key: Key, body: bytes, read_at_version: int) -> None:
        if read_at_version == self.version:
            self._lists.put(chat_id, (key, body))

    def invalidate(self, chat_ids: set[int] | None) -> None:
        self.version += 1
        self._lists.invalidate(chat_ids)
