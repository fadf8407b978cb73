"""bot.reminders.moments: reminder moments across zones and DST changes, catch-up and snooze."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.reminders.moments import (
    Moment,
    catch_up,
    days_left,
    due_moments,
    local_to_utc,
    next_moment,
    reminder_moments,
    snooze_until,
)

PROPS = settings(max_examples=200, deadline=None)
ZONES = ["Asia/Shanghai", "Asia/Manila", "Europe/London", "America/New_York", "Pacific/Auckland"]
DST_DAYS = [
    date(2026, 3, 8),  # New York springs forward
    date(2026, 11, 1),  # New York falls back
    date(2026, 3, 29),  # London springs forward
    date(2026, 10, 25),  # London falls back
    date(2026, 4, 5),  # Auckland falls back
    date(2026, 9, 27),  # Auckland springs forward
]


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


# --------------------------------------------------------------------------- fixed examples


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        ("Asia/Shanghai", date(2026, 12, 31), time(9), utc(2026, 12, 31, 1)),
        ("Asia/Manila", date(2026, 12, 31), time(0, 30), utc(2026, 12, 30, 16, 30)),
        # gaps: the first valid instant after the missing wall time
        ("America/New_York", date(2026, 3, 8), time(2, 30), utc(2026, 3, 8, 7)),
        ("Europe/London", date(2026, 3, 29), time(1, 30), utc(2026, 3, 29, 1)),
        ("Pacific/Auckland", date(2026, 9, 27), time(2, 30), utc(2026, 9, 26, 14)),
        # overlaps: the first occurrence
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        ("Europe/London", date(2026, 10, 25), time(1, 30), utc(2026, 10, 25, 0, 30)),
        ("Pacific/Auckland", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 13, 30)),
        # either side of a change, normal times keep their wall time
        ("America/New_York", date(2026, 3, 8), time(9), utc(2026, 3, 8, 13)),
        ("America/New_York", date(2026, 3, 7), time(9), utc(2026, 3, 7, 14)),
        # a whole skipped day (Samoa, 2011-12-30) lands on the next local midnight
        ("Pacific/Apia", date(2011, 12, 30), time(9), utc(2011, 12, 30, 10)),
    ],
)
def test_local_to_utc(zone: str, day: date, at: time, expected: datetime) -> None:
    assert local_to_utc(day, at, zone) == expected


def test_reminder_moments_example() -> None:
    moments = reminder_moments(date(2026, 12, 31), [7, 3, 1, 0], time(9), "Asia/Shanghai", 3)
    assert moments == [
        Moment(-7, utc(2026, 12, 24, 1)),
        Moment(-3, utc(2026, 12, 28, 1)),
        Moment(-1, utc(2026, 12, 30, 1)),
        Moment(0, utc(2026, 12, 31, 1)),
        Moment(1, utc(2027, 1, 1, 1)),
        Moment(2, utc(2027, 1, 2, 1)),
        Moment(3, utc(2027, 1, 3, 1)),
    ]


def test_reminder_moments_accepts_a_zoneinfo_and_collapses_duplicates() -> None:
    moments = reminder_moments(date(2026, 5, 1), [3, 3, 0], time(8), ZoneInfo("Asia/Manila"), 0)
    assert [m.offset_days for m in moments] == [-3, 0]


def test_reminder_moments_rejects_negative_input() -> None:
    with pytest.raises(ValueError):
        reminder_moments(date(2026, 5, 1), [-1], time(8), "UTC", 0)
    with pytest.raises(ValueError):
        reminder_moments(date(2026, 5, 1), [1], time(8), "UTC", -1)


def test_catch_up_after_downtime() -> None:
    moments = reminder_moments(date(2026, 12, 31), [7, 3, 1, 0], time(9), "Asia/Shanghai", 3)
    now = utc(2026, 12, 30, 12)  # -7, -3 and -1 have passed
    send, skip = catch_up(moments, set(), now)
    assert send == Moment(-1, utc(2026, 12, 30, 1))
    assert [m.offset_days for m in skip] == [-7, -3]
    assert catch_up(moments, {-7, -3, -1}, now) == (None, [])
    assert next_moment(moments, {-7, -3, -1}) == Moment(0, utc(2026, 12, 31, 1))
    passed, upcoming = due_moments(moments, {-7}, now)
    assert [m.offset_days for m in passed] == [-3, -1]
    assert [m.offset_days for m in upcoming] == [0, 1, 2, 3]


def test_next_moment_includes_passed_ones_and_ends() -> None:
    moments = reminder_moments(date(2026, 12, 31), [7, 0], time(9), "Asia/Shanghai", 1)
    assert next_moment(moments, set()) == moments[0]
    assert next_moment(moments, {-7, 0, 1}) is None


def test_snooze_and_days_left_examples() -> None:
    # 23:30 UTC on Dec 30 is already Dec 31 in Manila.
    now = utc(2026, 12, 30, 23, 30)
    assert snooze_until(now, time(9), "Asia/Manila") == utc(2027, 1, 1, 1)
    assert days_left(date(2026, 12, 31), now, "Asia/Manila") == 0
    assert days_left(date(2026, 12, 31), now, "Europe/London") == 1
    assert days_left(date(2026, 12, 28), now, "Asia/Manila") == -3
    with pytest.raises(ValueError):
        days_left(date(2026, 12, 31), datetime(2026, 12, 30), "UTC")


# --------------------------------------------------------------------------- properties

zones = st.sampled_from(ZONES).map(ZoneInfo)
expiries = st.one_of(
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)),
    # expiries whose lead or overdue days fall on a DST change
    st.builds(
        lambda day, shift: day + timedelta(days=shift),
        st.sampled_from(DST_DAYS),
        st.integers(-8, 8),
    ),
)
remind_times = st.one_of(
    st.sampled_from([time(0), time(1, 30), time(2), time(2, 30), time(3), time(9), time(23, 59)]),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59])),
)
lead_sets = st.lists(st.integers(0, 30), min_size=1, max_size=10, unique=True)
overdue = st.integers(0, 7)


def first_instant_at_or_after(naive: datetime, zone: ZoneInfo) -> datetime:
    """Oracle by brute force: the earliest minute whose local wall time is >= naive. It relies
    only on UTC -> local conversion, which is never ambiguous."""
    candidate = (naive - timedelta(hours=3)).replace(tzinfo=zone).astimezone(UTC)
    while wall(candidate, zone) < naive:
        candidate += timedelta(minutes=1)
    return candidate


@PROPS
@given(zone=zones, expires_on=expiries, at=remind_times, leads=lead_sets, overdue_days=overdue)
def test_moments_properties(
    zone: ZoneInfo, expires_on: date, at: time, leads: list[int], overdue_days: int
) -> None:
    moments = reminder_moments(expires_on, leads, at, zone, overdue_days)
    assert len(moments) == len(leads) + overdue_days
    assert {m.offset_days for m in moments} == {-lead for lead in leads} | set(
        range(1, overdue_days + 1)
    )
    assert all(a.at < b.at for a, b in pairwise(moments))
    for m in moments:
        assert m.at.utcoffset() == timedelta(0)
        naive = datetime.combine(expires_on + timedelta(days=m.offset_days), at)
        local = wall(m.at, zone)
        if local != naive:  # only in a DST gap, and then the first valid minute after it
            assert local > naive
            assert wall(m.at - timedelta(seconds=1), zone) < naive
        assert m.at == first_instant_at_or_after(naive, zone)


@PROPS
@given(zone=zones, day=expiries, at=remind_times)
def test_local_to_utc_matches_oracle(zone: ZoneInfo, day: date, at: time) -> None:
    naive = datetime.combine(day, at)
    assert local_to_utc(day, at, zone) == first_instant_at_or_after(naive, zone)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[Moment], set[int], datetime]:
    zone = draw(zones)
    expires_on = draw(expiries)
    moments = reminder_moments(expires_on, draw(lead_sets), draw(remind_times), zone, draw(overdue))
    offsets = [m.offset_days for m in moments]
    delivered = set(draw(st.lists(st.sampled_from(offsets), max_size=len(offsets))))
    start = moments[0].at - timedelta(days=2)
    now = start + timedelta(minutes=draw(st.integers(0, 60 * 24 * 45)))
    return moments, delivered, now


@PROPS
@given(schedule=schedules())
def test_catch_up_sends_only_the_latest_passed(
    schedule: tuple[list[Moment], set[int], datetime],
) -> None:
    moments, delivered, now = schedule
    passed = [m for m in moments if m.at <= now and m.offset_days not in delivered]
    send, skip = catch_up(moments, delivered, now)
    if not passed:
        assert (send, skip) == (None, [])
        return
    assert send == max(passed, key=lambda m: m.at)
    assert skip == sorted((m for m in passed if m != send), key=lambda m: m.at)
    assert all(m.at < send.at for m in skip)


@PROPS
@given(schedule=schedules())
def test_next_and_due_moments(schedule: tuple[list[Moment], set[int], datetime]) -> None:
    moments, delivered, now = schedule
    pending = [m for m in moments if m.offset_days not in delivered]
    found = next_moment(moments, delivered)
    if not pending:
        assert found is None
    else:
        assert found is not None
        assert found.offset_days not in delivered
        assert found == min(pending, key=lambda m: m.at)
    passed, upcoming = due_moments(moments, delivered, now)
    assert passed + upcoming == pending
    assert all(m.at <= now for m in passed)
    assert all(m.at > now for m in upcoming)


@PROPS
@given(
    zone=zones,
    now=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    at=remind_times,
)
def test_snooze_lands_on_the_next_local_day(zone: ZoneInfo, now: datetime, at: time) -> None:
    until = snooze_until(now, at, zone)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    assert until > now
    assert until == first_instant_at_or_after(datetime.combine(tomorrow, at), zone)
    assert days_left(tomorrow, until, zone) == 0  # no gap in these zones crosses midnight


@PROPS
@given(
    zone=zones,
    now=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    delta=st.integers(-400, 400),
)
def test_days_left_counts_local_days(zone: ZoneInfo, now: datetime, delta: int) -> None:
    expires_on = now.astimezone(zone).date() + timedelta(days=delta)
    assert days_left(expires_on, now, zone) == delta
