"""Every way a chat changes: its settings, and the bot being blocked, back, or moved to a
supergroup. Settings that move reminders recompute the chat's cards in the same unit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.schedule import refresh_chat
from bot.domain.unit import unit_of_work
from bot.settings import Settings
from storage.db import Database
from storage.models import Chat, FaqEntry

# The settings that decide when reminders arrive (language and topic do not).
_SCHEDULE_SETTINGS = frozenset({"timezone", "remind_at", "default_lead_days", "reminders_enabled"})


@dataclass(frozen=True)
class ChatProfile:
    """What answering a chat's questions needs besides the chat row: its own FAQ answers, and
    its cards' numbers and carriers."""

    faq: Sequence[FaqEntry]
    card_numbers: frozenset[int]
    carriers: Sequence[str]


class ChatService:
    def __init__(self, db: Database, settings: Settings, now: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.now = now

    async def known(self, chat_ids: Iterable[int]) -> set[int]:
        """Those of `chat_ids` the bot has a chat with (someone there wrote to it)."""
        async with unit_of_work(self.db, readonly=True) as unit:
            return {chat_id for chat_id in chat_ids if await unit.chats.get(chat_id) is not None}

    async def profile(self, chat_id: int, *, with_faq: bool) -> ChatProfile:
        async with unit_of_work(self.db, readonly=True) as unit:
            faq = await unit.faq.list(chat_id) if with_faq else []
            cards = await unit.cards.numbers_and_carriers(chat_id)
        carriers = dict.fromkeys(carrier for _number, carrier in cards if carrier)
        return ChatProfile(faq, frozenset(number for number, _carrier in cards), tuple(carriers))

    async def change_settings(self, chat_id: int, **values: object) -> tuple[Chat, int]:
        """Save some of a chat's settings (timezone, remind_at, default_lead_days,
        reminders_enabled, language, reminder_thread_id). Returns the chat and how many
        cards' reminders were recomputed (none when only language or topic changed)."""
        async with unit_of_work(self.db) as unit:
            chat = await unit.chats.get(chat_id)
            assert chat is not None, "settings change for an unknown chat"
            if "language" in values:
                values["language_chosen"] = True
            await unit.chats.update_settings(chat, **values)
            if _SCHEDULE_SETTINGS.isdisjoint(values):
                return chat, 0
            return chat, await refresh_chat(unit.session, chat, self.settings, self.now())

    async def set_language(self, chat_id: int, language: str) -> None:
        """The language chosen for the chat (/language)."""
        async with unit_of_work(self.db) as unit:
            await unit.chats.set_language(chat_id, language)

    async def adopt_language(self, chat: Chat, language: str) -> Chat:
        """The language the user first clearly wrote in, for a chat whose language was never
        chosen: from then on it is the chat's choice. Returns the saved row."""
        async with unit_of_work(self.db) as unit:
            return await unit.chats.adopt_language(chat, language)

    async def started(
        self, chat_id: int, chat_type: str, title: str | None, language: str | None
    ) -> Chat:
        """/start: register the chat, or make it active again; a chat that had blocked the
        bot gets its reminders back."""
        async with unit_of_work(self.db) as unit:
            known = await unit.chats.get(chat_id)
            paused = known is not None and not known.active
            chat, _created = await unit.chats.register(chat_id, chat_type, title, language)
            if paused:
                await refresh_chat(unit.session, chat, self.settings, self.now())
            return chat

    async def unblocked(
        self, chat_id: int, chat_type: str, title: str | None, language: str | None
    ) -> Chat:
        """The bot is back in the chat (unblocked, or re-added to the group): reminders
        resume."""
        async with unit_of_work(self.db) as unit:
            chat, _created = await unit.chats.register(chat_id, chat_type, title, language)
            await refresh_chat(unit.session, chat, self.settings, self.now())
            return chat

    async def blocked(self, chat_id: int) -> None:
        """The bot was blocked or removed, whoever noticed it (a membership update, a
        reminder or a broadcast): the chat is paused until it comes back (/start)."""
        async with unit_of_work(self.db) as unit:
            await unit.chats.set_active(chat_id, False)
            await unit.deliveries.pause_chat(chat_id)

    async def migrated(self, old_id: int, new_id: int) -> bool:
        """A group became a supergroup: its rows move to the new id."""
        async with unit_of_work(self.db) as unit:
            return await unit.chats.migrate(old_id, new_id)
