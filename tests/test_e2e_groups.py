"""Groups end to end over the fake Bot API: admin-only configuration (commands and the /settings
menu), anonymous admins, the admin cache following chat_member updates, group cards reminded
into their topic, the group's own answers, migration to a supergroup and privacy mode."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlmodel import col, select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeChat, FakeUser
from storage.db import Database
from storage.models import (
    Broadcast,
    BroadcastRecipient,
    Card,
    Chat,
    Delivery,
    FaqEntry,
    PersistedData,
)
from storage.repositories.chats import ChatRepository
from storage.repositories.faq import FaqRepository
from tests.harness import BotHarness, ManualClock, button_answer
from tests.reminder_fixtures import add_card, get_card

# 2026-12-24 08:30 in Shanghai; a card expiring 2026-12-31 has its "7 days" moment at 09:00.
START = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)
EXPIRY = date(2026, 12, 31)
GROUP = -1006000
ADMIN, MEMBER = 6001, 6002
REFUSED = "Only the group's admins"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(frozen=START)


@pytest.fixture
async def gbot(api: FakeBotAPI, sqlite_url: str, clock: ManualClock) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=0.1)
    await harness.start()
    yield harness
    await harness.stop()


def _people(api: FakeBotAPI, group: FakeChat) -> tuple[FakeUser, FakeUser]:
    admin, member = api.user(ADMIN, "Ada"), api.user(MEMBER, "Max")
    api.set_admins(group, [ADMIN])
    api.set_member(group, member)
    return admin, member


async def _chat(bot: BotHarness, chat_id: int) -> Chat | None:
    async with bot.database.session(readonly=True) as session:
        return await ChatRepository(session).get(chat_id)


async def _faq(bot: BotHarness, chat_id: int) -> list[tuple[str, str]]:
    async with bot.database.session(readonly=True) as session:
        return [(e.question, e.answer) for e in await FaqRepository(session).list(chat_id)]


async def _state(bot: BotHarness, chat_id: int) -> dict[str, Any]:
    """Everything an admin command could change about a chat."""
    chat = await _chat(bot, chat_id)
    assert chat is not None
    async with bot.database.session(readonly=True) as session:
        cards = [c.model_dump() for c in await session.exec(select(Card).order_by(col(Card.id)))]
    return {
        "chat": chat.model_dump(exclude={"updated_at"}),
        "faq": await _faq(bot, chat_id),
        "cards": cards,
    }


async def _alert(api: FakeBotAPI, user: FakeUser, message: SentMessage, data: str) -> str | None:
    """Press a (possibly forged) button; the alert the bot answered with (None: no alert)."""
    answer = await button_answer(api, user, message, data)
    return answer.text if answer and answer.show_alert else None


# Every admin command of a group, and what it must change when an admin sends it.
ADMIN_COMMANDS = [
    ("/settings", None),
    ("/language zh", lambda s: s["chat"]["language"] == "zh"),
    ("/timezone Asia/Manila", lambda s: s["chat"]["timezone"] == "Asia/Manila"),
    ("/remindat 20:30", lambda s: s["chat"]["remind_at"] == "20:30"),
    ("/reminders off", lambda s: s["chat"]["reminders_enabled"] is False),
    ("/faq add Where to top up? | At the shop", lambda s: len(s["faq"]) == 2),
    ("/faq del {faq_id}", lambda s: s["faq"] == []),
    ("/faq list", None),
    ("/groupcards", None),
]


@pytest.mark.parametrize(("command", "changed"), ADMIN_COMMANDS, ids=[c for c, _ in ADMIN_COMMANDS])
async def test_admin_commands_refuse_non_admins_and_work_for_admins(
    api: FakeBotAPI, gbot: BotHarness, clock: ManualClock, command: str, changed: Any
) -> None:
    group = api.group(GROUP, "Family SIMs")
    admin, member = _people(api, group)
    await gbot.say(admin, "/start", chat=group)
    await add_card(gbot.database, gbot.settings, clock, GROUP, EXPIRY, chat_type="supergroup")
    async with gbot.database.session() as session:
        entry = await FaqRepository(session).add(GROUP, "Old question", "Old answer", ADMIN)
    command = command.format(faq_id=entry.id)
    before = await _state(gbot, GROUP)

    refused = await gbot.say(member, command, chat=group)
    assert refused.plain_text.startswith(REFUSED)
    assert await _state(gbot, GROUP) == before

    reply = await gbot.say(admin, command, chat=group)
    assert REFUSED not in reply.plain_text
    if changed is not None:
        assert changed(await _state(gbot, GROUP))


async def test_anonymous_admin_counts_as_admin(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Shop")
    anyone = api.user(ADMIN, "Ada")
    since = api.mark()
    api.send_text(anyone, "/reminders off", chat=group, sender_chat=group)
    reply = await api.wait_for_message(group, since=since)
    assert reply.plain_text.startswith("🔕 Reminders are off")
    chat = await _chat(gbot, GROUP)
    assert chat is not None and not chat.reminders_enabled

    since = api.mark()
    api.send_text(anyone, "/faq add Opening hours? | 9 to 5", chat=group, sender_chat=group)
    await api.wait_for_message(group, since=since)
    assert await _faq(gbot, GROUP) == [("Opening hours?", "9 to 5")]
    assert not api.calls_to("getChatAdministrators")  # no need to ask Telegram

    # A message sent on behalf of some other channel is not the group's admins speaking.
    channel = api.channel(-1009999, "Someone's channel")
    since = api.mark()
    api.send_text(anyone, "/reminders on", chat=group, sender_chat=channel)
    refused = await api.wait_for_message(group, since=since)
    assert refused.plain_text.startswith(REFUSED)


async def test_non_admin_pressing_the_settings_menu_changes_nothing(
    api: FakeBotAPI, gbot: BotHarness
) -> None:
    group = api.group(GROUP, "Family SIMs")
    admin, member = _people(api, group)
    menu = await gbot.say(admin, "/settings", chat=group)
    assert "Settings for Family SIMs" in menu.plain_text
    before = await _state(gbot, GROUP)

    for data in ("gs:rem:off", "gs:tz", "gs:lang"):
        alert = await _alert(api, member, menu, data)
        assert alert is not None and alert.startswith(REFUSED)
    assert await _state(gbot, GROUP) == before

    page = await gbot.press(admin, menu, "gs:tz")
    await gbot.force_reply(GROUP, since=page)  # the page also takes a typed zone, by reply
    chosen = await gbot.press(admin, page, "gs:tz:Asia/Manila")
    assert "✅ Saved." in chosen.plain_text
    assert "Time zone: Asia/Manila" in chosen.plain_text
    # The member cannot use the admin's submenu either.
    alert = await _alert(api, member, chosen, "gs:rem:off")
    assert alert is not None and alert.startswith(REFUSED)
    chat = await _chat(gbot, GROUP)
    assert chat is not None and chat.timezone == "Asia/Manila" and chat.reminders_enabled


async def _typing_page(
    bot: BotHarness, admin: FakeUser, menu: SentMessage, data: str
) -> SentMessage:
    """Open a settings page that also takes a typed value: its buttons, then the ForceReply."""
    page = await bot.press(admin, menu, data)
    await bot.force_reply(page.chat_id, since=page)
    return page


async def test_settings_menu_sets_every_setting(
    api: FakeBotAPI, gbot: BotHarness, clock: ManualClock
) -> None:
    group = api.group(GROUP, "Team <SIMs>", forum=True)
    admin, _member = _people(api, group)
    card = await add_card(
        gbot.database, gbot.settings, clock, GROUP, EXPIRY, chat_type="supergroup"
    )
    since = api.mark()
    api.send_text(admin, "/settings", chat=group, thread_id=77)
    menu = await api.wait_for_message(group, since=since)
    assert menu.message_thread_id == 77
    assert "Settings for Team &lt;SIMs&gt;" in (menu.text or "")  # the title is escaped
    assert "Reminders go to: the General topic" in menu.plain_text

    menu = await gbot.press(admin, menu, "gs:topic:here")
    assert "Reminders go to: this topic" in menu.plain_text
    menu = await gbot.press(admin, await _typing_page(gbot, admin, menu, "gs:at"), "gs:at:20:00")
    assert "Reminders arrive at: 20:00" in menu.plain_text
    assert "Updated the reminders of 1 card." in menu.plain_text
    menu = await gbot.press(
        admin, await _typing_page(gbot, admin, menu, "gs:lead"), "gs:lead:3,1,0"
    )
    assert "Days before expiry: 3, 1, 0" in menu.plain_text
    menu = await gbot.press(admin, menu, "gs:rem:off")
    assert "Reminders: off" in menu.plain_text
    assert (await get_card(gbot.database, card.id)).next_remind_at is None
    menu = await gbot.press(admin, menu, "gs:rem:on")
    assert (await get_card(gbot.database, card.id)).next_remind_at is not None
    menu = await gbot.press(admin, await gbot.press(admin, menu, "gs:lang"), "gs:lang:zh")
    assert "已保存" in menu.plain_text  # the menu switches language at once

    chat = await _chat(gbot, GROUP)
    assert chat is not None
    assert (chat.reminder_thread_id, chat.remind_at, chat.default_lead_days, chat.language) == (
        77, "20:00", "3,1,0", "zh"
    )
    menu = await gbot.press(admin, menu, "gs:topic:general")
    chat = await _chat(gbot, GROUP)
    assert chat is not None and chat.reminder_thread_id is None
    assert await _alert(api, admin, menu, "gs:lead:999") == "这个按钮已失效。"  # zh now


async def test_reminders_command_reports_and_switches(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Team")
    admin, _member = _people(api, group)
    state = await gbot.say(admin, "/reminders", chat=group)
    assert state.plain_text == (
        "🔔 Reminders are on in this chat. Send /reminders off to pause them."
    )
    await gbot.say(admin, "/reminders 关", chat=group)
    state = await gbot.say(admin, "/reminders", chat=group)
    assert state.plain_text == (
        "🔕 Reminders are off in this chat. Send /reminders on to resume them."
    )


async def test_admin_cache_follows_chat_member_updates(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Team")
    admin, member = _people(api, group)
    refused = await gbot.say(member, "/reminders off", chat=group)
    assert refused.plain_text.startswith(REFUSED)
    calls = len(api.calls_to("getChatAdministrators"))
    await gbot.say(member, "/faq list", chat=group)
    assert len(api.calls_to("getChatAdministrators")) == calls  # answered from the cache

    api.chat_member_update(group, member, "member", "administrator", by=admin)
    done = await gbot.say(member, "/reminders off", chat=group)
    assert done.plain_text.startswith("🔕 Reminders are off")

    api.chat_member_update(group, member, "administrator", "member", by=admin)
    refused = await gbot.say(member, "/reminders on", chat=group)
    assert refused.plain_text.startswith(REFUSED)
    assert len(api.calls_to("getChatAdministrators")) == calls


async def test_the_bot_says_which_right_it_lacks(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Announcements")
    admin, _member = _people(api, group)
    menu = await gbot.say(admin, "/settings", chat=group)
    assert "Send messages" not in menu.plain_text
    api.set_bot_status(group, "restricted", can_send_messages=False)
    menu = await gbot.say(admin, "/settings", chat=group)
    assert "I need the “Send messages” permission" in menu.plain_text
    api.set_bot_status(group, "administrator")
    api.my_chat_member(group, admin, "restricted", "administrator")
    await api.wait_idle()
    menu = await gbot.say(admin, "/settings", chat=group)
    assert "Send messages" not in menu.plain_text


async def test_faq_commands_explain_their_mistakes(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Shop")
    admin, _member = _people(api, group)
    usage = await gbot.say(admin, "/faq", chat=group)
    assert "/faq add question | answer" in usage.plain_text
    missing = await gbot.say(admin, "/faq add no separator here", chat=group)
    assert missing.plain_text.startswith("Please write it as")
    long = await gbot.say(admin, "/faq add " + "q" * 301 + " | a", chat=group)
    assert "too long" in long.plain_text
    empty = await gbot.say(admin, "/faq list", chat=group)
    assert "no answers of its own yet" in empty.plain_text
    private = await gbot.say(admin, "/faq list")
    assert "for groups" in private.plain_text


async def test_faq_entries_are_escaped_unique_and_deletable(
    api: FakeBotAPI, gbot: BotHarness
) -> None:
    # (A second test and group: Telegram lets a bot send a group 20 messages a minute.)
    group = api.group(GROUP, "Shop")
    admin, _member = _people(api, group)
    saved = await gbot.say(admin, "/faq add <b>Price</b>? | 30 & up\nper month", chat=group)
    assert "&lt;b&gt;Price&lt;/b&gt;?" in (saved.text or "")
    assert "30 &amp; up\nper month" in (saved.text or "")
    again = await gbot.say(admin, "/faq add  <B>price</b>?  | other", chat=group)
    assert "already an answer" in again.plain_text
    [(question, answer)] = await _faq(gbot, GROUP)
    assert (question, answer) == ("<b>Price</b>?", "30 & up\nper month")

    listing = await gbot.say(admin, "/faq list", chat=group)
    assert "&lt;b&gt;Price&lt;/b&gt;?" in (listing.text or "")
    unknown = await gbot.say(admin, "/faq del 999", chat=group)
    assert "no answer #999" in unknown.plain_text
    bad = await gbot.say(admin, "/faq del x", chat=group)
    assert bad.plain_text.startswith("Which one?")


async def test_faq_list_pages_and_the_limit(api: FakeBotAPI, gbot: BotHarness) -> None:
    group = api.group(GROUP, "Shop")
    admin, member = _people(api, group)
    await gbot.say(admin, "/start", chat=group)
    async with gbot.database.session() as session:
        for n in range(100):
            await FaqRepository(session).add(GROUP, f"Question {n:03d} " + "x" * 280, "a", ADMIN)
    full = await gbot.say(admin, "/faq add One more? | no", chat=group)
    assert "the most I keep" in full.plain_text

    page = await gbot.say(admin, "/faq list", chat=group)
    seen = []
    for number in range(1, 11):
        text = page.plain_text
        assert f"page {number} of 10" in text and len(text) <= 4096
        seen += [line.split()[2] for line in text.splitlines() if line.startswith("#")]
        if number < 10:
            assert await _alert(api, member, page, f"faq:page:{number + 1}") is not None
            page = await gbot.press(admin, page, f"faq:page:{number + 1}")
    assert seen == [f"{n:03d}" for n in range(100)]


async def test_a_group_card_is_reminded_into_its_topic(
    api: FakeBotAPI, gbot: BotHarness, clock: ManualClock
) -> None:
    group = api.group(GROUP, "Family", forum=True)
    admin, member = _people(api, group)
    own_topic = await add_card(
        gbot.database, gbot.settings, clock, GROUP, EXPIRY, chat_type="supergroup", thread_id=77,
        label="Mum's SIM",
    )
    since = api.mark()
    api.send_text(admin, "/settings", chat=group, thread_id=55)
    menu = await api.wait_for_message(group, since=since)
    await gbot.press(admin, menu, "gs:topic:here")
    follows_chat = await add_card(
        gbot.database, gbot.settings, clock, GROUP, EXPIRY, chat_type="supergroup", label="Dad's"
    )

    since = api.mark()
    clock.advance(minutes=31)
    first = await api.wait_for_message(group, since=since, timeout=5)
    second = await api.wait_for_message(group, since=first, timeout=5)
    reminders = {m.message_thread_id: m for m in (first, second)}
    assert set(reminders) == {77, 55}
    assert "Mum's SIM" in reminders[77].plain_text
    assert "Dad's" in reminders[55].plain_text

    # Snooze and Stop on a group reminder are for admins.
    alert = await _alert(api, member, reminders[77], f"card:stop:{own_topic.id}")
    assert alert is not None and alert.startswith(REFUSED)
    assert not (await get_card(gbot.database, own_topic.id)).lapsed
    stopped = await gbot.press(admin, reminders[55], f"card:stop:{follows_chat.id}")
    assert "No more reminders" in stopped.plain_text


async def test_a_custom_answer_wins_in_its_group_only(api: FakeBotAPI, gbot: BotHarness) -> None:
    shop = api.group(GROUP, "Card shop")
    other = api.group(GROUP - 1, "Other group")
    admin, member = _people(api, shop)
    api.set_member(other, member)
    question = "how do I top up China Mobile"
    await gbot.say(admin, f"/faq add {question}? | Come to our counter, we top up for you.",
                   chat=shop)

    mention = f"@{api.bot_username} {question}"
    ours = await gbot.say(member, mention, chat=shop)
    assert "Come to our counter" in ours.plain_text
    theirs = await gbot.say(member, mention, chat=other)
    assert "Come to our counter" not in theirs.plain_text
    assert "10086" in theirs.plain_text  # the built-in China Mobile guide


async def test_migration_moves_every_row_of_the_group(
    api: FakeBotAPI, gbot: BotHarness, clock: ManualClock
) -> None:
    old, new = -6100, -1006100
    group = api.group(old, "Family", supergroup=False)
    admin, _member = _people(api, group)
    await gbot.say(admin, "/language zh", chat=group)
    await gbot.say(admin, "/timezone Asia/Manila", chat=group)
    await gbot.say(admin, "/faq add Who pays? | Dad", chat=group)
    card = await add_card(gbot.database, gbot.settings, clock, old, EXPIRY, chat_type="group")
    async with gbot.database.session() as session:
        assert card.id is not None
        session.add(Delivery(card_id=card.id, expires_on=EXPIRY, offset_days=-30, status="sent",
                             chat_id=old, due_at=START))
        broadcast = Broadcast(created_by=1, text="hi", status="done", chat_id=1)
        session.add(broadcast)
        await session.flush()
        assert broadcast.id is not None
        session.add(BroadcastRecipient(broadcast_id=broadcast.id, chat_id=old, status="delivered"))
    assert gbot.app is not None
    gbot.app.chat_data[old]["note"] = "kept"

    api.migrate_group(group, new)
    await api.wait_idle()
    assert await _chat(gbot, old) is None
    moved = await _chat(gbot, new)
    assert moved is not None
    assert (moved.type, moved.language, moved.timezone) == ("supergroup", "zh", "Asia/Manila")
    assert (await get_card(gbot.database, card.id)).chat_id == new
    assert await _faq(gbot, new) == [("Who pays?", "Dad")]
    async with gbot.database.session(readonly=True) as session:
        assert [d.chat_id for d in await session.exec(select(Delivery))] == [new]
        assert [r.chat_id for r in await session.exec(select(BroadcastRecipient))] == [new]
        assert list(await session.exec(select(FaqEntry).where(FaqEntry.chat_id == old))) == []
    assert gbot.app.chat_data[new] == {"note": "kept"}

    await gbot.stop()  # a clean stop writes PTB's chat_data
    await gbot.start()
    async with gbot.database.session(readonly=True) as session:
        owners = {row.owner_id for row in await session.exec(
            select(PersistedData).where(PersistedData.kind == "chat")
        )}
    assert new in owners and old not in owners
    # The moved group answers in its settings, and its admins are still its admins.
    reply = await gbot.say(admin, "/reminders off", chat=api.chat(new))
    assert reply.plain_text.startswith("🔕")


async def test_privacy_mode_commands_mentions_and_replies_reach_the_bot(
    sqlite_url: str,
) -> None:
    async with FakeBotAPI(privacy_mode=True) as api:
        harness = BotHarness(api, sqlite_url)
        await harness.start()
        try:
            group = api.group(GROUP, "Quiet group")
            admin, member = _people(api, group)
            since = api.mark()
            api.my_chat_member(group, admin, "left", "member")
            hello = await api.wait_for_message(group, since=since)
            assert "Hello, Quiet group" in hello.plain_text

            menu = await harness.say(admin, f"/settings@{api.bot_username}", chat=group)
            assert "Settings for Quiet group" in menu.plain_text
            api.send_text(member, "how do I top up China Mobile", chat=group)  # not for the bot
            mention = await harness.say(member, f"@{api.bot_username} how to top up", chat=group)
            assert mention.reply_to_message_id is not None
            since = api.mark()
            api.send_text(member, "and for Globe?", chat=group, reply_to=mention)
            reply = await api.wait_for_message(group, since=since)
            assert reply.plain_text
            await api.wait_idle()
            assert api.stats.updates_filtered >= 1  # the plain message never reached it
        finally:
            await harness.stop()


async def test_chat_migration_moves_rows_on_both_backends(db: Database) -> None:
    old, new = -6200, -1006200
    async with db.session() as session:
        await ChatRepository(session).ensure(old, "group", "Family", "zh")
        card = Card(chat_id=old, number=1, created_by=1, label="SIM", expires_on=EXPIRY)
        session.add(card)
        broadcast = Broadcast(created_by=1, text="hi", status="done", chat_id=1)
        session.add(broadcast)
        await session.flush()
        assert card.id is not None and broadcast.id is not None
        session.add_all([
            Delivery(card_id=card.id, expires_on=EXPIRY, offset_days=-7, status="sent",
                     chat_id=old, due_at=START),
            BroadcastRecipient(broadcast_id=broadcast.id, chat_id=old, status="delivered"),
        ])
        await FaqRepository(session).add(old, "Who pays?", "Dad", 1)
    async with db.session() as session:
        assert await ChatRepository(session).migrate(old, new)
    async with db.session(readonly=True) as session:
        moved = await ChatRepository(session).get(new)
        assert moved is not None and (moved.type, moved.language) == ("supergroup", "zh")
        assert [c.chat_id for c in await session.exec(select(Card))] == [new]
        assert [d.chat_id for d in await session.exec(select(Delivery))] == [new]
        assert [r.chat_id for r in await session.exec(select(BroadcastRecipient))] == [new]
        assert [e.chat_id for e in await session.exec(select(FaqEntry))] == [new]


@pytest.mark.parametrize("where", ["supergroup", "group", "private"])
@pytest.mark.parametrize("text", ["/start@otherbot", "/help@OtherBot", "/nosuch@otherbot",
                                  "/addcard@otherbot"])
async def test_commands_for_another_bot_are_ignored(
    api: FakeBotAPI, gbot: BotHarness, text: str, where: str
) -> None:
    admin = api.user(ADMIN, "Ada")
    if where == "private":
        chat = api.private_chat(admin)
    else:
        chat = api.group(-1006090, "Other bots", supergroup=where == "supergroup")
        api.set_admins(chat, [ADMIN])
    await gbot.say(admin, "/start", chat=chat)  # the bot knows the chat
    since = api.mark()
    api.send_text(admin, text, chat=chat)
    api.send_text(admin, "/help", chat=chat)  # then one for every bot: answered
    reply = await api.wait_for_message(chat.id, since=since)
    assert reply.plain_text.startswith("What I can do"), reply.plain_text
    assert len(api.messages_to(chat.id)) == 2  # the greeting and this help, nothing else
