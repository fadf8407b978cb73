"""Owner tools end to end: /botstats, /broadcast with its preview, confirmation and final
count, and everyone else getting exactly the unknown-command reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeChat, FakeUser
from storage.models import Broadcast, BroadcastRecipient, Card, Delivery
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness, button_answer

OWNER = 7001
UNKNOWN = "I don't know that command, see /help"


@pytest.fixture
async def obot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, bot_owner_ids=str(OWNER))
    await harness.start()
    yield harness
    await harness.stop()


async def _alert(api: FakeBotAPI, user: FakeUser, message: SentMessage, data: str) -> str | None:
    answer = await button_answer(api, user, message, data)
    return answer.text if answer else None


async def _final(api: FakeBotAPI, progress: SentMessage) -> str:
    """The progress message once the broadcast has finished."""
    done = await api.wait_for_message(
        progress.chat_id,
        lambda m: m.message_id == progress.message_id and "finished" in m.plain_text,
        since=progress, include_edits=True, timeout=20,
    )
    return done.plain_text


async def test_everyone_else_gets_the_unknown_command_reply(
    api: FakeBotAPI, obot: BotHarness
) -> None:
    stranger = api.user(7002, "Eve")
    unknown = await obot.say(stranger, "/no_such_command")
    assert unknown.plain_text == UNKNOWN
    for command in ("/botstats", "/broadcast Free data for everyone!"):
        reply = await obot.say(stranger, command)
        assert (reply.plain_text, reply.reply_markup) == (unknown.plain_text, unknown.reply_markup)
    nothing = await obot.say(stranger, "/cancel")
    assert nothing.plain_text == "There is nothing to cancel."

    # In a group unknown commands get no answer at all (they may be for another bot), and
    # owner commands look just the same, even from the owner.
    group = api.group(-1007000, "Team")
    owner = api.user(OWNER, "Olga")
    for user in (stranger, owner):
        api.send_text(user, "/botstats", chat=group)
        api.send_text(user, "/no_such_command", chat=group)
    await api.wait_idle()
    assert api.messages_to(group) == []
    async with obot.database.session(readonly=True) as session:
        assert (await ChatRepository(session).get(7002)) is not None  # nothing else was stored


async def test_botstats_counts_chats_cards_and_reminders(
    api: FakeBotAPI, obot: BotHarness
) -> None:
    now = datetime.now(UTC)
    async with obot.database.session() as session:
        repo = ChatRepository(session)
        for chat_id, kind, active in [
            (7101, "private", True), (7102, "private", True), (7103, "private", False),
            (-1007101, "supergroup", True), (-7102, "group", False),
        ]:
            await repo.ensure(chat_id, kind, None, "en")
            await repo.set_active(chat_id, active)
        card = Card(chat_id=7101, number=1, created_by=7101, label="SIM",
                    expires_on=date(2027, 1, 1))
        session.add_all([card, Card(chat_id=-1007101, number=1, created_by=7101, label="Data",
                                    expires_on=date(2027, 1, 1))])
        await session.flush()
        assert card.id is not None
        for offset, status, due in [(-7, "sent", now), (-3, "sent", now), (-1, "failed", now),
                                    (0, "sent", now - timedelta(days=2))]:
            session.add(Delivery(card_id=card.id, expires_on=card.expires_on, offset_days=offset,
                                 status=status, due_at=due))
    stats = await obot.say(api.user(OWNER, "Olga"), "/botstats")
    text = stats.plain_text
    # The owner's own chat (just registered) is a user too.
    assert "Users: 3 active, 1 blocked the bot" in text
    assert "Groups: 1 active, 1 removed the bot" in text
    assert "Chats that blocked or removed the bot: 2" in text
    assert "Cards: 2" in text
    assert "Reminders in the last 24 h: 2 sent, 1 failed" in text


async def test_broadcast_preview_confirm_and_final_count(
    api: FakeBotAPI, obot: BotHarness
) -> None:
    owner = api.user(OWNER, "Olga")
    users = [api.user(7200 + n, f"U{n}") for n in range(4)]
    group = api.group(-1007200, "Family")
    async with obot.database.session() as session:
        repo = ChatRepository(session)
        for user in users:
            await repo.ensure(user.id, "private", None, "en")
            api.private_chat(user)
        await repo.ensure(group.id, "supergroup", "Family", "en")
        await repo.ensure(7299, "private", None, "en")  # a chat Telegram no longer knows
        await repo.ensure(7298, "private", None, "en")
        await repo.set_active(7298, False)  # blocked the bot long ago: not a recipient
    api.set_blocked(users[3])

    usage = await obot.say(owner, "/broadcast")
    assert "followed by the message" in usage.plain_text
    since = api.mark()
    api.send_text(owner, "/broadcast <b>New</b> prices & plans\nfrom Monday")
    preview = await api.wait_for_message(owner, since=since)
    question = await api.wait_for_message(owner, since=preview)
    assert preview.text == "&lt;b&gt;New&lt;/b&gt; prices &amp; plans\nfrom Monday"
    assert "to 7 chats" in question.plain_text  # owner, 4 users, group, unknown chat
    assert [b[1] for b in question.buttons()] == ["bc:send:1", "bc:cancel:1"]

    await obot.press(owner, question, "bc:send:1")
    final = await _final(api, question)
    assert "✅ 5 delivered · 🚫 1 blocked · ⚠️ 1 failed" in final
    chats: list[FakeUser | FakeChat] = [owner, *users[:3], group]
    for chat in chats:
        [message] = [m for m in api.delivered(chat) if "prices" in m.plain_text
                     and m.seq > question.seq]
        assert message.plain_text == "<b>New</b> prices & plans\nfrom Monday"
    async with obot.database.session(readonly=True) as session:
        blocked = await ChatRepository(session).get(users[3].id)
    assert blocked is not None and not blocked.active

    since = api.mark()
    assert await _alert(api, owner, question, "bc:send:1") == "That button has expired."
    await api.wait_idle()
    assert [m for m in api.sent if m.seq >= since] == []  # a second tap sends nothing


async def test_broadcast_can_be_cancelled(api: FakeBotAPI, obot: BotHarness) -> None:
    owner = api.user(OWNER, "Olga")
    api.send_text(owner, "/broadcast Hello")
    await api.wait_for_message(owner)
    question = await api.wait_for_message(owner)
    cancelled = await obot.press(owner, question, "bc:cancel:1")
    assert cancelled.plain_text == "Cancelled: nothing was sent."
    assert await _alert(api, owner, question, "bc:send:1") == "That button has expired."
    await api.wait_idle()
    assert len(api.delivered(owner)) == 2  # the preview and the question only
    async with obot.database.session(readonly=True) as session:
        [broadcast] = await session.exec(select(Broadcast))
        assert broadcast.status == "cancelled"
        assert list(await session.exec(select(BroadcastRecipient))) == []


async def test_owner_commands_appear_only_in_the_owners_menu(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    harness = BotHarness(api, sqlite_url, bot_owner_ids=str(OWNER))
    await harness.start()
    await harness.say(api.user(OWNER, "Olga"), "/start")  # the owner has talked to the bot
    await harness.stop()
    api.commands.clear()
    await harness.start()  # so the menus are set at start-up
    try:
        await api.wait_idle()
        owner_menu = {c["command"] for c in api.commands[(f"chat:{OWNER}", "")]}
        assert {"botstats", "broadcast", "addcard"} <= owner_menu
        chinese = {c["command"]: c["description"] for c in api.commands[(f"chat:{OWNER}", "zh")]}
        assert chinese["addcard"] != "Record a SIM card, data card or eSIM"
        everyone = {c["command"] for c in api.commands[("all_private_chats", "")]}
        assert not {"botstats", "broadcast"} & everyone
    finally:
        await harness.stop()


async def test_an_owner_who_never_wrote_gets_the_menu_on_first_writing(
    api: FakeBotAPI, sqlite_url: str
) -> None:
    harness = BotHarness(api, sqlite_url, bot_owner_ids=str(OWNER))
    await harness.start()  # Telegram refuses a menu for a chat that does not exist yet
    try:
        await api.wait_idle()
        assert (f"chat:{OWNER}", "") not in api.commands
        await harness.say(api.user(OWNER, "Olga"), "/start")
        await api.wait_idle()
        for language in ("", "zh"):
            menu = {c["command"] for c in api.commands[(f"chat:{OWNER}", language)]}
            assert {"botstats", "broadcast", "addcard"} <= menu
        calls = len(api.calls_to("setMyCommands"))
        await harness.say(api.user(OWNER, "Olga"), "/help")  # set once, not on every message
        await api.wait_idle()
        assert len(api.calls_to("setMyCommands")) == calls
    finally:
        await harness.stop()
