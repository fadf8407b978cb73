"""Requests about one's own cards written in words, end to end over the fake Bot API: "when
does my card expire?", "add a card", "remind me to renew my Smart SIM on Dec 31", "I renewed
my Globe SIM", "delete my data", in Chinese and English, in a private chat and in a group
(admins act on the group's cards, members are told they may not)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from fakebotapi import FakeBotAPI, SentMessage
from storage.models import Card, Chat
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card

# 2026-11-29 10:00 in Shanghai.
NOW = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)
BOT = "@renew_test_bot"
GROUP = -1007000
ADMIN, MEMBER = 7001, 7002


@pytest.fixture
async def bot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW))
    await harness.start()
    yield harness
    await harness.stop()


def _data(message: SentMessage) -> list[str]:
    return [value or "" for _text, value in message.buttons()]


async def _cards(bot: BotHarness, chat_id: int) -> list[Card]:
    async with bot.database.session(readonly=True) as session:
        rows = await session.exec(select(Card).where(Card.chat_id == chat_id))
        return list(rows)


async def _answer_all(bot: BotHarness, user: object, message: SentMessage) -> SentMessage:
    """Answer the remaining questions with their first button until the summary, then save."""
    for _ in range(8):
        data = _data(message)
        if "cf:save" in data:
            return await bot.press(user, message, "cf:save")
        if message.chat_id < 0:  # in a group a question is followed by its ForceReply
            await bot.force_reply(message.chat_id, since=message)
        message = await bot.press(user, message, data[0])
    raise AssertionError(f"no summary reached: {message.text}")


@pytest.mark.parametrize(
    ("text", "language", "carrier", "expected"),
    [
        ("提醒我12月31日给移动卡续费", "zh-hans", "china_mobile", date(2026, 12, 31)),
        ("remind me to renew my Smart SIM on Dec 31", "en", "smart", date(2026, 12, 31)),
        ("下个月5号提醒我交电信流量卡的钱", "zh-hans", "china_telecom", date(2026, 12, 5)),
    ],
)
async def test_remind_me_starts_a_card_with_what_the_words_say(
    api: FakeBotAPI, bot: BotHarness, text: str, language: str, carrier: str, expected: date
) -> None:
    user = api.user(7101, "Kai", language_code=language)
    first = await bot.say(user, text)
    assert "✓" in (first.text or "")  # what was understood is shown back
    assert "cf:cancel" in _data(first)
    # Only what is missing is asked, then the summary: the carrier and date are not asked again.
    asked: list[str] = []
    message = first
    for _ in range(8):
        data = _data(message)
        asked.extend(value.split(":")[1] for value in data if value.startswith("cf:") and
                     value.count(":") == 2)
        if "cf:save" in data:
            break
        message = await bot.press(user, message, data[0])
    assert not any(key in ("carrier", "expiry", "label") for key in asked), asked
    saved = await bot.press(user, message, "cf:save")
    assert "✅" in (saved.text or "")
    (card,) = await _cards(bot, user.id)
    assert card.carrier == carrier and card.expires_on == expected
    assert card.next_remind_at is not None  # and it will be reminded


async def test_add_a_card_in_words_with_nothing_known_asks_from_the_start(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(7102, "小周", language_code="zh-hans")
    first = await bot.say(user, "帮我加一张卡")
    assert "我会在它到期前提醒你" in (first.text or "")
    assert "卡" in (first.text or "") and "cf:cancel" in _data(first)
    cancelled = await bot.say(user, "/cancel")
    assert "没有保存" in (cancelled.text or "")
    assert await _cards(bot, user.id) == []


async def test_a_card_added_in_words_asks_the_carrier_and_keeps_one_typed_later(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    """Words without a carrier: it is asked once after the name (with Skip, since it is
    optional); a carrier typed at a later question is kept, and that question asked again."""
    user = api.user(7111, "小吴", language_code="zh-hans")
    await bot.say(user, "帮我加张卡")
    carrier_question = await bot.say(user, "我妈的卡")
    assert "是哪家运营商" in (carrier_question.text or "")
    assert {"cf:carrier:china_mobile", "cf:carrier", "cf:cancel"} <= set(_data(carrier_question))
    skipped = await bot.press(user, carrier_question, "cf:carrier")
    assert "这是什么类型的卡" in (skipped.text or "")
    typed_carrier = await bot.say(user, "移东")
    assert "✓ 运营商：中国移动" in (typed_carrier.text or "")
    assert "这是什么类型的卡" in (typed_carrier.text or "")  # the same question again
    summary = await _answer_all(bot, user, await bot.say(user, "联通的流量卡"))
    assert "✅" in (summary.text or "")
    (card,) = await _cards(bot, user.id)
    assert (card.label, card.carrier, card.kind) == ("我妈的卡", "china_mobile", "data")


async def test_add_my_globe_sim_fills_carrier_type_and_name(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(7103, "Ria")
    first = await bot.say(user, "add my globe sim")
    assert "Carrier:</b> Globe" in (first.text or "") and "Type:</b> SIM card" in (first.text or "")
    assert "When does it expire?" in (first.text or "")  # the first thing still missing
    summary = await bot.say(user, "2027-01-15")
    saved = await _answer_all(bot, user, summary)
    assert "Saved" in (saved.text or "")
    (card,) = await _cards(bot, user.id)
    assert (card.carrier, card.kind, card.label) == ("globe", "sim", "Globe")


@pytest.mark.parametrize(
    ("text", "language", "empty_hint", "listed"),
    [
        ("我的卡什么时候到期", "zh-hans", "你还没有在这里记录任何卡", "你的卡"),
        ("when does my sim expire?", "en", "You haven't recorded any cards yet", "Your cards"),
    ],
)
async def test_when_does_my_card_expire_lists_my_cards(
    api: FakeBotAPI, bot: BotHarness, text: str, language: str, empty_hint: str, listed: str
) -> None:
    user = api.user(7104 if language == "en" else 7105, "Lu", language_code=language)
    empty = await bot.say(user, text)
    assert empty_hint in (empty.text or "")
    await add_card(bot.database, bot.settings, bot.clock, user.id, date(2026, 12, 10),
                   label="Work SIM", language=language[:2])
    listing = await bot.say(user, text)
    assert listed in (listing.text or "") and "Work SIM" in (listing.text or "")


@pytest.mark.parametrize(
    ("text", "language"), [("我的移动卡续费了", "zh-hans"), ("I renewed my China Mobile SIM", "en")]
)
async def test_i_renewed_starts_the_renewal_of_that_card(
    api: FakeBotAPI, bot: BotHarness, text: str, language: str
) -> None:
    user = api.user(7106 if language == "en" else 7107, "Mo", language_code=language)
    mobile = await add_card(bot.database, bot.settings, bot.clock, user.id, date(2026, 12, 3),
                            label="Mum's", carrier="china_mobile", cycle="monthly",
                            language=language[:2])
    await add_card(bot.database, bot.settings, bot.clock, user.id, date(2026, 12, 9),
                   label="Trip", carrier="airalo", language=language[:2])
    proposal = await bot.say(user, text)
    assert "Mum&#x27;s" in (proposal.text or "") or "Mum's" in (proposal.text or "")
    assert any(value.startswith("rn:date:2027-01-03") for value in _data(proposal))
    confirmed = await bot.press(user, proposal, "rn:date:2027-01-03")
    assert confirmed.text
    async with bot.database.session(readonly=True) as session:
        card = await session.get(Card, mobile.id)
    assert card is not None and card.expires_on == date(2027, 1, 3)


async def test_i_renewed_with_several_matching_cards_asks_which(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(7108, "Ning", language_code="zh-hans")
    for label in ("工作卡", "家里的卡"):
        await add_card(bot.database, bot.settings, bot.clock, user.id, date(2026, 12, 3),
                       label=label, carrier="china_mobile", language="zh")
    choice = await bot.say(user, "我的移动卡续费了")
    assert "你续费的是哪张卡" in (choice.text or "")
    assert len([value for value in _data(choice) if value.startswith("card:renewed:")]) == 2


async def test_delete_my_data_points_to_forget_and_deletes_nothing(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(7109, "Oz", language_code="zh-hans")
    await add_card(bot.database, bot.settings, bot.clock, user.id, date(2026, 12, 3), language="zh")
    reply = await bot.say(user, "删除我的数据")
    assert reply.plain_text == "想删除我保存的你的所有信息，请发送 /forget，我会先请你确认。"
    assert len(await _cards(bot, user.id)) == 1  # in the private chat it is asked for in


async def test_questions_are_not_taken_for_requests(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(7110, "Pat", language_code="zh-hans")
    for text in ("我的卡过期了怎么办", "充值了但是没到账", "怎么加副卡"):
        reply = await bot.say(user, text)
        assert "cf:cancel" not in _data(reply) and "/forget" not in (reply.text or ""), text
    assert await _cards(bot, user.id) == []


@pytest.mark.parametrize(
    ("text", "language", "fallback"),
    [
        ("提醒我明天开会", "zh-hans", "抱歉，这个我帮不上忙。"),
        ("remind me to take my meds at 8pm", "en", "Sorry, I can't help with that."),
        ("帮我加一张健身卡", "zh-hans", "抱歉，这个我帮不上忙。"),
        ("add my gym membership card", "en", "Sorry, I can't help with that."),
    ],
)
async def test_a_request_about_something_else_gets_the_fallback_not_addcard(
    api: FakeBotAPI, bot: BotHarness, text: str, language: str, fallback: str
) -> None:
    user = api.user(7111, "Ivy", language_code=language)
    reply = await bot.say(user, text)
    assert reply.plain_text.startswith(fallback)
    assert "cf:cancel" not in _data(reply)
    assert await _cards(bot, user.id) == []


async def test_in_a_group_admins_act_on_the_groups_cards_and_members_are_refused(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    group = api.group(GROUP, "SIM club")
    admin, member = api.user(ADMIN, "Ada"), api.user(MEMBER, "Max", language_code="zh-hans")
    api.set_admins(group, [ADMIN])
    api.set_member(group, member)

    refused = await bot.say(member, f"{BOT} add our globe sim", chat=group)
    assert "只有群管理员" in (refused.text or "")  # in the member's language
    refused_zh = await bot.say(member, f"{BOT} 我的卡什么时候到期", chat=group)
    assert "只有群管理员" in (refused_zh.text or "")
    empty = await bot.say(admin, f"{BOT} 我们的卡什么时候到期", chat=group)
    assert "这个群里还没有记录任何卡" in (empty.text or "")  # the group's, not "yours"

    started = await bot.say(admin, f"{BOT} remind me to renew our globe sim on 2027-02-01",
                            chat=group)
    # (The group took the language of the first member who wrote: Chinese.)
    assert "运营商：</b>Globe" in (started.text or "") and "2027年2月1日" in (started.text or "")
    saved = await _answer_all(bot, admin, started)
    assert "已保存" in (saved.text or "")
    (card,) = await _cards(bot, GROUP)
    assert card.carrier == "globe" and card.expires_on == date(2027, 2, 1)
    assert await _cards(bot, ADMIN) == []  # the group's card, not the admin's own

    listing = await bot.say(admin, f"{BOT} show my cards", chat=group)
    assert "本群的卡" in (listing.text or "")
    renewal = await bot.say(admin, f"{BOT} I renewed the globe sim", chat=group)
    assert any(value.startswith("rn:") for value in _data(renewal))


async def test_in_a_group_unaddressed_requests_are_ignored(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    group = api.group(GROUP - 1, "Other club")
    admin = api.user(ADMIN + 10, "Bea")
    api.set_admins(group, [admin.id])
    api.send_text(admin, "remind me to renew my globe sim on 2027-02-01", chat=group)
    await api.wait_idle()
    assert api.delivered(group) == []


@pytest.mark.parametrize("skip", ["跳过", "skip", "-"])
async def test_typing_skip_at_an_optional_step_skips_it(
    api: FakeBotAPI, bot: BotHarness, skip: str
) -> None:
    user = api.user(7120, "Sam", language_code="zh-hans")
    await bot.say(user, "/addcard")
    carrier = await bot.say(user, "工作卡")
    assert "cf:carrier" in _data(carrier)  # the optional carrier question
    kind = await bot.say(user, skip)
    assert "cf:kind:sim" in _data(kind)  # moved on: no carrier called "跳过"
    assert "✓ 运营商：—" in (kind.text or "")


async def _chat(bot: BotHarness, chat_id: int) -> Chat:
    async with bot.database.session(readonly=True) as session:
        chat = await session.get(Chat, chat_id)
        assert chat is not None
        return chat


async def test_a_chinese_speaker_on_an_english_phone_is_answered_in_chinese_throughout(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(7120, "Wen", language_code="en")
    await bot.say(user, "/start")
    await bot.say(user, "ok thanks")  # too little to tell
    chat = await _chat(bot, user.id)
    assert (chat.language, chat.language_chosen) == ("en", False)  # from the phone
    listing = await bot.say(user, "我的卡有哪些")
    assert [text for text, _value in listing.buttons()] == ["➕ 添加卡"]
    started = await bot.say(user, "帮我记一张联通卡 12月20号到期")
    assert started.plain_text.startswith("好的，我会在它到期前提醒你。")  # the form too
    await bot.say(user, "/cancel")
    chat = await _chat(bot, user.id)
    assert (chat.language, chat.language_chosen) == ("zh", True)
    english = await bot.say(user, "show me all my cards please")  # decided: no flipping back
    assert [text for text, _value in english.buttons()] == ["➕ 添加卡"]

    chosen = await bot.say(user, "/language en")
    assert "English" in chosen.plain_text
    asked = await bot.say(user, "我的卡有哪些")  # a choice is kept, whatever is written
    assert [text for text, _value in asked.buttons()] == ["➕ Add a card"]
    chat = await _chat(bot, user.id)
    assert (chat.language, chat.language_chosen) == ("en", True)


async def test_a_group_keeps_its_language_whatever_a_member_writes(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    admin = api.user(ADMIN, "Ada", language_code="en")
    group = api.group(GROUP - 2, "Family")
    api.set_admins(group, [ADMIN])
    await bot.say(admin, f"{BOT} 我的卡有哪些", chat=group)
    assert (await _chat(bot, GROUP - 2)).language == "en"
