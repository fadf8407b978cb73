"""Typed answers in the card conversations end to end: a date only partly understood is asked
about ("Did you mean …?") and the date confirmed is the date saved; a cycle typed with its
number of days is not asked again; a card named after its carrier gets that carrier."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from storage.models import Card
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # Sunday 2026-11-29, 12:00 in Shanghai


@pytest.fixture
async def tbot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW))
    await harness.start()
    yield harness
    await harness.stop()


def _user(api: FakeBotAPI, lang: str) -> FakeUser:
    return api.user(3101, "Ann", language_code="zh-hans" if lang == "zh" else "en")


async def _cards(bot: BotHarness, chat_id: int) -> list[Card]:
    async with bot.database.session(readonly=True) as session:
        return list(await session.exec(select(Card).where(Card.chat_id == chat_id)))


async def _to_expiry(bot: BotHarness, user: FakeUser) -> SentMessage:
    await bot.say(user, "/addcard")
    prompt = await bot.say(user, "Data")
    for data in ("cf:carrier", "cf:kind:data", "cf:number", "cf:plan", "cf:price"):
        prompt = await bot.press(user, prompt, data)
    return prompt


async def _to_cycle(bot: BotHarness, user: FakeUser) -> None:
    await bot.press(user, await _to_expiry(bot, user), "cf:expiry:+30d")


async def _saved_after_cycle(bot: BotHarness, user: FakeUser, prompt: SentMessage) -> Card:
    for data in ("cf:renew_from:expiry", "cf:lead_days", "cf:save"):
        prompt = await bot.press(user, prompt, data)
    [card] = await _cards(bot, user.id)
    return card


async def _finish(bot: BotHarness, user: FakeUser, prompt: SentMessage) -> None:
    for data in ("cf:cycle:none", "cf:lead_days", "cf:save"):
        prompt = await bot.press(user, prompt, data)


async def test_next_month_5th_is_saved_as_the_5th(api: FakeBotAPI, tbot: BotHarness) -> None:
    user = _user(api, "en")
    await _to_expiry(tbot, user)
    prompt = await tbot.say(user, "next month 5th")
    assert "✓ Expires: 2026-12-05 (in 6 days)" in prompt.plain_text
    await _finish(tbot, user, prompt)
    [card] = await _cards(tbot, user.id)
    assert card.expires_on == date(2026, 12, 5)


async def test_a_guessed_date_is_asked_about_and_the_date_confirmed_is_saved(
    api: FakeBotAPI, tbot: BotHarness
) -> None:
    user = _user(api, "en")
    await _to_expiry(tbot, user)
    question = await tbot.say(user, "December 2026")
    assert question.plain_text == (
        "I'm not sure I understood “December 2026”. Did you mean 31 December 2026?"
    )
    assert question.buttons() == [("✅ Yes", "cf:past:yes"),
                                  ("✏️ No, I'll type it again", "cf:past:no")]
    prompt = await tbot.press(user, question, "cf:past:no")
    assert "When does it expire?" in prompt.plain_text
    assert await _cards(tbot, user.id) == []
    question = await tbot.say(user, "Dec 2026")
    prompt = await tbot.press(user, question, "cf:past:yes")
    assert "✓ Expires: 2026-12-31" in prompt.plain_text
    await _finish(tbot, user, prompt)
    [card] = await _cards(tbot, user.id)
    assert card.expires_on == date(2026, 12, 31)


async def test_a_guessed_past_date_still_asks_about_the_past(
    api: FakeBotAPI, tbot: BotHarness
) -> None:
    user = _user(api, "en")
    await _to_expiry(tbot, user)
    question = await tbot.say(user, "January 2026")
    assert "Did you mean 31 January 2026?" in question.plain_text
    past = await tbot.press(user, question, "cf:past:yes")
    assert past.plain_text.endswith("is in the past (expired 302 days ago). Keep it anyway?")


async def test_february_names_its_year(api: FakeBotAPI, tbot: BotHarness) -> None:
    user = _user(api, "zh")
    await _to_expiry(tbot, user)
    error = await tbot.say(user, "2月29日")
    assert error.plain_text == "“2月29日”不是有效日期：2027年2月只有28天。请重新输入。"


@pytest.mark.parametrize(("lang", "typed", "shown"), [
    ("zh", "每28天", "✓ 续费周期：每 28 天"),
    ("en", "every 28 days", "✓ Renewal cycle: Every 28 days"),
])
async def test_a_cycle_typed_with_its_days_is_not_asked_again(
    api: FakeBotAPI, tbot: BotHarness, lang: str, typed: str, shown: str
) -> None:
    user = _user(api, lang)
    await _to_cycle(tbot, user)
    prompt = await tbot.say(user, typed)
    assert shown in prompt.plain_text
    assert "cf:renew_from:expiry" in prompt.callback_data()  # the next question, not the days
    card = await _saved_after_cycle(tbot, user, prompt)
    assert (card.cycle, card.cycle_days) == ("days", 28)


async def test_a_guessed_renewal_date_is_asked_about(api: FakeBotAPI, tbot: BotHarness) -> None:
    user = _user(api, "en")
    card = await add_card(tbot.database, tbot.settings, tbot.clock, user.id, date(2026, 12, 1))
    await tbot.say(user, "/start")
    await tbot.say(user, f"/renewed {card.id}")
    question = await tbot.say(user, "March 2027")
    assert "Did you mean 31 March 2027?" in question.plain_text
    again = await tbot.press(user, question, "rn:retype")
    assert again.plain_text.startswith("Please type the new expiry date")
    question = await tbot.say(user, "March 2027")
    [(_text, data), _no] = question.buttons()
    assert data == "rn:date:2027-03-31"
    await tbot.press(user, question, data)
    [saved] = await _cards(tbot, user.id)
    assert saved.expires_on == date(2027, 3, 31)


@pytest.mark.parametrize(("lang", "question_text", "shown"), [
    ("zh", "你是说每 30 天续费一次吗？", "✓ 续费周期：每 30 天"),
    ("en", "Did you mean every 30 days?", "✓ Renewal cycle: Every 30 days"),
])
async def test_a_bare_number_typed_for_the_cycle_is_asked_about_before_it_is_saved(
    api: FakeBotAPI, tbot: BotHarness, lang: str, question_text: str, shown: str
) -> None:
    user = _user(api, lang)
    await _to_cycle(tbot, user)
    question = await tbot.say(user, "30")
    assert question.plain_text == question_text
    retyped = await tbot.press(user, question, "cf:past:no")
    assert "cf:cycle:monthly" in retyped.callback_data()  # the cycle is asked again
    question = await tbot.say(user, "30")
    prompt = await tbot.press(user, question, "cf:past:yes")
    assert shown in prompt.plain_text
    card = await _saved_after_cycle(tbot, user, prompt)
    assert (card.cycle, card.cycle_days) == ("days", 30)


@pytest.mark.parametrize(("lang", "name", "carrier", "shown"), [
    ("zh", "中国移动", "china_mobile", "✓ 运营商：中国移动"),
    ("en", "Globe backup", "globe", "✓ Carrier: Globe"),
])
async def test_a_card_named_after_its_carrier_gets_that_carrier(
    api: FakeBotAPI, tbot: BotHarness, lang: str, name: str, carrier: str, shown: str
) -> None:
    user = _user(api, lang)
    await tbot.say(user, "/addcard")
    prompt = await tbot.say(user, name)
    assert shown in prompt.plain_text
    assert "cf:kind:sim" in prompt.callback_data()  # the carrier is not asked
    prompt = await tbot.press(user, prompt, "cf:kind:sim")
    for data in ("cf:number", "cf:plan", "cf:price", "cf:expiry:+30d", "cf:cycle:none",
                 "cf:lead_days", "cf:save"):
        prompt = await tbot.press(user, prompt, data)
    [card] = await _cards(tbot, user.id)
    assert (card.label, card.carrier) == (name, carrier)
