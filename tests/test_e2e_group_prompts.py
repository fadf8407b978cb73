"""Group conversations under privacy mode, end to end: the bot is a plain member, so only
commands, mentions and replies to its messages reach it. Every question that waits for typing
carries a selective ForceReply addressed to the admin (a reply to their message, or a mention
after a button); the admin answers by replying and the card, answer or setting is saved. A
plain message is never delivered and moves nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeChat, FakeUser
from storage.models import Card, FaqEntry, Renewal
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness, ManualClock, forces_reply
from tests.reminder_fixtures import add_card, get_card

NOW = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)
ADMIN = 6101


@pytest.fixture
async def pbot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    assert api.privacy_mode
    # Groups are paced at one message per 4 s after a burst; these conversations are long.
    harness = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW), group_interval=0.01)
    await harness.start()
    yield harness
    await harness.stop()


def _group(api: FakeBotAPI, chat_id: int) -> tuple[FakeChat, FakeUser]:
    group = api.group(chat_id, "Family SIMs")
    admin = api.user(ADMIN, "Ada")
    api.set_admins(group, [ADMIN])
    return group, admin


async def _command(
    bot: BotHarness, admin: FakeUser, group: FakeChat, text: str
) -> tuple[SentMessage, SentMessage]:
    """Send a command; return the bot's first answer and the ForceReply that asks for typing,
    checked to be addressed to the admin: a reply to their command."""
    since = bot.api.mark()
    command = bot.api.send_text(admin, text, chat=group)["message"]
    first = await bot.api.wait_for_message(group.id, since=since)
    asking = first if forces_reply(first) else await bot.force_reply(group.id, since=first)
    assert asking.reply_to_message_id == command["message_id"]
    return first, asking


def _mentions(message: SentMessage, user: FakeUser) -> bool:
    return any(e.get("type") == "text_mention" and e["user"]["id"] == user.id
               for e in message.entities)


async def _ignored(bot: BotHarness, admin: FakeUser, group: FakeChat, text: str) -> None:
    """A plain message (no reply) in the group never reaches the bot: nothing answers."""
    filtered, since = bot.api.stats.updates_filtered, bot.api.mark()
    bot.api.send_text(admin, text, chat=group)
    await bot.api.wait_idle()
    assert bot.api.stats.updates_filtered == filtered + 1
    assert bot.api.messages_to(group.id)[-1].seq < since


def _data(message: SentMessage) -> list[str]:
    return [value or "" for _text, value in message.buttons()]


async def test_addcard_in_a_group_is_answered_by_replies(
    api: FakeBotAPI, pbot: BotHarness
) -> None:
    group, admin = _group(api, -1006101)
    question, asking = await _command(pbot, admin, group, "/addcard")
    assert "What should I call this card?" in question.plain_text
    assert asking.reply_markup == {"force_reply": True, "selective": True,
                                   "input_field_placeholder": "Your answer"}
    await _ignored(pbot, admin, group, "Mum's SIM")
    assert pbot.app is not None
    assert pbot.app.user_data[ADMIN]["card_form"][str(group.id)]["values"] == {}

    typed = {"label": "Mum's SIM", "carrier": "Globe", "kind": "sim", "number": "skip",
             "plan": "skip", "price": "₱99", "expiry": "2027-02-01", "cycle": "monthly",
             "lead_days": "3,1"}
    asked = []
    while "cf:save" not in _data(question):
        field = next(d.split(":")[1] for d in [*_data(question), "cf:label"]
                     if d not in ("cf:cancel", "cf:back"))
        asked.append(field)
        if field in typed:
            question = await pbot.reply(admin, asking, typed[field])
        else:  # a question answered only with its buttons (whether the period counts from…)
            question = await pbot.press(admin, question, _data(question)[0])
        if "cf:save" not in _data(question):
            asking = await pbot.force_reply(group.id, since=question)
    assert asked == [*list(typed)[:8], "renew_from", "lead_days"]
    saved = await pbot.press(admin, question, "cf:save")
    assert "✅ Saved." in saved.plain_text
    async with pbot.database.session(readonly=True) as session:
        (card,) = await session.exec(select(Card).where(Card.chat_id == group.id))
    assert (card.label, card.carrier, card.expires_on, card.price, card.lead_days) == (
        "Mum's SIM", "globe", date(2027, 2, 1), 9900, "3,1"
    )


async def test_editcard_in_a_group_asks_the_admin_by_mention_after_a_button(
    api: FakeBotAPI, pbot: BotHarness
) -> None:
    group, admin = _group(api, -1006102)
    card = await add_card(pbot.database, pbot.settings, pbot.clock, group.id, date(2027, 1, 5),
                          chat_type="supergroup")
    picker = await pbot.say(admin, f"/editcard {card.id}", chat=group)
    question = await pbot.press(admin, picker, "cf:pick:plan")
    assert "Which plan is on it?" in question.plain_text
    asking = await pbot.force_reply(group.id, since=question)
    assert _mentions(asking, admin) and asking.reply_to_message_id is None
    await _ignored(pbot, admin, group, "Unlimited 5G")
    summary = await pbot.reply(admin, asking, "Unlimited 5G")
    assert "cf:save" in _data(summary)
    saved = await pbot.press(admin, summary, "cf:save")
    assert "✅ Saved." in saved.plain_text
    assert (await get_card(pbot.database, card.id)).plan == "Unlimited 5G"


async def test_renewed_in_a_group_takes_the_date_amount_and_note_by_reply(
    api: FakeBotAPI, pbot: BotHarness
) -> None:
    group, admin = _group(api, -1006103)
    card = await add_card(pbot.database, pbot.settings, pbot.clock, group.id, date(2027, 1, 5),
                          chat_type="supergroup")
    _proposal, asking = await _command(pbot, admin, group, f"/renewed {card.id}")
    await _ignored(pbot, admin, group, "2027-03-01")
    assert (await get_card(pbot.database, card.id)).expires_on == date(2027, 1, 5)
    for answer, next_question in (("2027-03-01", "How much did you pay?"),
                                  ("88", "How did you pay"),
                                  ("GCash", "Any note to keep with it"),
                                  ("order 4471 at the mall", "receipt")):
        question = await pbot.reply(admin, asking, answer)
        assert next_question in question.plain_text, question.plain_text
        asking = await pbot.force_reply(group.id, since=question)
    done = await pbot.press(admin, question, "rn:done")
    assert "All set." in done.plain_text
    assert (await get_card(pbot.database, card.id)).expires_on == date(2027, 3, 1)
    async with pbot.database.session(readonly=True) as session:
        (renewal,) = await session.exec(select(Renewal).where(Renewal.card_id == card.id))
    assert (renewal.new_expires_on, renewal.amount, renewal.channel, renewal.note) == (
        date(2027, 3, 1), 8800, "gcash", "order 4471 at the mall"
    )


async def test_faq_add_in_a_group_asks_for_the_question_and_answer(
    api: FakeBotAPI, pbot: BotHarness
) -> None:
    group, admin = _group(api, -1006104)
    question, asking = await _command(pbot, admin, group, "/faq add")
    assert question is asking and "question | answer" in question.plain_text
    await _ignored(pbot, admin, group, "Who pays? | Dad")
    hint = await pbot.reply(admin, asking, "Who pays?")
    assert hint.plain_text == "Please write it as: question | answer" and forces_reply(hint)
    saved = await pbot.reply(admin, hint, "Who pays? | Dad")
    assert "✅ Saved answer" in saved.plain_text
    async with pbot.database.session(readonly=True) as session:
        entries = list(await session.exec(select(FaqEntry).where(FaqEntry.chat_id == group.id)))
    assert [(e.question, e.answer) for e in entries] == [("Who pays?", "Dad")]


async def test_settings_lead_days_in_a_group_by_reply(api: FakeBotAPI, pbot: BotHarness) -> None:
    group, admin = _group(api, -1006105)
    menu = await pbot.say(admin, "/settings", chat=group)
    page = await pbot.press(admin, menu, "gs:lead")
    asking = await pbot.force_reply(group.id, since=page)
    assert _mentions(asking, admin)
    await _ignored(pbot, admin, group, "14,7,1")
    saved = await pbot.reply(admin, asking, "14,7,1")
    assert "✅ Saved." in saved.plain_text
    async with pbot.database.session(readonly=True) as session:
        chat = await ChatRepository(session).get(group.id)
    assert chat is not None and chat.default_lead_days == "14,7,1"


async def test_import_in_a_group_takes_the_file_as_a_reply(
    api: FakeBotAPI, pbot: BotHarness
) -> None:
    group, admin = _group(api, -1006106)
    question, asking = await _command(pbot, admin, group, "/import")
    assert question is asking
    rows = b"label,expires_on\nShop SIM,2027-04-01\n"
    since = api.mark()
    api.send_document(admin, "cards.csv", rows, chat=group)  # not a reply: never delivered
    await api.wait_idle()
    assert api.messages_to(group.id)[-1].seq < since
    api.send_document(admin, "cards.csv", rows, chat=group, reply_to=asking)
    done = await api.wait_for_message(group.id, since=since)
    assert done.plain_text.startswith("Imported 1 card")
