"""The sweep's decisions for one card, without Telegram: what to send, what to skip, and
what next_remind_at becomes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from bot.domain.preferences import ChatPolicy
from bot.domain.schedule import compute_next_remind_at
from bot.reminders.engine import plan_card
from storage.models import Card, Delivery, DeliveryStatus

SHANGHAI = ChatPolicy(
    timezone="Asia/Shanghai", remind_at=time(9, 0), lead_days=(7, 3, 1, 0), overdue_days=3,
    enabled=True,
)


def _card(**values: object) -> Card:
    base: dict[str, Any] = {
        "id": 1, "chat_id": 10, "created_by": 10, "label": "Work SIM",
        "expires_on": date(2026, 12, 31),
    }
    return Card(**(base | values))


def _delivery(offset: int, status: DeliveryStatus) -> Delivery:
    return Delivery(
        card_id=1, expires_on=date(2026, 12, 31), offset_days=offset, status=status.value,
        due_at=datetime(2026, 12, 1, tzinfo=UTC),
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_nothing_due_before_the_first_moment() -> None:
    # 7 days before at 09:00 Shanghai = 2026-12-24 01:00 UTC
    assert plan_card(_card(), SHANGHAI, {}, utc(2026, 12, 24, 0, 59)) == (None, [])


def test_one_due_moment_is_sent() -> None:
    send, skip = plan_card(_card(), SHANGHAI, {}, utc(2026, 12, 24, 1, 0))
    assert send is not None and send.offset_days == -7
    assert skip == []


def test_after_downtime_only_the_latest_is_sent_and_earlier_ones_skipped() -> None:
    # Down from before -7 until the morning of -1 (2026-12-30 09:30 Shanghai).
    send, skip = plan_card(_card(), SHANGHAI, {}, utc(2026, 12, 30, 1, 30))
    assert send is not None and send.offset_days == -1
    assert [m.offset_days for m in skip] == [-7, -3]


def test_delivered_and_skipped_offsets_are_not_repeated() -> None:
    existing = {-7: _delivery(-7, DeliveryStatus.SENT), -3: _delivery(-3, DeliveryStatus.SKIPPED)}
    send, skip = plan_card(_card(), SHANGHAI, existing, utc(2026, 12, 28, 2, 0))
    assert send is None and skip == []


def test_a_sending_row_from_a_crash_is_sent_again() -> None:
    existing = {-7: _delivery(-7, DeliveryStatus.SENDING)}
    send, _skip = plan_card(_card(), SHANGHAI, existing, utc(2026, 12, 24, 1, 5))
    assert send is not None and send.offset_days == -7


def test_a_due_snooze_sends_todays_offset_and_skips_passed_moments() -> None:
    snoozed = utc(2026, 12, 29, 1, 0)  # 2026-12-29 09:00 Shanghai, offset -2
    card = _card(snoozed_until=snoozed)
    send, skip = plan_card(card, SHANGHAI, {}, utc(2026, 12, 29, 1, 0))
    assert send is not None and send.offset_days == -2 and send.at == snoozed
    assert [m.offset_days for m in skip] == [-7, -3]


def test_next_remind_at_follows_deliveries_and_stops_after_overdue_days() -> None:
    card = _card()
    first = compute_next_remind_at(card, SHANGHAI, set(), utc(2026, 12, 1))
    assert first == utc(2026, 12, 24, 1, 0)
    after_sent = compute_next_remind_at(card, SHANGHAI, {-7}, utc(2026, 12, 24, 1, 0))
    assert after_sent == utc(2026, 12, 28, 1, 0)
    last = compute_next_remind_at(card, SHANGHAI, set(), utc(2027, 1, 3, 1, 0))
    assert last is None  # +3 was the last overdue moment (2027-01-03 09:00)


def test_no_reminders_when_lapsed_disabled_or_snoozed() -> None:
    now = utc(2026, 12, 1)
    assert compute_next_remind_at(_card(lapsed=True), SHANGHAI, set(), now) is None
    off = ChatPolicy(**(SHANGHAI.__dict__ | {"enabled": False}))
    assert compute_next_remind_at(_card(), off, set(), now) is None
    snooze = utc(2026, 12, 2, 1, 0)
    assert compute_next_remind_at(_card(snoozed_until=snooze), SHANGHAI, set(), now) == snooze


def test_card_lead_days_override_the_chats() -> None:
    card = _card(lead_days="30")
    assert compute_next_remind_at(card, SHANGHAI, set(), utc(2026, 11, 1)) == utc(
        2026, 12, 1, 1, 0
    )


def test_a_snooze_of_an_hour_is_sent_on_a_day_already_reminded() -> None:
    snoozed = utc(2026, 12, 24, 2, 0)  # 10:00 Shanghai, an hour after the -7 reminder
    existing = {-7: _delivery(-7, DeliveryStatus.SENT)}
    send, skip = plan_card(_card(snoozed_until=snoozed), SHANGHAI, existing, snoozed)
    assert send is not None and (send.offset_days, send.at) == (-7, snoozed)
    assert skip == []
