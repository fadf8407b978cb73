"""When a card's reminders are due: pure zone arithmetic, no storage and no Telegram.

A moment is "the chat's remind_at on the local day expires_on + offset_days", as a UTC instant.
Offsets: negative = days before expiry (lead day 7 -> -7), 0 = on the day, positive = overdue.

Local times that do not exist or exist twice (DST changes) resolve like this:
- in a spring-forward gap (02:30 on 2026-03-08 in New York) the moment is the first valid
  instant after it, i.e. the end of the gap (03:00 EDT), so it never moves earlier;
- in a fall-back overlap (01:30 on 2026-11-01 in New York) it is the first occurrence (fold=0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Moment:
    offset_days: int
    at: datetime  # aware, UTC


def as_zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def local_to_utc(day: date, at: time, tz: str | tzinfo) -> datetime:
    """The UTC instant of wall time `at` on local `day` (see the module doc for DST rules)."""
    z = as_zone(tz)
    local = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=z)
    instant = local.astimezone(UTC)
    if instant.astimezone(z).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # A gap. fold=0 applies the offset from before the change and lands after the gap; fold=1
    # applies the later offset and lands before it. Bisect (whole seconds) for the change.
    lo, hi = int(local.replace(fold=1).timestamp()), int(instant.timestamp())
    after = instant.astimezone(z).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, z).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def reminder_moments(
    expires_on: date,
    lead_days: Sequence[int],
    remind_at: time,
    tz: str | tzinfo,
    overdue_days: int,
) -> list[Moment]:
    """Every reminder moment for one expiry: one per lead day (duplicates collapse), then one per
    day for `overdue_days` days after expiry; sorted by time."""
    if any(lead < 0 for lead in lead_days) or overdue_days < 0:
        raise ValueError("lead days and overdue days must not be negative")
    z = as_zone(tz)
    offsets = {-lead for lead in lead_days} | set(range(1, overdue_days + 1))
    moments = [
        Moment(offset, local_to_utc(expires_on + timedelta(days=offset), remind_at, z))
        for offset in offsets
    ]
    return sorted(moments, key=lambda m: m.at)


def next_moment(moments: Iterable[Moment], delivered_offsets: set[int]) -> Moment | None:
    """The earliest undelivered moment, past or future: the value card.next_remind_at caches.
    A past one is simply due now; catch_up decides what to send."""
    return min(
        (m for m in moments if m.offset_days not in delivered_offsets),
        key=_at,
        default=None,
    )


def due_moments(
    moments: Iterable[Moment], delivered_offsets: set[int], now: datetime
) -> tuple[list[Moment], list[Moment]]:
    """(passed and undelivered, still to come), each sorted by time. Skipped moments count as
    delivered: pass every offset that has a delivery row, whatever its status."""
    pending = sorted((m for m in moments if m.offset_days not in delivered_offsets), key=_at)
    return [m for m in pending if m.at <= now], [m for m in pending if m.at > now]


def catch_up(
    moments: Iterable[Moment], delivered_offsets: set[int], now: datetime
) -> tuple[Moment | None, list[Moment]]:
    """(the one to send, the ones to record as skipped).

    After downtime several moments may have passed: only the latest is sent (it has the most
    current "N days left"), the earlier ones are skipped, so nothing is lost and nobody is spammed.
    """
    passed, _ = due_moments(moments, delivered_offsets, now)
    if not passed:
        return None, []
    return passed[-1], passed[:-1]


SNOOZES = ("1h", "evening", "tomorrow", "3d")
EVENING = time(20, 0)


def snooze_until(
    now: datetime, remind_at: time, tz: str | tzinfo, choice: str = "tomorrow"
) -> datetime:
    """When a snoozed reminder comes back, in UTC: in an hour, this evening (20:00 local),
    tomorrow or in 3 days at the chat's remind time (days of the local date of `now`)."""
    z = as_zone(tz)
    today = _local_date(now, z)
    if choice == "1h":
        return (now + timedelta(hours=1)).astimezone(UTC)
    if choice == "evening":
        return local_to_utc(today, EVENING, z)
    if choice == "3d":
        return local_to_utc(today + timedelta(days=3), remind_at, z)
    if choice == "tomorrow":
        return local_to_utc(today + timedelta(days=1), remind_at, z)
    raise ValueError(f"unknown snooze {choice!r}")


def evening_ahead(now: datetime, tz: str | tzinfo) -> bool:
    """Whether "this evening" is still at least an hour away."""
    return now.astimezone(as_zone(tz)).time() < time(EVENING.hour - 1, EVENING.minute)


def days_left(expires_on: date, now: datetime, tz: str | tzinfo) -> int:
    """Days from the chat's local today to expires_on; 0 on the day, negative once overdue."""
    return (expires_on - _local_date(now, as_zone(tz))).days


def _local_date(now: datetime, z: tzinfo) -> date:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(z).date()


def _at(moment: Moment) -> datetime:
    return moment.at
