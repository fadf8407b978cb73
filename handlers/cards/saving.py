"""Writing a card: the one path /addcard, /editcard, /renewed and the Mini App all take, so a
saved card always gets the same rules (the chat's card limit, a new expiry ending a snooze or
"stop", next_remind_at recomputed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.i18n import Translator
from bot.reminders.schedule import refresh_card
from bot.settings import Settings
from handlers.cards.fields import Values, columns_of
from storage.db import Database
from storage.models import Card, Chat, Renewal
from storage.repositories.cards import MAX_CARDS_PER_CHAT, CardRepository


class CardLimitReached(Exception):
    """The chat already holds MAX_CARDS_PER_CHAT cards."""


def limit_text(_: Translator) -> str:
    return _(
        "This chat already has {max} cards, the most I can keep. Delete one with /delcard first."
    ).format(max=MAX_CARDS_PER_CHAT)


async def save_card(
    db: Database, chat: Chat, settings: Settings, now: datetime, values: Values, *,
    card_id: int | None, created_by: int, thread_id: int | None = None,
) -> Card | None:
    """Add a card (card_id None) or overwrite one of the chat's cards with a complete draft.
    None: the card is not the chat's (or was deleted); CardLimitReached: no room to add."""
    columns = columns_of(values)
    async with db.session() as session:
        repo = CardRepository(session)
        if card_id is None:
            if await repo.count(chat.id) >= MAX_CARDS_PER_CHAT:
                raise CardLimitReached
            card = await repo.add(Card(chat_id=chat.id, created_by=created_by,
                                       thread_id=thread_id, **columns))
            moved = True
        else:
            found = await repo.get(chat.id, card_id)
            if found is None:
                return None
            card = found
            moved = card.expires_on != columns["expires_on"]
            if moved:  # a new expiry starts a new period: an old snooze or "stop" is over
                columns |= {"lapsed": False, "snoozed_until": None}
            await repo.update(card, **columns)
        await refresh_card(session, card, chat, settings, now, keep_pending=not moved)
    return card


async def renew_card(
    db: Database, chat: Chat, settings: Settings, now: datetime, card_id: int, day: date,
    renewed_by: int, **details: Any,
) -> tuple[Card, Renewal] | None:
    """Record a renewal to `day` now, with what is known of it (`details`: amount, currency,
    channel, note; the chat fills them in later); None when the card is not the chat's."""
    async with db.session() as session:
        repo = CardRepository(session)
        card = await repo.get(chat.id, card_id)
        if card is None:
            return None
        renewal = await repo.record_renewal(card, day, renewed_at=now, renewed_by=renewed_by,
                                            **details)
        await refresh_card(session, card, chat, settings, now, keep_pending=False)
    return card, renewal
