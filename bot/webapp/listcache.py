"""The rendered card list of recently opened chats, so reopening the app or switching back to
it does not read and render 200 cards again.

A ChatCache (bot.runtime.chatcache): an entry is dropped the moment this process commits a
change to its chat and expires after a short time regardless. A list rendered from a read
that a commit to its chat overtook is not kept.
"""

from __future__ import annotations

from datetime import date

from bot.runtime.chatcache import ChatCache

Key = tuple[date, str]  # the chat's today (days left) and language


class CardListCache(ChatCache[tuple[Key, bytes]]):
    def __init__(self) -> None:
        super().__init__(ttl=30.0, size=2_000)

    def rendered(self, chat_id: int, key: Key) -> bytes | None:
        entry = self.get(chat_id)
        return entry[1] if entry is not None and entry[0] == key else None

    def keep(self, chat_id: int, key: Key, body: bytes, read_at: int) -> None:
        """Store a list whose read began at generation `read_at`, if its chat did not change
        since."""
        self.store(chat_id, (key, body), read_at)
