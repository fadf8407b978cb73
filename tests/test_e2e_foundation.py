"""End to end over HTTP: greeting in the user's language, /language, command menus,
blocking, groups, and a conversation that survives a restart."""

from __future__ import annotations

import logging

import pytest
from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import CommandHandler, ConversationHandler, MessageHandler, filters

from bot.runtime.services import RenewBotApplication
from fakebotapi import FakeBotAPI
from storage.models import Chat
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness


async def _chat_row(bot: BotHarness, chat_id: int) -> Chat | None:
    async with bot.database.session(readonly=True) as session:
        return await ChatRepository(session).get(chat_id)


async def test_start_greets_in_the_users_language(api: FakeBotAPI, bot: BotHarness) -> None:
    zh_user = api.user(1001, "小明", language_code="zh-hans")
    en_user = api.user(1002, "Ann", language_code="en")

    zh_reply = await bot.say(zh_user, "/start")
    assert "你好，小明" in (zh_reply.text or "")
    assert zh_reply.reply_markup is not None  # the main menu

    en_reply = await bot.say(en_user, "/start")
    assert "Hi Ann" in (en_reply.text or "")

    row = await _chat_row(bot, 1001)
    assert row is not None and row.language == "zh" and row.active


async def test_language_command_switches_and_persists(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(1003, "Lee", language_code="zh-hans")
    await bot.say(user, "/start")

    switched = await bot.say(user, "/language en")
    assert switched.text == "Done: I will speak English in this chat."
    help_reply = await bot.say(user, "/help")
    assert "List the commands" in (help_reply.text or "")

    menu = await bot.say(user, "/language")
    assert [b[1] for b in menu.buttons()] == ["lang:zh", "lang:en"]
    edited = await bot.press(user, menu, "lang:zh")
    assert edited.text == "好的，我在这个聊天里会说中文。"

    row = await _chat_row(bot, 1003)
    assert row is not None and row.language == "zh"


async def test_unknown_language_offers_buttons(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(1004, "Bo")
    reply = await bot.say(user, "/language klingon")
    assert "don't know that language" in (reply.text or "")
    assert len(reply.buttons()) == 2


async def test_html_in_the_users_name_is_escaped(api: FakeBotAPI, bot: BotHarness) -> None:
    user = api.user(1005, "<b>Eve</b> & co")
    reply = await bot.say(user, "/start")
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in (reply.text or "")


async def test_command_menus_are_registered_per_language(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    await api.wait_idle()
    english = {c["command"]: c["description"] for c in api.commands[("all_private_chats", "")]}
    chinese = {c["command"]: c["description"] for c in api.commands[("all_private_chats", "zh")]}
    assert english["help"] == "List the commands"
    assert chinese["help"] == "查看所有命令"
    assert "language" in {c["command"] for c in api.commands[("all_chat_administrators", "")]}


async def test_blocking_marks_the_chat_inactive_and_start_revives_it(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    user = api.user(1006, "Kim")
    await bot.say(user, "/start")
    api.my_chat_member(api.private_chat(user), user, "member", "kicked")
    await api.wait_idle()
    row = await _chat_row(bot, 1006)
    assert row is not None and not row.active

    api.my_chat_member(api.private_chat(user), user, "kicked", "member")
    await bot.say(user, "/start")
    row = await _chat_row(bot, 1006)
    assert row is not None and row.active


async def test_added_to_a_group_introduces_itself_and_removal_deactivates(
    api: FakeBotAPI, bot: BotHarness
) -> None:
    admin = api.user(1007, "Ops", language_code="zh-hans")
    group = api.group(-100123, "家庭流量卡")
    since = api.mark()
    api.my_chat_member(group, admin, "left", "member")
    hello = await api.wait_for_message(group, since=since)
    assert "家庭流量卡" in (hello.text or "") and "大家好" in (hello.text or "")
    row = await _chat_row(bot, -100123)
    assert row is not None and row.type == "supergroup" and row.active

    api.my_chat_member(group, admin, "member", "left")
    await api.wait_idle()
    row = await _chat_row(bot, -100123)
    assert row is not None and not row.active


async def test_group_migration_moves_the_chat(api: FakeBotAPI, bot: BotHarness) -> None:
    admin = api.user(1008, "Ops")
    group = api.group(-4001, "Team", supergroup=False)
    api.set_admins(group, [1008], creator_id=1008)
    await bot.say(admin, "/language zh", chat=group)
    api.migrate_group(group, -1004001)
    await api.wait_idle()
    assert await _chat_row(bot, -4001) is None
    moved = await _chat_row(bot, -1004001)
    assert moved is not None and moved.language == "zh" and moved.type == "supergroup"


async def test_a_conversation_survives_a_restart(api: FakeBotAPI, sqlite_url: str) -> None:
    """The SQL persistence keeps a ConversationHandler's state across Application instances."""
    asking = 1

    async def begin(update: Update, _context: object) -> int:
        assert update.effective_message is not None
        await update.effective_message.reply_text("What is your card called?")
        return asking

    async def got_name(update: Update, _context: object) -> int:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"Saved {update.effective_message.text}")
        return ConversationHandler.END

    def add_conversation(app: RenewBotApplication) -> None:
        app.add_handler(
            ConversationHandler(
                entry_points=[CommandHandler("probe", begin)],
                states={asking: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_name)]},
                fallbacks=[],
                name="probe",
                persistent=True,
            ),
            group=-2,
        )

    user = api.user(1009, "Ria")
    first = BotHarness(api, sqlite_url, setup=add_conversation)
    await first.start()
    assert (await first.say(user, "/probe")).text == "What is your card called?"
    await first.stop()  # a clean stop flushes the conversation state

    second = BotHarness(api, sqlite_url, setup=add_conversation)
    await second.start()
    try:
        reply = await second.say(user, "Travel eSIM")
        assert reply.text == "Saved Travel eSIM"
    finally:
        await second.stop()


async def test_errors_are_logged_and_explained_to_the_user(
    api: FakeBotAPI, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug (BadRequest included, though PTB files it under NetworkError) is logged with
    its update and the user hears about it; a network hiccup is only logged."""

    async def bad_markup(_update: Update, _context: object) -> None:
        raise BadRequest("Can't parse entities: unclosed tag")

    async def flaky(_update: Update, _context: object) -> None:
        raise NetworkError("connection reset")

    def setup(app: RenewBotApplication) -> None:
        app.add_handler(CommandHandler("boom", bad_markup), group=-3)
        app.add_handler(CommandHandler("flaky", flaky), group=-3)

    harness = BotHarness(api, sqlite_url, setup=setup)
    await harness.start()
    try:
        user = api.user(1010, "Zed", language_code="zh-hans")
        with caplog.at_level(logging.WARNING, logger="bot.runtime.errors"):
            sorry_text = "抱歉，我这边出了点问题，请稍后再试。"
            api.send_text(user, "/boom")
            await api.wait_for_message(1010, lambda m: m.text == sorry_text)
            api.send_text(user, "/flaky")
            await api.wait_idle()
            sent = [m.text for m in api.messages_to(1010)]
            assert sent.count(sorry_text) == 1  # /flaky got no apology
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "chat=1010" in errors[0].getMessage()
        assert any("connection reset" in r.getMessage() for r in caplog.records)
    finally:
        await harness.stop()
