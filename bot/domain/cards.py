"""Every way a card changes: each is one unit of work that applies the rules in one place
(the card limit, "a new expiry starts a new period", the next reminder moment)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from bot.domain.errors import CardLimitReached, CardNotFound
from bot.domain.preferences import ChatPolicy
from bot.domain.schedule import refresh_card
from bot.domain.unit import Unit, unit_of_work
from bot.reminders.moments import snooze_until
from bot.settings import Settings
from storage.db import Database
from storage.models import Card, Chat, Renewal

MAX_CARDS_PER_CHAT = 200

# A new expiry starts a new period: a snooze or "stop reminding" of the old one is over.
_NEW_PERIOD: dict[str, Any] = {"lapsed": False, "snoozed_until": None}
# What forgetting a chat puts back (its language follows the user's Telegram again).
_DEFAULT_SETTINGS: dict[str, Any] = {
    "language": None, "language_chosen": False, "timezone": None, "remind_at": None,
    "default_lead_days": None, "reminders_enabled": True, "reminder_thread_id": None,
}  # fmt: skip


@dataclass(frozen=True)
class CardChange:
    """One row of an import: a new card (card_id None) or new values for an existing one."""

    card_id: int | None
    columns: Mapping[str, Any]


@dataclass(frozen=True)
class Imported:
    added: int
    updated: int


# Checks an import against the chat's cards as they are in the import's own transaction
# (by id) and returns what to write; raising there leaves every card as it was.
ImportPlan = Callable[[dict[int, Card]], Sequence[CardChange]]


class CardService:
    def __init__(self, db: Database, settings: Settings, now: Callable[[], datetime]) -> None:
        self.db = db
        self.settings = settings
        self.now = now

    # ----------------------------------------------------------------------- reading

    async def get(self, chat_id: int, card_id: int) -> Card | None:
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.cards.get(chat_id, card_id)

    async def numbered(self, chat_id: int, number: int) -> Card | None:
        """The chat's card #number ("/card 3"): numbers are the chat's own, ids never shown."""
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.cards.numbered(chat_id, number)

    async def in_chat(self, chat_id: int, limit: int | None = None) -> list[Card]:
        """The chat's cards, nearest expiry first."""
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.cards.in_chat(chat_id, limit=limit)

    async def count(self, chat_id: int) -> int:
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.cards.count(chat_id)

    async def with_history(
        self, chat_id: int, card_id: int
    ) -> tuple[Card | None, Sequence[Renewal]]:
        """A card and its renewals, newest first."""
        async with unit_of_work(self.db, readonly=True) as unit:
            card = await unit.cards.get(chat_id, card_id)
            return card, await unit.cards.history(chat_id, card_id)

    async def renewal(self, chat_id: int, renewal_id: int) -> Renewal | None:
        async with unit_of_work(self.db, readonly=True) as unit:
            return await unit.cards.get_renewal(chat_id, renewal_id)

    async def with_renewals(
        self, chat_id: int, since: datetime | None = None
    ) -> tuple[list[Card], list[tuple[Renewal, Card]]]:
        """The chat's cards and its renewals (since a moment, oldest first), read together."""
        async with unit_of_work(self.db, readonly=True) as unit:
            cards = await unit.cards.in_chat(chat_id)
            return cards, await unit.renewals.for_chat(chat_id, since=since)

    async def ensure_room(self, chat_id: int) -> None:
        """CardLimitReached when the chat cannot take one more card (asked before a new
        card's questions; create() checks again when it saves)."""
        async with unit_of_work(self.db, readonly=True) as unit:
            await _ensure_room(unit, chat_id, 1)

    # ----------------------------------------------------------------------- changing

    async def create(
        self, chat: Chat, *, created_by: int, thread_id: int | None, columns: Mapping[str, Any]
    ) -> Card:
        assert chat.id is not None
        async with unit_of_work(self.db) as unit:
            await _ensure_room(unit, chat.id, 1)
            return await self._add(unit, chat, created_by, thread_id, columns)

    async def edit(self, chat: Chat, card_id: int, columns: Mapping[str, Any]) -> Card:
        async with unit_of_work(self.db) as unit:
            return await self._change(unit, chat, await _card(unit, chat, card_id), columns)

    async def renew(
        self, chat: Chat, card_id: int, new_expires_on: date, *, renewed_by: int,
        **details: Any,
    ) -> tuple[Card, Renewal]:
        """Keep the renewal in the card's history and move the card to its new expiry.
        `details` (amount, currency, channel, note) are what is known of it already; the
        chat asks them afterwards (describe_renewal), the Mini App with the date."""
        async with unit_of_work(self.db) as unit:
            card = await _card(unit, chat, card_id)
            now = self.now()
            renewal = await unit.cards.record_renewal(
                card, new_expires_on, renewed_at=now, renewed_by=renewed_by, **details
            )
            await unit.cards.update(card, **_NEW_PERIOD)
            await refresh_card(unit.session, card, chat, self.settings, now, keep_pending=False)
            return card, renewal

    async def describe_renewal(self, chat_id: int, renewal_id: int, **details: Any) -> None:
        """Fill in a recorded renewal's amount, channel, note or receipt."""
        async with unit_of_work(self.db) as unit:
            await unit.cards.update_renewal(chat_id, renewal_id, **details)

    async def snooze(self, chat: Chat, card_id: int, choice: str) -> datetime:
        """Remind again at the chosen time ("1h", "evening", "tomorrow", "3d"); returns when."""
        policy = ChatPolicy.of(chat, self.settings)
        now = self.now()
        until = snooze_until(now, policy.remind_at, policy.timezone, choice)
        async with unit_of_work(self.db) as unit:
            card = await _card(unit, chat, card_id)
            await unit.cards.update(card, snoozed_until=until)
            await refresh_card(unit.session, card, chat, self.settings, now)
        return until

    async def stop_reminders(self, chat: Chat, card_id: int) -> Card:
        """No more reminders for this expiry (a renewal or a new expiry restarts them)."""
        async with unit_of_work(self.db) as unit:
            card = await _card(unit, chat, card_id)
            return await self._change(unit, chat, card, {"lapsed": True, "snoozed_until": None})

    async def resume_reminders(self, chat: Chat, card_id: int) -> Card:
        async with unit_of_work(self.db) as unit:
            card = await _card(unit, chat, card_id)
            await unit.cards.update(card, **_NEW_PERIOD)
            # Resuming must not replay the moments that passed while reminders were off.
            await refresh_card(unit.session, card, chat, self.settings, self.now(),
                               keep_pending=False)
            return card

    async def set_lead_days(self, chat: Chat, card_id: int, lead_days: str | None) -> Card:
        """The card's own lead days ("7,3,1,0"), or None to follow the chat's."""
        async with unit_of_work(self.db) as unit:
            card = await _card(unit, chat, card_id)
            return await self._change(unit, chat, card, {"lead_days": lead_days})

    async def delete(self, chat_id: int, card_id: int) -> Card:
        """Its renewals and deliveries go with it (ON DELETE CASCADE)."""
        async with unit_of_work(self.db) as unit:
            card = await unit.cards.get(chat_id, card_id)
            if card is None:
                raise CardNotFound()
            await unit.cards.delete(chat_id, card_id)
            return card

    async def forget(self, chat_id: int) -> int:
        """Delete a private chat's cards and put its settings back; returns how many cards."""
        async with unit_of_work(self.db) as unit:
            removed = await unit.cards.delete_all(chat_id)
            chat = await unit.chats.get(chat_id)
            if chat is not None:
                await unit.chats.update_settings(chat, **_DEFAULT_SETTINGS)
            return removed

    async def import_cards(
        self, chat: Chat, plan: ImportPlan, *, created_by: int, thread_id: int | None
    ) -> Imported:
        """All rows or none: the plan sees the cards as they are written, and a failure
        anywhere (the plan's own, or the card limit) leaves the chat's cards as they were."""
        assert chat.id is not None
        async with unit_of_work(self.db) as unit:
            cards = {card.id: card for card in await unit.cards.in_chat(chat.id) if card.id}
            changes = plan(cards)
            added = sum(1 for change in changes if change.card_id is None)
            if len(cards) + added > MAX_CARDS_PER_CHAT:
                raise CardLimitReached(len(cards), MAX_CARDS_PER_CHAT, added)
            for change in changes:
                if change.card_id is None:
                    await self._add(unit, chat, created_by, thread_id, change.columns)
                else:
                    await self._change(unit, chat, cards[change.card_id], change.columns)
        return Imported(added=added, updated=len(changes) - added)

    # ----------------------------------------------------------------------- the rules

    async def _add(
        self, unit: Unit, chat: Chat, created_by: int, thread_id: int | None,
        columns: Mapping[str, Any],
    ) -> Card:
        card = await unit.cards.add(
            Card(chat_id=chat.id, created_by=created_by, thread_id=thread_id, **columns)
        )
        await refresh_card(unit.session, card, chat, self.settings, self.now(),
                           keep_pending=False)
        return card

    async def _change(
        self, unit: Unit, chat: Chat, card: Card, columns: Mapping[str, Any]
    ) -> Card:
        moved = "expires_on" in columns and columns["expires_on"] != card.expires_on
        await unit.cards.update(card, **(dict(columns) | (_NEW_PERIOD if moved else {})))
        # A reminder due right now stays due unless the expiry itself changed.
        await refresh_card(unit.session, card, chat, self.settings, self.now(),
                           keep_pending=not moved)
        return card


async def _ensure_room(unit: Unit, chat_id: int, adding: int) -> None:
    count = await unit.cards.count(chat_id)
    if count + adding > MAX_CARDS_PER_CHAT:
        raise CardLimitReached(count, MAX_CARDS_PER_CHAT, adding)


async def _card(unit: Unit, chat: Chat, card_id: int) -> Card:
    assert chat.id is not None
    card = await unit.cards.get(chat.id, card_id)
    if card is None:
        raise CardNotFound()
    return card
