"""/timezone and /remindat end to end: typed, by button, bad input, and the chat's cards'
next reminder recomputed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fakebotapi import FakeBotAPI
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card, get_card

NOW = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


async def test_timezone_and_remind_time_move_the_next_reminder(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    clock = ManualClock(frozen=NOW)
    harness = BotHarness(api, sqlite_url, clock=clock)
    await harness.start()
    try:
        user = api.user(8101, "Tala")
        await harness.say(user, "/start")
        card = await add_card(harness.database, harness.settings, clock, 8101, date(2026, 12, 31))
        # Shanghai 09:00 seven days before: 2026-12-24 01:00 UTC
        assert (await get_card(harness.database, card.id)).next_remind_at == datetime(
            2026, 12, 24, 1, 0, tzinfo=UTC
        )

        typed = await harness.say(user, "/timezone Manila")
        assert "Asia/Manila" in (typed.text or "") and "1 card" in (typed.text or "")

        menu = await harness.say(user, "/timezone")
        assert ("Asia/Tokyo", "tz:Asia/Tokyo") in menu.buttons()
        chosen = await harness.press(user, menu, "tz:Asia/Tokyo")
        assert "Asia/Tokyo" in (chosen.text or "")
        # Tokyo 09:00 = 00:00 UTC
        assert (await get_card(harness.database, card.id)).next_remind_at == datetime(
            2026, 12, 24, 0, 0, tzinfo=UTC
        )

        later = await harness.say(user, "/remindat 21:30")
        assert "21:30" in (later.text or "")
        assert (await get_card(harness.database, card.id)).next_remind_at == datetime(
            2026, 12, 24, 12, 30, tzinfo=UTC
        )

        times = await harness.say(user, "/remindat")
        early = await harness.press(user, times, "at:08:00")
        assert "08:00" in (early.text or "")
        assert (await get_card(harness.database, card.id)).next_remind_at == datetime(
            2026, 12, 23, 23, 0, tzinfo=UTC
        )
    finally:
        await harness.stop()


async def test_bad_zone_and_time_change_nothing(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(8102, "Ugo")
    await bot.say(user, "/start")
    zone = await bot.say(user, "/timezone Atlantis")
    assert "don't know that time zone" in (zone.text or "") and zone.buttons()
    at = await bot.say(user, "/remindat 25:99")
    assert "time of day" in (at.text or "")
    check = await bot.say(user, "/remindat")
    assert "09:00 (Asia/Shanghai)" in (check.text or "")


async def test_an_offset_is_shown_as_typed_not_as_its_etc_name(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(8103, "Vic")
    await bot.say(user, "/start")
    typed = await bot.say(user, "/timezone UTC+8")
    assert "(UTC+8)" in (typed.text or "") and "Etc/GMT" not in (typed.text or "")
    for command in ("/timezone", "/remindat"):
        shown = await bot.say(user, command)
        assert "UTC+8" in (shown.text or "") and "Etc/GMT" not in (shown.text or ""), command
    west = await bot.say(user, "/timezone GMT-5")
    assert "(UTC-5)" in (west.text or "")
