"""The reminder engine end to end: the real Application sweeps (interval shortened) and
sends through the fake Bot API; the clock is frozen and moved by the tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime

import pytest

from fakebotapi import FakeBotAPI, SentMessage
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card, deliveries, get_card

# 2026-12-24 08:30 in Shanghai; a card expiring 2026-12-31 has its "7 days" moment at 09:00.
START = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
EXPIRY = date(2026, 12, 31)
SWEEP = 0.1


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(frozen=START)


@pytest.fixture
async def rbot(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=SWEEP)
    await harness.start()
    yield harness
    await harness.stop()


async def _reminder(api: FakeBotAPI, chat_id: int, since: int | None = None) -> SentMessage:
    return await api.wait_for_message(chat_id, since=since, timeout=5)


async def _quiet(api: FakeBotAPI) -> None:
    """Let several sweeps run, so a duplicate would have had every chance to appear."""
    await asyncio.sleep(SWEEP * 4)  # wait_idle alone returns at once if nothing was sent
    await api.wait_idle(quiet=SWEEP * 5)


async def _eventually(probe: Callable[[], Awaitable[object]], expected: object) -> None:
    """Poll until probe() returns expected (the bot records outcomes asynchronously)."""
    for _ in range(100):
        if (value := await probe()) == expected:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{value!r} never became {expected!r}")


async def test_a_due_card_is_reminded_exactly_once(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2001, "Mia")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2001, EXPIRY)
    await _quiet(api)
    assert api.messages_to(2001) == []  # not yet 09:00

    clock.advance(minutes=31)
    reminder = await _reminder(api, 2001)
    assert "Work SIM" in (reminder.text or "") and "China Mobile" in (reminder.text or "")
    assert "expires in 7 days, on 2026-12-31" in (reminder.text or "")
    assert [b[1] for b in reminder.buttons()] == [
        f"card:renewed:{card.id}",
        f"card:snooze:{card.id}",
        f"card:guide:{card.id}",
        f"card:stop:{card.id}",
    ]
    await _quiet(api)
    assert len(api.messages_to(2001)) == 1
    assert await deliveries(rbot.database, card.id) == {-7: "sent"}
    stored = await get_card(rbot.database, card.id)
    assert stored.next_remind_at == datetime(2026, 12, 28, 1, 0, tzinfo=UTC)  # the -3 moment


async def test_snooze_moves_to_tomorrows_remind_time(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2002, "Noa")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2002, EXPIRY)
    clock.advance(minutes=31)
    reminder = await _reminder(api, 2002)

    choices = await rbot.press(user, reminder, f"card:snooze:{card.id}")
    edited = await rbot.press(user, choices, f"card:sz:tomorrow:{card.id}")
    assert "Snoozed" in (edited.text or "") and "2026-12-25 at 09:00" in (edited.text or "")
    stored = await get_card(rbot.database, card.id)
    assert stored.snoozed_until == datetime(2026, 12, 25, 1, 0, tzinfo=UTC)

    since = api.mark()
    clock.advance(hours=24)  # 2026-12-25 09:01 Shanghai
    again = await _reminder(api, 2002, since=since)
    assert "expires in 6 days" in (again.text or "")
    await _quiet(api)
    assert await deliveries(rbot.database, card.id) == {-7: "sent", -6: "sent"}
    assert (await get_card(rbot.database, card.id)).snoozed_until is None


async def test_snooze_offers_an_hour_this_evening_tomorrow_and_three_days(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2012, "Nia")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2012, EXPIRY)
    clock.advance(minutes=31)  # 2026-12-24 09:01 Shanghai
    reminder = await _reminder(api, 2012)
    choices = await rbot.press(user, reminder, f"card:snooze:{card.id}")
    assert [label for label, _data in choices.buttons()] == [
        "⏱ 1 hour", "🌆 This evening (20:00)", "🌅 Tomorrow (09:00)", "📅 In 3 days", "↩️ Back",
    ]
    back = await rbot.press(user, choices, f"card:sz:back:{card.id}")
    assert f"card:snooze:{card.id}" in back.callback_data()  # the reminder's own buttons
    choices = await rbot.press(user, back, f"card:snooze:{card.id}")

    edited = await rbot.press(user, choices, f"card:sz:1h:{card.id}")
    assert "2026-12-24 at 10:01" in (edited.text or "")
    stored = await get_card(rbot.database, card.id)
    assert stored.snoozed_until == stored.next_remind_at == datetime(
        2026, 12, 24, 2, 1, tzinfo=UTC
    )
    since = api.mark()
    clock.advance(hours=1)  # the same day as the reminder already sent: still reminded again
    again = await _reminder(api, 2012, since=since)
    assert "expires in 7 days" in (again.text or "")
    await _quiet(api)
    assert len(api.messages_to(2012)) == 2

    choices = await rbot.press(user, again, f"card:snooze:{card.id}")
    edited = await rbot.press(user, choices, f"card:sz:evening:{card.id}")
    assert "2026-12-24 at 20:00" in (edited.text or "")
    since = api.mark()
    clock.advance(hours=10)  # 20:02 Shanghai
    evening = await _reminder(api, 2012, since=since)
    assert "expires in 7 days" in (evening.text or "")
    choices = await rbot.press(user, evening, f"card:snooze:{card.id}")
    assert "🌆 This evening (20:00)" not in [label for label, _data in choices.buttons()]
    edited = await rbot.press(user, choices, f"card:sz:3d:{card.id}")
    assert "2026-12-27 at 09:00" in (edited.text or "")
    assert (await get_card(rbot.database, card.id)).snoozed_until == datetime(
        2026, 12, 27, 1, 0, tzinfo=UTC
    )


@pytest.mark.parametrize("action", ["renewed", "snooze", "guide", "stop"])
async def test_buttons_on_a_message_telegram_no_longer_shows(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock, action: str
) -> None:
    user = api.user(2013, "Oli")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2013, EXPIRY, carrier="smart")
    clock.advance(minutes=31)
    reminder = await _reminder(api, 2013)
    since = api.mark()
    api.press(user, reminder, f"card:{action}:{card.id}", inaccessible=True)
    reply = await api.wait_for_message(2013, since=since, include_edits=True, timeout=5)
    assert "went wrong" not in reply.plain_text
    assert not reply.is_edit  # the old message cannot be edited: a new one says it
    expected = {"renewed": "Renewing", "snooze": "Snooze until when?", "guide": "Smart",
                "stop": "No more reminders"}[action]
    assert expected in reply.plain_text


async def test_stop_ends_the_reminders(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2003, "Ola")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2003, EXPIRY)
    clock.advance(minutes=31)
    reminder = await _reminder(api, 2003)
    edited = await rbot.press(user, reminder, f"card:stop:{card.id}")
    assert "No more reminders" in (edited.text or "")

    clock.advance(days=12)  # past every lead and overdue moment
    await _quiet(api)
    assert len(api.delivered(2003)) == 1
    stored = await get_card(rbot.database, card.id)
    assert stored.lapsed and stored.next_remind_at is None


async def test_guide_button_sends_the_carriers_guide(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2004, "Pia")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2004, EXPIRY)
    clock.advance(minutes=31)
    reminder = await _reminder(api, 2004)
    guide = await rbot.press(user, reminder, f"card:guide:{card.id}")
    assert "10086" in (guide.text or "")  # China Mobile's service number


async def test_catch_up_after_downtime_sends_one_message(
    api: FakeBotAPI, sqlite_url: str, clock: ManualClock
) -> None:
    user = api.user(2005, "Quinn")
    api.private_chat(user)
    harness = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=SWEEP)
    await harness.start()
    card = await add_card(harness.database, harness.settings, clock, 2005, EXPIRY)
    await harness.stop()

    clock.advance(days=6, hours=1)  # 2026-12-30 09:30: -7, -3 and -1 have all passed
    await harness.start()
    try:
        reminder = await _reminder(api, 2005)
        assert "expires tomorrow, 2026-12-31" in (reminder.text or "")
        await _quiet(api)
        assert len(api.delivered(2005)) == 1
        assert await deliveries(harness.database, card.id) == {
            -7: "skipped",
            -3: "skipped",
            -1: "sent",
        }
    finally:
        await harness.stop()


async def test_blocked_chat_is_paused_and_resumes_on_start(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    user = api.user(2006, "Rui")
    chat = api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2006, EXPIRY)
    api.set_blocked(chat)
    clock.advance(minutes=31)
    await api.wait_for_call("sendMessage", lambda c: c.status == 403, timeout=5)
    await _quiet(api)
    async with rbot.database.session(readonly=True) as session:
        row = await ChatRepository(session).get(2006)
    assert row is not None and not row.active
    assert (await get_card(rbot.database, card.id)).next_remind_at is None

    api.set_blocked(chat, False)
    await rbot.say(user, "/start")
    resumed = await get_card(rbot.database, card.id)
    assert resumed.next_remind_at == datetime(2026, 12, 28, 1, 0, tzinfo=UTC)


async def test_group_migration_during_a_send_moves_the_card_and_resends(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock
) -> None:
    group = api.group(-5001, "Family", supergroup=False)
    api.group(-1005001, "Family")
    card = await add_card(rbot.database, rbot.settings, clock, -5001, EXPIRY, chat_type="group")
    api.add_fault("sendMessage", "migrate", chat_id=group.id, migrate_to=-1005001)
    clock.advance(minutes=31)
    reminder = await _reminder(api, -1005001)
    assert "Work SIM" in (reminder.text or "")
    moved = await get_card(rbot.database, card.id)
    assert moved.chat_id == -1005001
    await _quiet(api)
    assert len(api.delivered(-1005001)) == 1


@pytest.mark.parametrize("kind", ["429", "5xx"])
async def test_transient_failures_are_retried_until_delivered_once(
    api: FakeBotAPI, rbot: BotHarness, clock: ManualClock, kind: str
) -> None:
    user = api.user(2007, "Sol")
    api.private_chat(user)
    card = await add_card(rbot.database, rbot.settings, clock, 2007, EXPIRY)
    # AIORateLimiter retries a 429 twice by itself, so three make the engine retry later.
    failures = 3 if kind == "429" else 2
    api.add_fault("sendMessage", kind, times=failures, chat_id=2007, retry_after=1)  # type: ignore[arg-type]
    clock.advance(minutes=31)
    await api.wait_for_call("sendMessage", lambda c: c.status >= 429, timeout=5)
    await _eventually(lambda: deliveries(rbot.database, card.id), {-7: "retry"})
    assert api.delivered(2007) == []
    stored = await get_card(rbot.database, card.id)
    assert stored.next_remind_at is not None and stored.next_remind_at > clock()

    for _ in range(10):  # each retry waits for its backoff on the bot's clock
        if api.delivered(2007):
            break
        clock.advance(minutes=5)
        await _quiet(api)
    await _quiet(api)
    assert len(api.delivered(2007)) == 1
    status = 429 if kind == "429" else 500
    assert [c.status for c in api.calls_to("sendMessage")] == [status] * failures + [200]
    assert await deliveries(rbot.database, card.id) == {-7: "sent"}
