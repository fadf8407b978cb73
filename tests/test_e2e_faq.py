"""End to end over HTTP: the /renew guide menu, free-text questions in private chats and
groups, group-custom and carrier-aware answers, and inputs that must never break the bot."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from functools import partial

import pytest

from bot.i18n import LANGUAGES, translator
from bot.knowledge import KnowledgeBase
from fakebotapi import ApiCall, FakeBotAPI, SentMessage
from storage.repositories.chats import ChatRepository
from storage.repositories.faq import FaqRepository
from tests.harness import BotHarness
from tests.reminder_fixtures import add_card

BOT = "@renew_test_bot"
ERROR_REPLY = "Sorry, something went wrong on my side. Please try again in a moment."


@pytest.fixture(autouse=True)
def no_errors(caplog: pytest.LogCaptureFixture, api: FakeBotAPI) -> Iterator[None]:
    """Nothing in this module may reach the error handler (or log an error)."""
    caplog.set_level(logging.ERROR)
    yield
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    apologies = {translator(language)(ERROR_REPLY) for language in LANGUAGES}
    assert not [m for m in api.sent if m.text in apologies]
    assert not [c for c in api.calls if c.status >= 400]


def _data(message: SentMessage) -> list[str]:
    return [value or "" for _text, value in message.buttons()]


async def _press(bot: BotHarness, user: object, message: SentMessage, data: str) -> SentMessage:
    """Press a button and return the edited message (an edit, never a new message)."""
    edited = await bot.press(user, message, data)
    assert edited.is_edit and edited.method == "editMessageText"
    assert edited.message_id == message.message_id
    return edited


def _title(entry_id: str, lang: str = "en") -> str:
    """An answer's title as the bot shows it (answers start with it, in bold)."""
    entry = KnowledgeBase.load().get(entry_id)
    assert entry is not None
    return f"<b>{entry.title(lang)}</b>"


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", ("怎么续费", "按运营商", "中国移动续费指南", "请选择问题")),
        ("en", ("How to renew", "By carrier", "China Mobile renewal guide", "Pick a question")),
    ],
)
async def test_renew_menu_is_navigated_in_place(
    api: FakeBotAPI, bot: BotHarness, language: str, words: tuple[str, ...]
) -> None:
    home_title, section_title, guide_title, pick = words
    user = api.user(2001, "Mei", language_code=language)
    menu = await bot.say(user, "/renew")
    assert home_title in (menu.text or "")
    assert _data(menu) == [
        f"kb:sec:{section.key}" for section in KnowledgeBase.load().menu_sections()
    ]
    assert _data(menu)[:2] == ["kb:sec:channels", "kb:sec:carriers"]
    assert (section_title, "kb:sec:carriers") in menu.buttons()

    carriers = await _press(bot, user, menu, "kb:sec:carriers")
    assert pick in (carriers.text or "")
    assert "kb:e:guide_china_mobile" in _data(carriers) and _data(carriers)[-1] == "kb:home"

    guide = await _press(bot, user, carriers, "kb:e:guide_china_mobile")
    assert guide_title in (guide.text or "")
    assert _data(guide) == ["kb:sec:carriers"]

    back = await _press(bot, user, guide, "kb:sec:carriers")
    assert back.text == carriers.text
    home = await _press(bot, user, back, "kb:home")
    assert home.text == menu.text
    # One message for the whole walk: the guide never floods the chat.
    assert len(api.delivered(user)) == 1
    assert len(api.answered_callbacks) == 4  # every press answered (no spinning button)


async def test_howto_alias_and_main_menu_button(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2002, "Ann")
    alias = await bot.say(user, "/howto")
    assert "How to renew" in (alias.text or "")
    start = await bot.say(user, "/start")
    assert ("📖 How to renew", "menu:renew") in start.buttons()
    opened = await _press(bot, user, start, "menu:renew")
    assert opened.text == alias.text


def _is_answer_to(query_id: str, call: ApiCall) -> bool:
    return bool(call.params["callback_query_id"] == query_id)


async def test_renew_with_a_carrier_jumps_to_its_guide(api: FakeBotAPI, bot: BotHarness) -> None:
    en = api.user(2003, "Jo")
    smart = await bot.say(en, "/renew smart")
    assert "Smart / TNT load guide" in (smart.text or "")
    assert _data(smart) == ["kb:sec:carriers"]

    zh = api.user(2004, "阿强", language_code="zh-hans")
    mobile = await bot.say(zh, "/renew 移动")
    assert "中国移动续费指南" in (mobile.text or "")

    unknown = await bot.say(en, "/renew <b>Vodafone</b>")
    assert "I don't know the carrier “&lt;b&gt;Vodafone&lt;/b&gt;”" in (unknown.text or "")
    assert "kb:e:guide_smart_tnt" in _data(unknown)


async def test_stale_or_forged_buttons_change_nothing(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2005, "Bo")
    menu = await bot.say(user, "/renew")
    for data in ("kb:e:no_such_entry", "kb:sec:nope", "kb:c:42", "kb:e:../../x", "kb:"):
        query_id = api.press(user, menu, data, forge=True)["callback_query"]["id"]
        await api.wait_for_call(
            "answerCallbackQuery",
            partial(_is_answer_to, query_id),
        )
        answer = next(a for a in api.answered_callbacks if a.callback_query_id == query_id)
        assert answer is not None and "out of date" in (answer.text or "")
    assert api.calls_to("editMessageText") == []
    assert api.current(user, menu.message_id).text == menu.text  # type: ignore[union-attr]


async def test_free_text_questions_are_answered(api: FakeBotAPI, bot: BotHarness) -> None:
    zh = api.user(2006, "小红", language_code="zh-hans")
    answer = await bot.say(zh, "流量卡怎么续费?")
    assert _title("how_to_renew", "zh") in (answer.text or "")

    en = api.user(2007, "Rex")
    answer = await bot.say(en, "how do I load my Smart SIM?")
    assert "Smart / TNT load guide" in (answer.text or "")


async def test_an_ambiguous_question_offers_choices(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2008, "Cy")
    await bot.say(user, "/language en")  # chosen: a Chinese question does not switch the chat
    choices = await bot.say(user, "实名登记")  # Hong Kong or the Philippines?
    assert "你是想问" in (choices.text or "")
    # The buttons carry the question's language (the chat's is English): what they open stays
    # in Chinese.
    assert _data(choices) == [
        "kb.zh:e:sim_registration_ph", "kb.zh:e:sim_registration_hk", "kb.zh:none"
    ]
    # "None of these" leads to the guide with an apology, in the same message.
    none = await _press(bot, user, choices, "kb.zh:none")
    assert "没找到" in (none.text or "")
    assert "kb.zh:sec:carriers" in _data(none)

    choices = await bot.say(user, "实名登记")
    picked = await _press(bot, user, choices, "kb.zh:e:sim_registration_hk")
    assert _title("sim_registration_hk", "zh") in (picked.text or "")
    # Back leads to the page of the section that lists this question.
    (back,) = _data(picked)
    section = await _press(bot, user, picked, back)
    assert "kb.zh:e:sim_registration_hk" in _data(section)
    assert "请选择问题" in (section.text or "")


async def test_nonsense_falls_back_to_the_menu(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2009, "Di", language_code="zh-hans")
    reply = await bot.say(user, "asdkjh qwpoe zzz")
    assert "这个我帮不上忙" in (reply.text or "")  # in the chat's language: mash is no language
    assert "kb:sec:carriers" in _data(reply)
    section = await _press(bot, user, reply, "kb:sec:tips")
    assert "续费小贴士" in (section.text or "")


async def test_a_group_is_answered_only_when_addressed(api: FakeBotAPI, bot: BotHarness) -> None:
    member = api.user(2010, "Gus")
    group = api.group(-100201, "SIM club")
    api.send_text(member, "how do I load my Smart SIM?", chat=group)
    await api.wait_idle()
    assert api.delivered(group) == []

    answer = await bot.say(member, f"{BOT} how do I load my Smart SIM?", chat=group)
    assert "Smart / TNT load guide" in (answer.text or "")

    since = api.mark()
    api.send_text(member, "and how do I check my balance?", chat=group, reply_to=answer)
    follow_up = await api.wait_for_message(group, since=since)
    assert _title("check_balance") in (follow_up.text or "")

    menu = await bot.say(member, BOT, chat=group)  # a bare mention: what can I ask?
    assert "kb:sec:channels" in _data(menu)


async def test_a_forum_question_is_answered_in_its_topic(api: FakeBotAPI, bot: BotHarness) -> None:
    member = api.user(2014, "Ida", language_code="zh-hans")
    forum = api.group(-100204, "卡友论坛", forum=True)
    since = api.mark()
    api.send_text(member, f"{BOT} 移动卡怎么充值", chat=forum, thread_id=7)
    answer = await api.wait_for_message(forum, since=since)
    assert "中国移动续费指南" in (answer.text or "")
    assert answer.message_thread_id == 7


async def test_a_groups_own_entry_wins_in_that_group_only(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    member = api.user(2011, "Hal")
    ours, other = api.group(-100202, "Team"), api.group(-100203, "Other team")
    async with bot.database.session() as session:
        for chat in (ours, other):
            await ChatRepository(session).ensure(chat.id, "supergroup", chat.title, "en")
        await FaqRepository(session).add(
            ours.id, "Where do we buy the team's data cards?", "From Lin at the front desk <3", 1
        )
    question = f"{BOT} where do we buy data cards?"
    custom = await bot.say(member, question, chat=ours)
    assert "From Lin at the front desk &lt;3" in (custom.text or "")

    elsewhere = await bot.say(member, question, chat=other)
    assert "Lin" not in (elsewhere.text or "")


async def test_answers_follow_the_users_carrier(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2012, "Pia")
    generic = await bot.say(user, "how do I renew my card")
    assert _title("how_to_renew") in (generic.text or "")

    await add_card(bot.database, bot.settings, bot.clock, user.id, date(2031, 1, 1),
                   carrier="smart")
    own = await bot.say(user, "how do I renew my card")
    assert "Smart / TNT load guide" in (own.text or "")


async def test_a_language_switch_applies_to_the_next_answer(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    """The answer cache must not keep serving the old language. ("airalo" shows no language of
    its own, so the chat's language decides.)"""
    user = api.user(2014, "Lin", language_code="zh-hans")
    before = await bot.say(user, "airalo")
    await bot.say(user, "/language en")
    after = await bot.say(user, "airalo")
    assert _title("guide_airalo", "zh") in (before.text or "")
    assert _title("guide_airalo", "en") in (after.text or "")


async def test_bad_input_never_breaks_the_bot(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(2013, "Eve")
    blank = await bot.say(user, "   \n  ")
    assert "kb:sec:channels" in _data(blank)

    long = await bot.say(user, ("how do I top up " * 300)[:4096])
    assert long.text

    emoji = await bot.say(user, "😀🔥📱")
    assert "I can't help with that" in (emoji.text or "")

    tags = await bot.say(user, "<b>how</b> do I top up? <script></script> &amp; <i")
    assert _title("how_to_renew") in (tags.text or "")
    assert "<script>" not in (tags.text or "")

    before = len(api.delivered(user))
    api.send_sticker(user)
    await api.wait_idle()
    assert len(api.delivered(user)) == before

    photo_since = api.mark()
    api.send_photo(user)
    hint = await api.wait_for_message(user, since=photo_since)
    assert "only read typed questions" in (hint.text or "")


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("你好", "zh-hans", "你好！我可以回答"),
        ("hi bot!", "en", "Hi! I answer questions"),
        ("谢谢", "zh-hans", "不客气"),
        ("thanks a lot", "zh-hans", "You're welcome"),  # English thanks, English reply
        ("你是干嘛的", "en", "续费助手"),
        ("ok", "en", "Anything else?"),
    ],
)
async def test_greetings_and_thanks_get_a_friendly_word(
    api: FakeBotAPI, bot: BotHarness, text: str, language: str, expected: str
) -> None:
    user = api.user(2020, "Fay", language_code=language)
    reply = await bot.say(user, text)
    assert expected in (reply.text or "")
    assert "<b>" not in (reply.text or "")  # no knowledge-base article (they start in bold)


@pytest.mark.parametrize(
    "text", ["1", "12345", "what is the weather today", "New name", "今天天气怎么样",
             "how do I renew my passport", "健身卡怎么续费"],
)
async def test_off_topic_text_gets_the_fallback_not_an_article(
    api: FakeBotAPI, bot: BotHarness, text: str
) -> None:
    user = api.user(2021, "Gil")
    reply = await bot.say(user, text)
    assert "can't help with that" in (reply.text or "") or "帮不上忙" in (reply.text or "")
    assert "<b>" not in (reply.text or "")
    assert any(data.endswith(":sec:carriers") for data in _data(reply))  # what it can do


async def test_a_greeting_in_front_of_a_question_is_not_small_talk(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(2023, "Io")
    reply = await bot.say(user, "hello, how do I load my Smart SIM?")
    assert "Smart / TNT load guide" in (reply.text or "")


async def test_answers_follow_the_language_of_the_question(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    english_client = api.user(2024, "Jay", language_code="en")
    zh = await bot.say(english_client, "移动卡怎么充值")
    assert "中国移动" in (zh.text or "") and "China Mobile" not in (zh.text or "")

    chinese_client = api.user(2025, "小李", language_code="zh-hans")
    en = await bot.say(chinese_client, "how do I load my Smart SIM?")
    assert "Smart / TNT load guide" in (en.text or "")


async def test_traditional_questions_get_traditional_answers_with_local_words(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(2026, "阿明", language_code="zh-hans")
    answer = await bot.say(user, "CSL儲值卡點樣增值？")
    text = answer.text or ""
    assert "CSL" in text and "增值" in text
    assert "储值" not in text and "门市" not in text and "运营商" not in text  # no Simplified
    # A Taiwanese client asking in Simplified gets Simplified (they chose to type it).
    taiwan = api.user(2027, "小美", language_code="zh-tw")
    simplified = await bot.say(taiwan, "移动卡怎么充值")
    assert "中国移动" in (simplified.text or "")


@pytest.mark.parametrize(
    ("text", "hint"),
    [("addcrad", "Did you mean /addcard?"), ("hepl", "Did you mean /help?"),
     ("addcard pls", "Did you mean /addcard?"), ("history", "Did you mean /history?"),
     ("看下 histroy", "你是想用 /history 吗？"),
     ("renewed", "Did you mean /renewed?")],  # a hint, not a renewal started on a bare word
)
async def test_a_mistyped_command_word_is_pointed_to_the_command(
    api: FakeBotAPI, bot: BotHarness, text: str, hint: str
) -> None:
    user = api.user(2030, "Rui")
    reply = await bot.say(user, text)
    assert hint in (reply.text or "")


@pytest.mark.parametrize(
    ("text", "reply"),
    [("/adcard", "I don't know /adcard. Did you mean /addcard?"),
     ("/addcrad 12/31", "I don't know /addcrad. Did you mean /addcard?"),
     ("/Hepl", "I don't know /Hepl. Did you mean /help?"),
     ("/xyzzy", "I don't know that command, see /help")],
)
async def test_a_mistyped_command_gets_the_command_it_was_probably_meant_to_be(
    api: FakeBotAPI, bot: BotHarness, text: str, reply: str
) -> None:
    user = api.user(2034, "Kit")
    answer = await bot.say(user, text)
    assert answer.plain_text == reply
    chinese = api.user(2035, "小周", language_code="zh-hans")
    answer = await bot.say(chinese, "/adcard")
    assert "/addcard" in answer.plain_text and "know" not in answer.plain_text


async def test_pasted_script_gets_the_fallback_in_the_chats_language(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(2031, "小林", language_code="zh-hans")
    reply = await bot.say(user, "<script>alert(1)</script>")
    assert "这个我帮不上忙" in (reply.text or "")
    english = api.user(2032, "Ann", language_code="en")
    reply = await bot.say(english, "<img src=x onerror=alert('remind me')>")
    assert "I can't help with that" in (reply.text or "")


async def test_a_bare_number_points_to_the_card_only_when_the_chat_has_it(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(2033, "Noa", language_code="zh-hans")
    none_yet = await bot.say(user, "1")
    assert "这个我帮不上忙" in (none_yet.text or "")
    assert "/card" not in (none_yet.text or "")
    await add_card(bot.database, bot.settings, bot.clock, user.id, date(2031, 1, 1))
    # The answer above came from the cache; the new card's commit dropped it.
    own = await bot.say(user, "1")
    assert "/card 1" in (own.text or "")
    other = await bot.say(user, "199")
    assert "/card" not in (other.text or "")
