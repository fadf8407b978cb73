"""The 09:00 peak: most chats keep the default remind time, so reminders fall due in bursts,
and a bot may send about 30 messages a second (10,000 reminders take six minutes).

Two settings bound the lateness:

- REMINDER_EARLY_WINDOW lets a burst start up to that many minutes early, just early enough
  that at the planned pace its last message still goes out on time (`burst_horizon`);
- ALLOW_PAID_BROADCAST sends reminders as Telegram paid broadcasts, paced at up to 1,000 a
  second (bot.runtime.ratelimit) with many sends in flight (`send_window`).

Within a burst the nearest expiry goes first (storage: DeliveryRepository.due_cards).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.runtime.ratelimit import MESSAGES_PER_SECOND, PAID_MESSAGES_PER_SECOND
from bot.settings import Settings

# An early start is planned at this share of the pace, so that slower sends (round trips,
# retries, other messages sharing the limit) still end by the remind time.
PLANNING_SHARE = 0.9
# Paid sends in flight at once: 1,000 a second needs many when a round trip takes 50-100 ms.
# It is also how many reminders a crash may send twice (free sends go one at a time: at
# most one duplicate per crash).
PAID_SEND_WINDOW = 32


def send_rate(paid: bool) -> float:
    """Reminders per second the rate limiter lets out."""
    return PAID_MESSAGES_PER_SECOND if paid else MESSAGES_PER_SECOND


def send_window(paid: bool) -> int:
    return PAID_SEND_WINDOW if paid else 1


def early_window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.reminder_early_window)


class PlanningRate:
    """The pace an early start is planned at: the limiter's, or what full batches of
    reminders really achieved when that was less (long round trips with sequential sends,
    or a bot that cannot keep up with 1,000 a second). Learnt per process, per mode."""

    def __init__(self) -> None:
        self._achieved: dict[bool, float] = {}

    def record(self, paid: bool, sent: int, seconds: float) -> None:
        """A full batch of `sent` reminders took `seconds`."""
        if seconds > 0:
            self._achieved[paid] = sent / seconds

    def per_second(self, paid: bool) -> float:
        achieved = self._achieved.get(paid, send_rate(paid))
        return min(send_rate(paid), achieved) * PLANNING_SHARE


def burst_horizon(
    now: datetime,
    due: Iterable[tuple[datetime, int]],
    per_second: float,
    lookahead: timedelta,
) -> datetime:
    """The latest moment whose reminders have to be sent from now on.

    `due` counts the cards falling due at each moment (in time order, those already due
    included, none later than the early window allows). Sent in that order at `per_second`,
    the cards due by moment m take count(<= m) / per_second; when that is more than is left
    until m after the next chance to decide (`lookahead`: the next sweep), m's cards go now.
    Returns `now` when nothing has to start early.
    """
    horizon = now
    total = 0
    for moment, count in due:
        total += count
        if moment > now and moment - timedelta(seconds=total / per_second) <= now + lookahead:
            horizon = moment
    return horizon
