"""The 09:00 peak: a burst goes out nearest expiry first, REMINDER_EARLY_WINDOW starts a large
burst just early enough, ALLOW_PAID_BROADCAST sends reminders as paid broadcasts (and
falls back to free sends when Telegram refuses them). Lateness figures come from
benchmarks/peak.py."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.reminders.peak import PLANNING_SHARE, PlanningRate, burst_horizon
from bot.settings import load_settings
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.models import Card, Delivery
from storage.repositories.deliveries import DeliveryRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card, labels_sent, seed_due_cards

# 2026-12-24 08:30 in Shanghai; reminders are due at 09:00 (01:00 UTC).
START = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
NINE = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)
TODAY = date(2026, 12, 24)
MINUTE = timedelta(minutes=1)


def test_a_burst_starts_when_it_needs_the_time_left() -> None:
    lookahead = timedelta(seconds=60)
    burst = [(NINE, 6000)]  # 200 s at 30 a second
    assert burst_horizon(NINE - 10 * MINUTE, burst, 30, lookahead) == NINE - 10 * MINUTE
    assert burst_horizon(NINE - 5 * MINUTE, burst, 30, lookahead) == NINE - 5 * MINUTE
    assert burst_horizon(NINE - 4 * MINUTE, burst, 30, lookahead) == NINE  # 240 <= 200 + 60
    # Reminders already due come first and make the burst start earlier.
    backlog = [(NINE - 20 * MINUTE, 3000), *burst]
    assert burst_horizon(NINE - 6 * MINUTE, backlog, 30, lookahead) == NINE
    # A later burst that needs the time pulls in the earlier one too.
    two = [(NINE, 10), (NINE + MINUTE, 9000)]
    assert burst_horizon(NINE - 5 * MINUTE, two, 30, lookahead) == NINE + MINUTE


def test_an_early_start_is_planned_at_what_the_bot_really_achieved() -> None:
    planning = PlanningRate()
    assert planning.per_second(paid=False) == pytest.approx(29 * PLANNING_SHARE)
    assert planning.per_second(paid=True) == pytest.approx(990 * PLANNING_SHARE)
    planning.record(paid=True, sent=500, seconds=5.0)  # the bot managed 100 a second
    assert planning.per_second(paid=True) == pytest.approx(100 * PLANNING_SHARE)
    planning.record(paid=False, sent=500, seconds=1.0)  # never above the limiter's pace
    assert planning.per_second(paid=False) == pytest.approx(29 * PLANNING_SHARE)


async def test_due_cards_come_nearest_expiry_first_then_early_ones_by_moment(db: Database) -> None:
    settings = load_settings(_env_file=None)
    clock = ManualClock(frozen=START)
    # Every card's next moment is 09:00 today; added far expiry first.
    expiries = [date(2026, 12, 31), date(2026, 12, 27), TODAY, date(2026, 12, 25),
                date(2026, 12, 21), date(2026, 12, 23)]
    for n, expires_on in enumerate(expiries):
        await add_card(db, settings, clock, 5000 + n, expires_on, label=f"E {expires_on}")
    later = await add_card(db, settings, clock, 5100, date(2026, 12, 25))
    async with db.session() as session:  # this one falls due ten minutes later
        stored = await session.get(Card, later.id)
        assert stored is not None
        stored.next_remind_at = NINE + 10 * MINUTE
    async with db.session() as session:
        rows = await DeliveryRepository(session).due_cards(
            NINE, 100, skip_locked=db.is_postgres
        )
        assert [card.expires_on for card, _ in rows] == sorted(expiries)
        assert all(card.next_remind_at == NINE for card, _ in rows)
    async with db.session() as session:
        rows = await DeliveryRepository(session).due_cards(
            NINE - 5 * MINUTE, 100, until=NINE + 10 * MINUTE, skip_locked=db.is_postgres
        )
        assert [card.expires_on for card, _ in rows] == [*sorted(expiries), date(2026, 12, 25)]
        assert rows[-1][0].id == later.id
    async with db.session() as session:
        repo = DeliveryRepository(session)
        assert await repo.due_counts(NINE + 5 * MINUTE) == [(NINE, len(expiries))]
        limited = await repo.due_cards(NINE, 2, skip_locked=db.is_postgres)
        assert [card.expires_on for card, _ in limited] == sorted(expiries)[:2]


async def test_in_a_burst_overdue_and_expiring_today_go_first(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    clock = ManualClock(frozen=START)
    bot = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=0.1)
    await bot.start()
    try:
        # Four cards per expiry, far expiries added (and so numbered) first.
        expiries = [date(2026, 12, 31), date(2026, 12, 27), date(2026, 12, 25), TODAY,
                    date(2026, 12, 23), date(2026, 12, 21)]
        chat = 5200
        for expires_on in expiries:
            for _ in range(4):
                api.private_chat(api.user(chat))
                await add_card(bot.database, bot.settings, clock, chat, expires_on,
                               label=f"Exp {expires_on}")
                chat += 1
        clock.advance(minutes=31)
        for _ in range(200):
            if len(api.delivered()) >= 24:
                break
            await asyncio.sleep(0.05)
    finally:
        await bot.stop()
    order = [(m.text or "").split("Exp ", 1)[1][:10] for m in api.delivered()
             if "Exp " in (m.text or "")]
    assert len(order) == 24
    assert order == sorted(order)  # overdue, then today, then tomorrow, 3 and 7 days ahead


async def _sent_deliveries(bot: BotHarness) -> list[Delivery]:
    async with bot.database.session(readonly=True) as session:
        return list(await session.exec(select(Delivery).where(Delivery.status == "sent")))


async def test_an_early_window_starts_a_burst_just_early_enough(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    clock = ManualClock(frozen=START)
    bot = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=0.1,
                     reminder_early_window=10)
    await bot.start()
    try:
        for n in range(60):  # 60 reminders at 09:00: about 2.3 s at the planned pace
            api.private_chat(api.user(5300 + n))
            await add_card(bot.database, bot.settings, clock, 5300 + n, date(2026, 12, 31))
        await asyncio.sleep(0.5)
        assert api.delivered() == []  # 08:30: 09:00 is not even in the window
        clock.freeze(NINE - timedelta(seconds=10))
        await asyncio.sleep(0.5)
        assert api.delivered() == []  # 10 s would be more than enough: not yet
        clock.freeze(NINE - timedelta(seconds=2))
        for _ in range(200):
            if len(await _sent_deliveries(bot)) == 60:
                break
            await asyncio.sleep(0.05)
        sent = await _sent_deliveries(bot)
    finally:
        await bot.stop()
    assert len(sent) == 60
    assert all(d.sent_at is not None and d.sent_at < NINE for d in sent)
    assert {d.offset_days for d in sent} == {-7}
    texts = [m.text or "" for m in api.delivered()]
    assert len(texts) == 60 and all("expires in 7 days" in text for text in texts)


async def _paid_burst(
    api: FakeBotAPI, database_url: str, first_chat: int, count: int
) -> tuple[Counter[str], Counter[str]]:
    """`count` reminders due now, sent with ALLOW_PAID_BROADCAST: (how often each label
    arrived, the deliveries by status)."""
    bot = BotHarness(api, database_url, reminder_sweep_seconds=0.2, allow_paid_broadcast=True)
    chats = [first_chat + n for n in range(count)]
    for chat in chats:
        api.private_chat(api.user(chat))
    await bot.start()
    try:
        await seed_due_cards(bot.database, bot.settings, datetime.now(UTC), chats, count)
        for _ in range(600):
            if len(labels_sent(api)) >= count:
                break
            await asyncio.sleep(0.05)
        await api.wait_idle(quiet=0.5)
        async with bot.database.session(readonly=True) as session:
            statuses = Counter(d.status for d in await session.exec(select(Delivery)))
    finally:
        await bot.stop()
    return labels_sent(api), statuses


async def test_paid_broadcasts_carry_the_flag_within_their_own_limit(
    limited_api: FakeBotAPI, sqlite_url: str
) -> None:
    api = limited_api
    sent, statuses = await _paid_burst(api, sqlite_url, 5400, 300)
    assert len(sent) == 300 and max(sent.values()) == 1
    assert statuses == Counter({"sent": 300})
    assert api.stats.rate_limited == 0  # far beyond 30 a second, within the paid limit
    assert api.stats.paid_messages == 300
    reminders = [c for c in api.calls_to("sendMessage") if "Card " in str(c.params.get("text"))]
    assert all(c.params.get("allow_paid_broadcast") is True for c in reminders)


async def test_when_the_stars_run_out_reminders_go_out_free(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    api.set_star_balance(5)  # 50 paid messages
    sent, statuses = await _paid_burst(api, sqlite_url, 5800, 120)
    assert len(sent) == 120 and max(sent.values()) == 1
    assert statuses == Counter({"sent": 120})
    assert api.stats.paid_messages == 50
    assert any("paid broadcast refused" in r.getMessage() for r in caplog.records)
