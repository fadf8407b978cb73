"""The one place that decides a card's next reminder moment (card.next_remind_at).

Internal to the domain: the card and chat services call `refresh_card` (or `refresh_chat`)
after every change, and the reminder engine moves a card on with `after_send`,
`retry_at` and `unschedule`, so the sweep only has to read the index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.domain.preferences import ChatPolicy
from bot.reminders.moments import reminder_moments
from bot.settings import Settings
from storage.models import Card, Chat
from storage.repositories.cards import CardRepository
from storage.repositories.deliveries import DeliveryRepository

_EPSILON = timedelta(microseconds=1)


def compute_next_remind_at(
    card: Card, policy: ChatPolicy, delivered: set[int], after: datetime
) -> datetime | None:
    """The earliest undelivered moment later than `after`; a pending snooze wins.

    None when nothing is left: the card was let go, reminders are off for the chat, or
    every moment of this expiry has been handled.
    """
    if card.lapsed or not policy.enabled:
        return None
    if card.snoozed_until is not None:
        return card.snoozed_until
    moments = reminder_moments(
        card.expires_on, policy.leads_for(card), policy.remind_at, policy.timezone,
        policy.overdue_days,
    )
    upcoming = [m.at for m in moments if m.offset_days not in delivered and m.at > after]
    return min(upcoming, default=None)


async def refresh_card(
    session: AsyncSession,
    card: Card,
    chat: Chat,
    settings: Settings,
    now: datetime,
    *,
    keep_pending: bool = True,
) -> None:
    """Recompute card.next_remind_at after a change.

    Moments that passed before the change are not replayed (a card added today does not
    get last week's "7 days left"), except that with keep_pending a reminder that is due
    right now and not yet swept stays due: editing a card's label at 09:00:30 must not
    swallow its 09:00 reminder. Pass keep_pending=False when the expiry itself changed.
    """
    after = now
    if keep_pending and card.next_remind_at is not None and card.next_remind_at <= now:
        after = card.next_remind_at - _EPSILON
    delivered = await DeliveryRepository(session).delivered_offsets(
        card.id, card.expires_on  # type: ignore[arg-type]
    )
    card.next_remind_at = compute_next_remind_at(
        card, ChatPolicy.of(chat, settings), delivered, after
    )
    session.add(card)


async def refresh_chat(
    session: AsyncSession, chat: Chat, settings: Settings, now: datetime
) -> int:
    """Recompute every card of a chat (its time zone, remind time, lead days or reminder
    switch changed). Returns the number of cards."""
    assert chat.id is not None
    cards = await CardRepository(session).in_chat(chat.id)
    for card in cards:
        await refresh_card(session, card, chat, settings, now, keep_pending=False)
    return len(cards)


def after_send(card: Card, policy: ChatPolicy, delivered: set[int], now: datetime) -> None:
    """A reminder went out (or was found stale): any snooze is used up, on to the next."""
    card.snoozed_until = None
    card.next_remind_at = compute_next_remind_at(card, policy, delivered, now)


def retry_at(card: Card, when: datetime) -> None:
    """A send failed for now: the card stays due and is tried again at `when`."""
    card.next_remind_at = when


def unschedule(card: Card) -> None:
    """Nothing to send (reminders off, or the card let go) until something changes."""
    card.next_remind_at = None
