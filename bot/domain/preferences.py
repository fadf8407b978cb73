"""A chat's reminder settings with the configured defaults filled in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from zoneinfo import ZoneInfo

from bot.settings import Settings
from storage.models import Card, Chat


def split_days(stored: str) -> tuple[int, ...]:
    """Lead days as stored ("7,3,1,0"; validated when they were saved)."""
    return tuple(int(part) for part in stored.split(",") if part.strip())


def join_days(days: tuple[int, ...]) -> str:
    return ",".join(str(day) for day in days)


def parse_hhmm(stored: str) -> time:
    hours, minutes = stored.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class ChatPolicy:
    timezone: str
    remind_at: time
    lead_days: tuple[int, ...]
    overdue_days: int
    enabled: bool  # reminders on and the bot still in the chat

    @classmethod
    def of(cls, chat: Chat, settings: Settings) -> ChatPolicy:
        return cls(
            timezone=chat.timezone or settings.default_timezone,
            remind_at=parse_hhmm(chat.remind_at) if chat.remind_at else settings.default_remind_at,
            lead_days=(
                split_days(chat.default_lead_days)
                if chat.default_lead_days
                else settings.default_lead_days
            ),
            overdue_days=settings.overdue_reminder_days,
            enabled=chat.reminders_enabled and chat.active,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def leads_for(self, card: Card) -> tuple[int, ...]:
        """A card's own lead days override the chat's."""
        return split_days(card.lead_days) if card.lead_days else self.lead_days
