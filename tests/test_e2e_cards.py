"""Card records end to end over the fake Bot API: /addcard, /cards, /card, /renewed, /history,
/editcard, /delcard and /forget in English and Chinese, with the clock frozen so dates are known."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from bot.domain.dates import format_date
from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from handlers.cards import common
from storage.models import Card, Delivery, DeliveryStatus, Renewal
from storage.repositories.chats import ChatRepository
from storage.repositories.ptb_state import PtbStateRepository
from tests.harness import BotHarness, ManualClock, button_answer
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # Tuesday 2026-03-10, 12:00 in Shanghai
TODAY = date(2026, 3, 10)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(frozen=NOW)


@pytest.fixture
async def cbot(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=clock)
    await harness.start()
    yield harness
    await harness.stop()


def _user(api: FakeBotAPI, lang: str, user_id: int = 3001) -> FakeUser:
    return api.user(user_id, "Ann", language_code="zh-hans" if lang == "zh" else "en")


async def _cards(bot: BotHarness, chat_id: int) -> list[Card]:
    async with bot.database.session(readonly=True) as session:
        return list(await session.exec(select(Card).where(Card.chat_id == chat_id)))


async def _renewals(bot: BotHarness, card_id: int | None) -> list[Renewal]:
    assert card_id is not None
    async with bot.database.session(readonly=True) as session:
        return list(await session.exec(select(Renewal).where(Renewal.card_id == card_id)))


async def _seed(bot: BotHarness, chat_id: int, expires_on: date, **fields: Any) -> Card:
    return await add_card(bot.database, bot.settings, bot.clock, chat_id, expires_on, **fields)


async def _snapshot(bot: BotHarness) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    async with bot.database.session(readonly=True) as session:
        cards = [c.model_dump() for c in await session.exec(select(Card).order_by(col(Card.id)))]
        renewals = [r.model_dump() for r in await session.exec(select(Renewal))]
    return cards, renewals


async def _to_expiry(bot: BotHarness, user: FakeUser) -> SentMessage:
    """/addcard with the fewest answers up to the expiry question."""
    await bot.say(user, "/addcard")
    prompt = await bot.say(user, "Data")
    for data in ("cf:carrier", "cf:kind:data", "cf:number", "cf:plan", "cf:price"):
        prompt = await bot.press(user, prompt, data)
    assert "cf:expiry:+30d" in prompt.callback_data()
    return prompt


async def _answer(api: FakeBotAPI, user: FakeUser, message: SentMessage, data: str) -> str | None:
    """Press a (possibly forged) button and return the alert it answered with."""
    answer = await button_answer(api, user, message, data)
    return answer.text if answer else None


# --------------------------------------------------------------------------- /addcard


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_full_addcard_with_every_optional_step(
    api: FakeBotAPI, cbot: BotHarness, lang: str
) -> None:
    user = _user(api, lang)
    intro = await cbot.say(user, "/addcard")
    assert ("Let's record a new card" if lang == "en" else "我们来记录一张新卡") in intro.plain_text
    prompt = await cbot.say(user, "<Work> & SIM")
    assert "&lt;Work&gt; &amp; SIM" in (prompt.text or "")  # echoed back escaped
    prompt = await cbot.press(user, prompt, "cf:carrier:smart")
    prompt = await cbot.press(user, prompt, "cf:kind:esim")
    prompt = await cbot.say(user, "+63 917 123 4567")
    assert "···4567" in prompt.plain_text and "917" not in prompt.plain_text
    prompt = await cbot.say(user, "30 GB a month")
    prompt = await cbot.say(user, "₱99")
    prompt = await cbot.say(user, "2026-12-31")
    assert format_date(date(2026, 12, 31), lang) in prompt.plain_text
    prompt = await cbot.press(user, prompt, "cf:cycle:days")
    prompt = await cbot.say(user, "28")
    prompt = await cbot.press(user, prompt, "cf:renew_from:renewal_day")
    summary = await cbot.say(user, "5, 1")
    text = summary.plain_text
    for shown in ("<Work> & SIM", "Smart", "eSIM", "···4567", "30 GB a month", "₱99.00",
                  "5, 1"):
        assert shown in text
    assert ("Every 28 days" if lang == "en" else "每 28 天") in text
    assert summary.callback_data() == ["cf:save", "cf:edit", "cf:cancel"]
    saved = await cbot.press(user, summary, "cf:save")
    assert ("✅ Saved." if lang == "en" else "✅ 已保存。") in saved.plain_text
    assert "card:renewed:" in saved.callback_data()[0]

    [card] = await _cards(cbot, user.id)
    assert (card.label, card.carrier, card.kind, card.number_tail, card.plan) == (
        "<Work> & SIM", "smart", "esim", "4567", "30 GB a month"
    )
    assert (card.price, card.currency, card.expires_on) == (9900, "PHP", date(2026, 12, 31))
    assert (card.cycle, card.cycle_days, card.renew_from, card.lead_days) == (
        "days", 28, "renewal_day", "5,1"
    )
    assert card.created_by == user.id and card.thread_id is None
    assert card.next_remind_at == datetime(2026, 12, 26, 1, 0, tzinfo=UTC)  # 5 days before, 09:00


async def test_minimal_addcard_with_skips(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "en")
    prompt = await _to_expiry(cbot, user)
    prompt = await cbot.press(user, prompt, "cf:expiry:+30d")
    assert "2026-04-09 (in 30 days)" in prompt.plain_text
    prompt = await cbot.press(user, prompt, "cf:cycle:none")
    assert "cf:lead_days" in prompt.callback_data()  # renew_from is not asked without a cycle
    summary = await cbot.press(user, prompt, "cf:lead_days")
    assert "7, 3, 1, 0 days before (this chat's default)" in summary.plain_text
    await cbot.press(user, summary, "cf:save")
    [card] = await _cards(cbot, user.id)
    assert (card.carrier, card.number_tail, card.plan, card.price, card.lead_days) == (
        None, None, None, None, None
    )
    assert (card.kind, card.cycle, card.renew_from) == ("data", "none", "expiry")
    assert card.expires_on == date(2026, 4, 9)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_cancel_mid_way_discards_the_draft(
    api: FakeBotAPI, cbot: BotHarness, lang: str
) -> None:
    user = _user(api, lang)
    await cbot.say(user, "/addcard")
    await cbot.say(user, "Travel <eSIM>")
    cancelled = await cbot.say(user, "/cancel")
    expected = ("Cancelled: the new card “Travel <eSIM>” was not saved." if lang == "en"
                else "已取消：新卡片“Travel <eSIM>”没有保存。")
    assert cancelled.plain_text == expected
    assert await _cards(cbot, user.id) == []
    listing = await cbot.say(user, "/cards")  # the conversation is over: not taken as an answer
    assert "/addcard" in listing.plain_text

    # The Cancel button works too, and before any answer nothing is lost.
    prompt = await cbot.say(user, "/addcard")
    cancelled = await cbot.press(user, prompt, "cf:cancel")
    assert cancelled.plain_text == (
        "Cancelled: nothing was saved." if lang == "en" else "已取消：没有保存任何内容。"
    )


@pytest.mark.parametrize(
    ("lang", "typed", "expected"),
    [
        ("en", "2026-12-31", date(2026, 12, 31)),
        ("en", "2026/12/31", date(2026, 12, 31)),
        ("en", "31.12.2026", date(2026, 12, 31)),
        ("en", "12/31", date(2026, 12, 31)),
        ("zh", "2026年12月31日", date(2026, 12, 31)),
        ("zh", "12月31日", date(2026, 12, 31)),
        ("zh", "明天", date(2026, 3, 11)),
        ("zh", "30天后", date(2026, 4, 9)),
        ("zh", "下个月5号", date(2026, 4, 5)),
        ("en", "tomorrow", date(2026, 3, 11)),
        ("en", "in 30 days", date(2026, 4, 9)),
        ("en", "+30d", date(2026, 4, 9)),
        ("en", "next friday", date(2026, 3, 20)),  # the Friday of next week, as 下周五
        ("zh", "cf:expiry:+7d", date(2026, 3, 17)),
        ("en", "cf:expiry:+30d", date(2026, 4, 9)),
        ("en", "cf:expiry:+90d", date(2026, 6, 8)),
        ("zh", "cf:expiry:+1y", date(2027, 3, 10)),
    ],
)
async def test_every_expiry_format(
    api: FakeBotAPI, cbot: BotHarness, lang: str, typed: str, expected: date
) -> None:
    user = _user(api, lang)
    prompt = await _to_expiry(cbot, user)
    if typed.startswith("cf:"):
        reply = await cbot.press(user, prompt, typed)
    else:
        reply = await cbot.say(user, typed)
    assert format_date(expected, lang) in reply.plain_text
    assert "cf:cycle:monthly" in reply.callback_data()  # accepted: on to the next question


async def test_invalid_then_corrected_input(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "en")
    await cbot.say(user, "/addcard")
    error = await cbot.say(user, "x" * 65)
    assert error.plain_text == "That is 65 characters long; please keep it to 64."
    since = api.mark()
    api.send_sticker(user)
    nudge = await api.wait_for_message(user.id, since=since)
    assert "Please type your answer or use the buttons" in nudge.plain_text
    prompt = await cbot.say(user, "Home SIM")  # still the name question
    assert "✓ Name: Home SIM" in prompt.plain_text
    prompt = await cbot.say(user, "chna mobile")  # typo forgiven
    assert "✓ Carrier: China Mobile" in prompt.plain_text
    assert (await cbot.say(user, "a phone")).plain_text == "Please pick the type with the buttons."
    prompt = await cbot.say(user, "流量卡")
    assert "✓ Type: Data card" in prompt.plain_text
    error = await cbot.say(user, "call me maybe")
    assert "only digits" in error.plain_text and "call" not in error.plain_text
    await cbot.say(user, "1234")
    await cbot.say(user, "Unlimited")
    error = await cbot.say(user, "30 ZZZ")
    assert "I don't know the currency “zzz”" in error.plain_text
    error = await cbot.say(user, "9999999")
    assert "more than 1,000,000" in error.plain_text
    await cbot.say(user, "HK$50")
    error = await cbot.say(user, "2026-02-30")
    assert error.plain_text == (
        "“2026-02-30” is not a real date: February 2026 has only 28 days. Please try again."
    )
    assert "cf:expiry:+30d" in error.callback_data()  # the quick dates are offered again
    error = await cbot.say(user, "someday")
    assert "I couldn't read “someday” as a date" in error.plain_text
    past = await cbot.say(user, "2026-03-01")
    assert past.plain_text == "2026-03-01 is in the past (expired 9 days ago). Keep it anyway?"
    prompt = await cbot.press(user, past, "cf:past:no")
    assert "When does it expire?" in prompt.plain_text
    prompt = await cbot.say(user, "2026-03-01")
    prompt = await cbot.press(user, prompt, "cf:past:yes")
    error = await cbot.say(user, "every 5 months")
    assert "monthly, quarterly, yearly or every N days" in error.plain_text
    prompt = await cbot.say(user, "每月")
    prompt = await cbot.press(user, prompt, "cf:renew_from:expiry")
    error = await cbot.say(user, "400")
    assert error.plain_text == "Each number must be between 0 and 365."
    summary = await cbot.say(user, "7 1")
    await cbot.press(user, summary, "cf:save")
    [card] = await _cards(cbot, user.id)
    assert (card.label, card.carrier, card.kind, card.number_tail) == (
        "Home SIM", "china_mobile", "data", "1234"
    )
    assert (card.price, card.currency, card.expires_on, card.cycle, card.lead_days) == (
        5000, "HKD", date(2026, 3, 1), "monthly", "7,1"
    )


async def test_a_restart_in_the_middle_of_addcard_resumes_at_the_same_step(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "zh")
    await cbot.say(user, "/addcard")
    prompt = await cbot.say(user, "旅行卡")
    prompt = await cbot.press(user, prompt, "cf:carrier:airalo")
    assert "cf:kind:esim" in prompt.callback_data()
    await cbot.restart()
    prompt = await cbot.press(user, prompt, "cf:kind:esim")
    assert "✓ 类型：eSIM" in prompt.plain_text and "手机号或 ICCID" in prompt.plain_text
    for data in ("cf:number", "cf:plan", "cf:price", "cf:expiry:+1y", "cf:cycle:yearly",
                 "cf:renew_from:expiry", "cf:lead_days", "cf:save"):
        prompt = await cbot.press(user, prompt, data)
    [card] = await _cards(cbot, user.id)
    assert (card.label, card.carrier, card.kind, card.expires_on) == (
        "旅行卡", "airalo", "esim", date(2027, 3, 10)
    )


async def test_an_idle_conversation_times_out_politely(
    api: FakeBotAPI, sqlite_url: str, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(common, "IDLE_TIMEOUT", 0.3)
    bot = BotHarness(api, sqlite_url, clock=clock)
    await bot.start()
    try:
        user = _user(api, "en")
        await bot.say(user, "/addcard")
        await bot.say(user, "Forgotten SIM")
        gave_up = await api.wait_for_message(user.id, timeout=5)
        assert gave_up.plain_text.startswith("⌛ I stopped waiting for an answer")
        listing = await bot.say(user, "/cards")  # nothing saved, and no conversation left
        assert "no cards here yet" in listing.plain_text
    finally:
        await bot.stop()


async def test_the_card_limit(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "en")
    async with cbot.database.session() as session:
        await ChatRepository(session).ensure(user.id, "private", None, "en")
        session.add_all(Card(chat_id=user.id, number=n + 1, created_by=user.id,
                             label=f"Card {n}", expires_on=date(2026, 4, 1)) for n in range(200))
    refused = await cbot.say(user, "/addcard")
    assert refused.plain_text == (
        "This chat already has 200 cards, the most I can keep. Delete one with /delcard first."
    )
    assert len(await _cards(cbot, user.id)) == 200


async def test_in_a_group_only_admins_add_cards_and_the_topic_is_kept(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    # The bot paces every request in a group (5 at once, then one per 4 s), so each group
    # here sees at most 5 requests; the steps themselves are covered in private chats.
    admin, member = _user(api, "en", 3101), _user(api, "en", 3102)
    lobby = api.group(-1003100, "Lobby")
    api.set_member(lobby, member)
    refused = await cbot.say(member, "/addcard", chat=lobby)
    assert refused.plain_text == "Only the group's admins can add cards here."
    refused = await cbot.say(member, "/cards", chat=lobby)
    assert refused.plain_text == "Only the group's admins can see its cards."

    group = api.group(-1003101, "Family SIMs", forum=True)
    api.set_admins(group, [3101])
    since = api.mark()
    api.send_text(admin, "/addcard", chat=group, thread_id=77)
    prompt = await api.wait_for_message(group, since=since)
    assert prompt.message_thread_id == 77
    asking = await cbot.force_reply(group.id, since=prompt)
    assert asking.message_thread_id == 77
    prompt = await cbot.reply(admin, asking, "Mum's SIM")
    assert prompt.message_thread_id == 77 and "cf:carrier:globe" in prompt.callback_data()
    # The draft belongs to this group and topic, apart from the admin's private drafts.
    assert cbot.app is not None
    drafts = cbot.app.user_data[admin.id]["card_form"]
    assert list(drafts) == [str(group.id)]
    assert (drafts[str(group.id)]["thread_id"], drafts[str(group.id)]["values"]) == (
        77, {"label": "Mum's SIM"}
    )
    assert await _answer(api, member, prompt, "cf:carrier:globe") == "That button has expired."


async def test_main_menu_buttons_open_the_cards(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "en")
    menu = await cbot.say(user, "/start")
    listing = await cbot.press(user, menu, "menu:cards")
    assert "There are no cards here yet" in listing.plain_text
    prompt = await cbot.press(user, listing, "menu:addcard")
    assert "What should I call this card?" in prompt.plain_text


# --------------------------------------------------------------------------- /cards, /card


async def test_cards_are_paginated_with_status_and_monthly_cost(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    await _seed(cbot, user.id, date(2026, 3, 8), label="Lapsed", price=3000, currency="CNY",
                cycle="monthly")
    await _seed(cbot, user.id, date(2026, 3, 12), label="Soon", price=12000, currency="CNY",
                cycle="yearly")
    await _seed(cbot, user.id, date(2026, 3, 15), label="Week", price=30000, currency="PHP",
                cycle="quarterly")
    await _seed(cbot, user.id, date(2026, 3, 20), label="Days", price=3000, currency="CNY",
                cycle="days", cycle_days=30)
    for n in range(19):
        await _seed(cbot, user.id, date(2026, 5, 1 + n), label=f"Later {n:02d}")

    first = await cbot.say(user, "/cards")
    text = first.plain_text
    assert "Your cards (23) · page 1 of 3" in text
    assert "🔴 #1 Lapsed · China Mobile — 2026-03-08 (expired 2 days ago)" in text
    assert "🟠 #2 Soon" in text and "🟡 #3 Week" in text and "🟢 #4 Days" in text
    # ¥30 + ¥120/12 + ¥30 a 30-day cycle (30.42 a month); ₱300 a quarter.
    assert "Monthly cost: about ¥70.42 + ₱100.00" in text
    data = first.callback_data()
    assert data[:10] == [f"card:view:{n}" for n in range(1, 11)]
    assert data[10:] == ["cards:page:2", "menu:addcard"]

    second = await cbot.press(user, first, "cards:page:2")
    assert "page 2 of 3" in second.plain_text and "Later 06" in second.plain_text
    assert second.callback_data()[10:12] == ["cards:page:1", "cards:page:3"]
    third = await cbot.press(user, second, "cards:page:3")
    assert third.callback_data()[:3] == ["card:view:21", "card:view:22", "card:view:23"]
    assert third.callback_data()[3:] == ["cards:page:2", "menu:addcard"]

    view = await cbot.press(user, third, "card:view:22")
    assert "Later 17" in view.plain_text and "Status: 🟢 fine" in view.plain_text
    assert view.callback_data() == [
        "card:renewed:22", "card:edit:22", "card:hist:22", "card:rem:22", "card:del:22",
        "cards:page:1",
    ]


async def test_card_command_in_chinese(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "zh")
    await cbot.say(user, "/start")
    card = await _seed(cbot, user.id, date(2026, 3, 12), label="工作卡", price=3000,
                       currency="CNY", cycle="monthly")
    view = await cbot.say(user, f"/card {card.id}")
    for shown in ("工作卡 · 中国移动", "状态：🟠 3 天内到期", "到期日：2026年3月12日（还有 2 天）",
                  "价格：¥30.00", "续费周期：每月"):
        assert shown in view.plain_text
    picker = await cbot.say(user, "/card")
    assert picker.callback_data() == [f"card:view:{card.id}"]


async def test_reminders_button_changes_lead_days_and_stops(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 4, 30))
    view = await cbot.say(user, f"/card {card.id}")
    panel = await cbot.press(user, view, f"card:rem:{card.id}")
    assert "Reminders: 7, 3, 1, 0 days before (this chat's default)" in panel.plain_text
    panel = await cbot.press(user, panel, f"card:lead:{card.id}:3,1,0")
    [stored] = await _cards(cbot, user.id)
    assert stored.lead_days == "3,1,0"
    assert stored.next_remind_at == datetime(2026, 4, 27, 1, 0, tzinfo=UTC)
    panel = await cbot.press(user, panel, f"card:mute:{card.id}")
    assert "🔕 I won't remind you about this card." in panel.plain_text
    [stored] = await _cards(cbot, user.id)
    assert stored.lapsed and stored.next_remind_at is None
    panel = await cbot.press(user, panel, f"card:unmute:{card.id}")
    [stored] = await _cards(cbot, user.id)
    assert not stored.lapsed and stored.next_remind_at is not None


# --------------------------------------------------------------------------- renewals


async def test_renewal_from_the_expiry_clamps_to_the_month_end(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    bot = BotHarness(api, sqlite_url, clock=ManualClock(frozen=datetime(2026, 1, 30, 4, 0,
                                                                        tzinfo=UTC)))
    await bot.start()
    try:
        user = _user(api, "en")
        card = await _seed(bot, user.id, date(2026, 1, 31), cycle="monthly", price=3000,
                           currency="CNY")
        question = await bot.say(user, f"/renewed {card.id}")
        assert "New expiry: 2026-02-28 (Monthly, counted from the old expiry)" in (
            question.plain_text
        )
        assert question.callback_data() == ["rn:date:2026-02-28", "rn:cancel"]
        details = await bot.press(user, question, "rn:date:2026-02-28")
        assert "now expires on 2026-02-28. Saved." in details.plain_text
        # Saved before any detail: walking away now loses nothing.
        [renewal] = await _renewals(bot, card.id)
        assert (renewal.old_expires_on, renewal.new_expires_on, renewal.amount) == (
            date(2026, 1, 31), date(2026, 2, 28), None
        )
        [stored] = await _cards(bot, user.id)
        assert stored.expires_on == date(2026, 2, 28) and stored.next_remind_at is not None

        channel = await bot.press(user, details, "rn:amt")  # the card's price, prefilled
        await bot.press(user, channel, "rn:ch:gcash")
        receipt = await bot.say(user, "promo <GoSURF>")
        assert "Send a photo" in receipt.plain_text
        since = api.mark()
        api.send_photo(user)
        done = await api.wait_for_message(user.id, since=since, include_edits=True)
        assert "2026-01-30: 2026-01-31 → 2026-02-28 · ¥30.00 · GCash · 🧾" in done.plain_text
        assert "&lt;GoSURF&gt;" in (done.text or "")
        [renewal] = await _renewals(bot, card.id)
        assert (renewal.amount, renewal.currency, renewal.channel, renewal.note) == (
            3000, "CNY", "gcash", "promo <GoSURF>"
        )
        assert renewal.receipt_file_id and renewal.renewed_by == user.id
    finally:
        await bot.stop()


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_renewal_from_today_with_the_button(
    api: FakeBotAPI, cbot: BotHarness, lang: str
) -> None:
    user = _user(api, lang)
    await cbot.say(user, "/start")
    card = await _seed(cbot, user.id, date(2026, 3, 12), cycle="yearly",
                       renew_from="renewal_day", language=lang)
    view = await cbot.say(user, f"/card {card.id}")
    question = await cbot.press(user, view, f"card:renewed:{card.id}")
    assert question.message_id != view.message_id  # the card view stays as it was
    assert format_date(date(2027, 3, 10), lang) in question.plain_text
    details = await cbot.press(user, question, "rn:date:2027-03-10")
    done = await cbot.press(user, details, "rn:done")
    assert ("All set." if lang == "en" else "全部完成。") in done.plain_text
    [renewal] = await _renewals(cbot, card.id)
    assert renewal.new_expires_on == date(2027, 3, 10) and renewal.channel is None


async def test_renewal_of_a_card_without_cycle_asks_for_the_date(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 3, 5))
    question = await cbot.say(user, f"/renewed {card.id}")
    assert "It has no fixed cycle" in question.plain_text
    assert "rn:date:2026-04-09" in question.callback_data()  # +30 days from today
    past = await cbot.say(user, "2026-03-01")
    assert past.callback_data() == ["rn:date:2026-03-01", "rn:cancel"]
    details = await cbot.say(user, "6月30日")
    assert "now expires on 2026-06-30" in details.plain_text
    stopped = await cbot.say(user, "/cancel")
    assert stopped.plain_text.startswith("Stopped. The renewal itself is saved")
    [renewal] = await _renewals(cbot, card.id)
    assert renewal.new_expires_on == date(2026, 6, 30)


async def test_quick_dates_count_from_an_expiry_still_ahead(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 4, 30))  # no cycle; today is 2026-03-10
    question = await cbot.say(user, f"/renewed {card.id}")
    assert question.callback_data()[:2] == ["rn:date:2026-05-07", "rn:date:2026-05-30"]


async def test_a_typed_renewal_date_not_later_than_the_expiry_is_asked_about(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 6, 30), cycle="monthly")
    await cbot.say(user, f"/renewed {card.id}")
    asked = await cbot.say(user, "2026-05-01")  # in the future, yet before the expiry
    assert asked.plain_text.startswith(
        "2026-05-01 is not later than the current expiry (2026-06-30)"
    )
    assert asked.callback_data() == ["rn:date:2026-05-01", "rn:retype"]
    assert await _renewals(cbot, card.id) == []  # nothing saved on a question
    hint = await cbot.press(user, asked, "rn:retype")
    assert "Please type the new expiry date" in hint.plain_text
    details = await cbot.say(user, "2026-07-31")
    assert "now expires on 2026-07-31" in details.plain_text
    [renewal] = await _renewals(cbot, card.id)
    assert renewal.new_expires_on == date(2026, 7, 31)


async def test_a_renewal_told_as_the_time_it_bought_is_counted_and_confirmed(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 6, 30), cycle="monthly")  # today: 2026-03-10
    await cbot.say(user, f"/renewed {card.id}")
    asked = await cbot.say(user, "交了一年的")
    assert "that makes the new expiry 2027-06-30, counted from 2026-06-30" in asked.plain_text
    assert asked.callback_data() == ["rn:date:2027-06-30", "rn:retype"]
    assert await _renewals(cbot, card.id) == []  # nothing saved on a question
    details = await cbot.press(user, asked, "rn:date:2027-06-30")
    assert "now expires on 2027-06-30" in details.plain_text
    [renewal] = await _renewals(cbot, card.id)
    assert renewal.new_expires_on == date(2027, 6, 30)
    # A lapsed card counts from today.
    lapsed = await _seed(cbot, user.id, date(2026, 1, 31), cycle="monthly")
    await cbot.say(user, "/cancel")
    await cbot.say(user, f"/renewed {lapsed.number}")
    from_today = await cbot.say(user, "续了3个月")
    assert from_today.callback_data()[0] == "rn:date:2026-06-10"


async def test_a_note_that_sounds_like_news_of_a_renewal_stays_the_note(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 6, 30), cycle="monthly")
    question = await cbot.say(user, f"/renewed {card.id}")
    details = await cbot.press(user, question, "rn:date:2026-07-30")
    channel = await cbot.say(user, "150")
    note = await cbot.press(user, channel, "rn:ch:store")
    assert "Any note" in note.plain_text
    receipt = await cbot.say(user, "I renewed it at the mall")  # words that start /renewed
    assert "Send a photo" in receipt.plain_text
    [renewal] = await _renewals(cbot, card.id)  # one renewal, not a second one started
    assert renewal.note == "I renewed it at the mall"
    assert details.message_id != receipt.message_id


async def test_a_long_overdue_renewal_also_offers_a_period_from_today(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 1, 15), cycle="monthly")
    question = await cbot.say(user, f"/renewed {card.id}")
    assert "New expiry: 2026-02-15" in question.plain_text
    assert "⚠️ That is still in the past." in question.plain_text
    assert question.callback_data() == ["rn:date:2026-02-15", "rn:date:2026-04-10", "rn:cancel"]
    details = await cbot.press(user, question, "rn:date:2026-04-10")
    assert "now expires on 2026-04-10" in details.plain_text
    cancelled = await cbot.say(user, "/cancel")
    assert "The renewal itself is saved" in cancelled.plain_text
    [stored] = await _cards(cbot, user.id)
    assert stored.expires_on == date(2026, 4, 10)


async def test_history_lists_renewals_and_resends_the_receipt(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 3, 31), cycle="monthly", price=3000,
                       currency="CNY")
    empty = await cbot.say(user, f"/history {card.id}")
    assert "No renewals recorded yet" in empty.plain_text
    for amount in ("¥30", "US$5"):
        question = await cbot.say(user, f"/renewed {card.id}")
        await cbot.press(user, question, question.callback_data()[0])
        channel = await cbot.say(user, amount)
        note = await cbot.press(user, channel, "rn:skip")
        if amount == "¥30":
            await cbot.press(user, note, "rn:done")
            continue
        await cbot.press(user, note, "rn:skip")
        since = api.mark()
        api.send_photo(user, b"\xff\xd8receipt")
        await api.wait_for_message(user.id, since=since, include_edits=True)
    history = await cbot.say(user, f"/history {card.id}")
    assert "2026-03-10: 2026-04-30 → 2026-05-30 · US$5.00 · 🧾" in history.plain_text
    assert "2026-03-10: 2026-03-31 → 2026-04-30 · ¥30.00" in history.plain_text
    assert "Paid in total: ¥30.00 + US$5.00" in history.plain_text
    receipts = [d for d in history.callback_data() if d.startswith("card:rcpt:")]
    assert len(receipts) == 1
    photo = await cbot.press(user, history, receipts[0])
    renewal = next(r for r in await _renewals(cbot, card.id) if r.receipt_file_id)
    assert photo.method == "sendPhoto" and photo.params.get("photo") == renewal.receipt_file_id
    assert "Receipt of the renewal on 2026-03-10" in (photo.caption or "")


# --------------------------------------------------------------------------- edit, delete


async def test_editcard_changes_fields_and_recomputes_the_reminder(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "en")
    card = await _seed(cbot, user.id, date(2026, 4, 30), lapsed=True)
    picker = await cbot.say(user, f"/editcard {card.id}")
    assert "Which field do you want to change?" in picker.plain_text
    assert "cf:pick:price" in picker.callback_data()
    prompt = await cbot.press(user, picker, "cf:pick:price")
    assert prompt.callback_data() == ["cf:price", "cf:back", "cf:cancel"]
    summary = await cbot.say(user, "HK$50")
    assert "HK$50.00" in summary.plain_text
    picker = await cbot.press(user, summary, "cf:edit")
    prompt = await cbot.press(user, picker, "cf:pick:cycle")
    prompt = await cbot.press(user, prompt, "cf:cycle:days")  # the number of days comes next
    assert "Every how many days?" in prompt.plain_text
    assert "cf:back" not in prompt.callback_data()  # no way back without the number of days
    assert await _answer(api, user, prompt, "cf:cycle_days") == "That button has expired."
    summary = await cbot.press(user, prompt, "cf:cycle_days:30")
    picker = await cbot.press(user, summary, "cf:edit")
    prompt = await cbot.press(user, picker, "cf:pick:expiry")
    summary = await cbot.say(user, "2026-05-31")
    saved = await cbot.press(user, summary, "cf:save")
    assert "Saved." in saved.plain_text
    [stored] = await _cards(cbot, user.id)
    assert (stored.price, stored.currency, stored.cycle, stored.cycle_days) == (
        5000, "HKD", "days", 30
    )
    assert stored.expires_on == date(2026, 5, 31)
    assert not stored.lapsed  # a new expiry starts a new period
    assert stored.next_remind_at == datetime(2026, 5, 24, 1, 0, tzinfo=UTC)

    picker = await cbot.say(user, f"/editcard {card.id}")
    prompt = await cbot.press(user, picker, "cf:pick:label")
    await cbot.say(user, "Renamed")
    cancelled = await cbot.say(user, "/cancel")
    assert cancelled.plain_text == "Cancelled: your changes to “Renamed” were not saved."
    [unchanged] = await _cards(cbot, user.id)
    assert unchanged.label == "Work SIM"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_delcard_asks_and_removes_renewals_and_deliveries(
    api: FakeBotAPI, cbot: BotHarness, lang: str
) -> None:
    user = _user(api, lang)
    await cbot.say(user, "/start")
    card = await _seed(cbot, user.id, date(2026, 3, 31), cycle="monthly", language=lang)
    keep = await _seed(cbot, user.id, date(2026, 3, 31), label="Keep me", language=lang)
    question = await cbot.say(user, f"/renewed {card.id}")
    details = await cbot.press(user, question, "rn:date:2026-04-30")
    await cbot.press(user, details, "rn:done")
    async with cbot.database.session() as session:
        assert card.id is not None
        session.add(Delivery(card_id=card.id, expires_on=date(2026, 4, 30), offset_days=-7,
                             status=DeliveryStatus.SENT, due_at=NOW))

    confirm = await cbot.say(user, f"/delcard {card.id}")
    assert ("1 recorded" if lang == "en" else "共 1 条") in confirm.plain_text
    view = await cbot.press(user, confirm, f"card:view:{card.id}")  # "Keep it"
    confirm = await cbot.press(user, view, f"card:del:{card.id}")
    deleted = await cbot.press(user, confirm, f"card:delok:{card.id}")
    assert ("🗑 Deleted Work SIM" if lang == "en" else "🗑 已删除 Work SIM") in deleted.plain_text
    assert [c.id for c in await _cards(cbot, user.id)] == [keep.id]
    assert await _renewals(cbot, card.id) == []
    async with cbot.database.session(readonly=True) as session:
        assert list(await session.exec(select(Delivery))) == []


async def test_forget_removes_all_of_the_users_data(api: FakeBotAPI, cbot: BotHarness) -> None:
    user = _user(api, "zh")
    group = api.group(-1003200, "Team")
    api.set_admins(group, [user.id])
    await cbot.say(user, "/language en")
    await cbot.say(user, "/timezone Asia/Manila")
    card = await _seed(cbot, user.id, date(2026, 3, 31), cycle="monthly")
    await _seed(cbot, user.id, date(2026, 4, 30))
    group_card = await _seed(cbot, group.id, date(2026, 4, 30), chat_type="supergroup")
    question = await cbot.say(user, f"/renewed {card.id}")
    await cbot.press(user, question, question.callback_data()[0])
    await cbot.say(user, "/addcard")
    await cbot.say(user, "Half-typed")  # an unfinished draft in user_data

    refused = await cbot.say(user, "/forget", chat=group)
    assert "private chat" in refused.plain_text
    confirm = await cbot.say(user, "/forget")
    assert "your cards here (2)" in confirm.plain_text
    kept = await cbot.press(user, confirm, "forget:no")
    assert kept.plain_text == "OK, nothing was deleted."
    confirm = await cbot.say(user, "/forget")
    done = await cbot.press(user, confirm, "forget:yes")
    assert done.plain_text.startswith("完成：已删除 2 张卡")  # the user's own language again

    assert await _cards(cbot, user.id) == [] and await _renewals(cbot, card.id) == []
    assert [c.id for c in await _cards(cbot, group.id)] == [group_card.id]
    async with cbot.database.session(readonly=True) as session:
        chat = await ChatRepository(session).get(user.id)
    assert chat is not None and (chat.language, chat.timezone) == (None, None)
    expired = await cbot.say(user, "anything")  # the /addcard draft went too
    assert expired.plain_text == "这次对话已失效。请发送 /addcard 重新开始。"
    await cbot.restart()  # a clean stop writes the persistence
    async with cbot.database.session(readonly=True) as session:
        assert user.id not in await PtbStateRepository(session).load_data("user")


# --------------------------------------------------------------------------- ownership


async def test_another_users_card_is_not_found_and_unchanged(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    alice, bob = _user(api, "en", 3301), _user(api, "en", 3302)
    card = await _seed(cbot, alice.id, date(2026, 3, 31), cycle="monthly")
    question = await cbot.say(alice, f"/renewed {card.id}")
    details = await cbot.press(alice, question, "rn:date:2026-04-30")
    await cbot.press(alice, details, "rn:done")
    [renewal] = await _renewals(cbot, card.id)
    before = await _snapshot(cbot)

    not_found = "That card was not found. It may have been deleted."
    for command in ("card", "renewed", "editcard", "delcard", "history"):
        assert (await cbot.say(bob, f"/{command} {card.id}")).plain_text == not_found
    menu = await cbot.say(bob, "/start")
    for action in ("view", "renewed", "edit", "hist", "del", "delok", "rem", "mute"):
        assert await _answer(api, bob, menu, f"card:{action}:{card.id}") == not_found
    assert await _answer(api, bob, menu, f"card:lead:{card.id}:1,0") == not_found
    assert await _answer(api, bob, menu, f"card:rcpt:{renewal.id}") == (
        "That receipt was not found. It may have been deleted."
    )
    assert await _snapshot(cbot) == before
    assert len(api.messages_to(bob.id)) == 6  # five refusals and the menu: nothing else sent


async def test_a_chinese_card_list_uses_full_width_parentheses(
    api: FakeBotAPI, cbot: BotHarness
) -> None:
    user = _user(api, "zh")
    await _seed(cbot, user.id, date(2026, 3, 20), label="工作卡", language="zh")
    text = (await cbot.say(user, "/cards")).plain_text
    assert text.startswith("你的卡片（1）")
    assert "2026年3月20日（" in text and " (" not in text
