"""Every step of every conversation keeps what is typed in it: a wrong answer gets that step's
own hint (never an answer from the free-text Q&A), then the right answer moves on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness, ManualClock, forces_reply
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)
QUESTION = "how do I top up my smart sim?"  # what the Q&A would answer, were it asked


@pytest.fixture
async def sbot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW))
    await harness.start()
    yield harness
    await harness.stop()


async def _step(bot: BotHarness, user: FakeUser, garbage: str, hint: str, answer: str,
                expect: str) -> SentMessage:
    """Type garbage (the step's hint comes back), then the answer (the next step comes)."""
    reply = await bot.say(user, garbage)
    assert reply.plain_text == hint, (garbage, reply.plain_text)
    reply = await bot.say(user, answer)
    assert expect in reply.plain_text, (answer, reply.plain_text)
    return reply


async def test_every_step_of_addcard(api: FakeBotAPI, sbot: BotHarness) -> None:
    user = api.user(3201, "Ann")
    await sbot.say(user, "/addcard")
    await _step(sbot, user, "x" * 65, "That is 65 characters long; please keep it to 64.",
                "Home SIM", "✓ Name: Home SIM")
    await _step(sbot, user, "y" * 65, "That is 65 characters long; please keep it to 64.",
                "smart", "✓ Carrier: Smart")
    await _step(sbot, user, QUESTION, "Please pick the type with the buttons.",
                "sim", "✓ Type: SIM card")
    await _step(sbot, user, QUESTION, "Please type only digits (spaces, dashes and + are fine).",
                "0917 123 4567", "✓ Number: ···4567")
    await _step(sbot, user, "z" * 129, "That is 129 characters long; please keep it to 128.",
                "30 GB", "✓ Plan: 30 GB")
    await _step(sbot, user, QUESTION, "Please write the price like 30, ¥30, ₱99, HK$50 or US$5.",
                "30", "✓ Price: ¥30.00")
    past = await _step(
        sbot, user, QUESTION,
        f"I couldn't read “{QUESTION}” as a date. Try 2026-12-31, 12/31, 12月31日, tomorrow or "
        "in 30 days.",
        "2026-11-01", "is in the past",
    )
    assert "cf:past:yes" in past.callback_data()
    await _step(  # the past-date question reads a new date too
        sbot, user, QUESTION,
        f"I couldn't read “{QUESTION}” as a date. Try 2026-12-31, 12/31, 12月31日, tomorrow or "
        "in 30 days.",
        "2026-12-31", "✓ Expires: 2026-12-31",
    )
    cycle = await _step(
        sbot, user, QUESTION,
        "Please pick a cycle, or type something like “monthly” or “every 30 days”.",
        "monthly", "✓ Renewal cycle: Monthly",
    )
    await _step(sbot, user, QUESTION, "Please pick one of the buttons.", "7,1",
                "Please pick one of the buttons.")  # only buttons here
    prompt = await sbot.press(user, cycle, "cf:renew_from:expiry")
    assert "How many days before the expiry" in prompt.plain_text
    summary = await _step(sbot, user, QUESTION, "Please type days like 7,3,1,0.", "7,1",
                          "Save it?")
    # Only buttons are read here: the summary comes again, its buttons below the hint.
    reply = await sbot.say(user, QUESTION)
    assert reply.plain_text.startswith("Please use the buttons (/cancel stops).\n\nNew card")
    assert reply.callback_data() == summary.callback_data()
    picker = await sbot.press(user, reply, "cf:edit")
    reply = await sbot.say(user, QUESTION)
    assert reply.plain_text.startswith("Please use the buttons (/cancel stops).\n\nNew card")
    assert "cf:pick:cycle" in reply.callback_data()
    cycle = await sbot.press(user, picker, "cf:pick:cycle")
    days = await sbot.press(user, cycle, "cf:cycle:days")
    assert "Every how many days?" in days.plain_text
    await _step(sbot, user, QUESTION, "Please type a number of days, for example 30.", "28",
                "✓ Renewal cycle: Every 28 days")


async def test_every_step_of_a_renewal(api: FakeBotAPI, sbot: BotHarness) -> None:
    user = api.user(3202, "Ben")
    await sbot.say(user, "/start")
    card = await add_card(sbot.database, sbot.settings, sbot.clock, user.id, date(2026, 12, 1))
    await sbot.say(user, f"/renewed {card.id}")
    await _step(
        sbot, user, QUESTION,
        f"I couldn't read “{QUESTION}” as a date. Try 2026-12-31, 12/31, 12月31日, tomorrow or "
        "in 30 days.",
        "2027-01-31", "How much did you pay?",
    )
    # Words without a number: the user has moved on, and learns the renewal is safe.
    reply = await sbot.say(user, QUESTION)
    assert reply.plain_text == (
        "The renewal is already saved. Type the amount you paid, or tap Done to finish."
    )
    await _step(sbot, user, "3 bucks-ish", "I don't know the currency “bucks-ish”. Write it "
                "like 30, ¥30, ₱99, HK$50 or US$5.", "30", "How did you pay or top up?")
    await _step(sbot, user, QUESTION, "Please pick one of the buttons.", "alipay",
                "Any note to keep with it")
    await _step(sbot, user, "n" * 501, "That is 501 characters long; please keep it to 500.",
                "order 42", "Want to keep a receipt?")
    reply = await sbot.say(user, QUESTION)
    assert reply.plain_text == "Please send the receipt as a photo, or press Skip."
    since = api.mark()
    api.send_photo(user)
    done = await api.wait_for_message(user.id, since=since)
    assert done.plain_text.startswith("All set.")


async def test_the_import_step(api: FakeBotAPI, sbot: BotHarness) -> None:
    user = api.user(3203, "Cai")
    await sbot.say(user, "/import")
    reply = await sbot.say(user, QUESTION)
    assert reply.plain_text == "Please send the CSV file as a document, or /cancel."
    since = api.mark()
    api.send_photo(user)  # a photo is not the file either
    reply = await api.wait_for_message(user.id, since=since)
    assert reply.plain_text == "Please send the CSV file as a document, or /cancel."
    since = api.mark()
    api.send_document(user, "cards.csv", b"label,expires_on\nHome SIM,2026-12-31\n")
    reply = await api.wait_for_message(user.id, since=since)
    assert reply.plain_text.startswith("Imported 1 card")


@pytest.mark.parametrize("chat_kind", ["private", "group"])
async def test_the_settings_pages_that_take_typing(
    api: FakeBotAPI, sbot: BotHarness, chat_kind: str
) -> None:
    user = api.user(3204, "Dee")
    chat = api.private_chat(user) if chat_kind == "private" else api.group(-1003204, "Team")
    if chat_kind == "group":
        api.set_admins(chat, [user.id])
    steps = [
        ("gs:tz", "I don't know that time zone. Try a city (Manila, 上海), Asia/Manila or UTC+8:",
         "Manila", "🕒 Time zone: Asia/Manila"),
        ("gs:at", "Please give a time of day such as 09:00 or 21:30.", "21:30",
         "⏰ Reminders arrive at: 21:30"),
        ("gs:lead", "Please type days like 7,3,1,0.", "7,3,1",
         "📅 Days before expiry: 7, 3, 1"),
    ]
    for page, hint, answer, saved in steps:
        menu = await sbot.say(user, "/settings", chat=chat)
        opened = await sbot.press(user, menu, page)
        if chat_kind == "private":
            reply = await sbot.say(user, QUESTION, chat=chat)
            assert reply.plain_text == hint, page
            reply = await sbot.say(user, answer, chat=chat)
        else:  # privacy mode: the answers are replies to the bot's ForceReply prompts
            prompt = await sbot.force_reply(chat.id, since=opened)
            reply = await sbot.reply(user, prompt, QUESTION)
            assert reply.plain_text == hint and forces_reply(reply), page
            reply = await sbot.reply(user, reply, answer)
        assert "✅ Saved." in reply.plain_text and saved in reply.plain_text, reply.plain_text
        assert opened.message_id != reply.message_id
    async with sbot.database.session(readonly=True) as session:
        stored = await ChatRepository(session).get(chat.id)
    assert stored is not None
    assert (stored.timezone, stored.remind_at, stored.default_lead_days) == (
        "Asia/Manila", "21:30", "7,3,1"
    )
    # Once saved, typing is a question again (in a group: when addressed to the bot).
    if chat_kind == "private":
        reply = await sbot.say(user, QUESTION, chat=chat)
        assert "Please type days" not in reply.plain_text
