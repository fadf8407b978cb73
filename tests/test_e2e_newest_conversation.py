"""Only the conversation a user started last in a chat reads what they type and press there:
starting one ends the others, quietly, so an answer meant for the new one is never captured by
an older one that happens to come first in the handler order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from handlers.cards import common
from handlers.cards.form import FORM
from handlers.cards.renew import RENEWAL
from tests.harness import BotHarness, ManualClock, button_answer
from tests.reminder_fixtures import add_card, get_card

NOW = datetime(2026, 11, 29, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
EXPIRES = date(2026, 12, 10)


@pytest.fixture
async def sbot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW))
    await harness.start()
    yield harness
    await harness.stop()


async def _card(bot: BotHarness, user_id: int) -> int:
    card = await add_card(bot.database, bot.settings, bot.clock, user_id, EXPIRES,
                          label="Work SIM")
    assert card.id is not None
    return card.id


def _drafts(bot: BotHarness, user_id: int) -> set[str]:
    assert bot.app is not None
    user_data = bot.app.user_data.get(user_id, {})
    return {kind for kind in (FORM, RENEWAL) if user_data.get(kind)}


async def _renewal_ended(
    api: FakeBotAPI, bot: BotHarness, user: FakeUser, proposal: SentMessage, card_id: int
) -> None:
    """The renewal's date button has expired and the card was not renewed."""
    confirm = next(data for data in proposal.callback_data() if data.startswith("rn:date:"))
    answer = await button_answer(api, user, proposal, confirm)
    assert answer is not None and answer.text == "That button has expired."
    assert (await get_card(bot.database, card_id)).expires_on == EXPIRES


@pytest.mark.parametrize("restart", [False, True], ids=["running", "after-restart"])
async def test_renewed_during_addcard_reads_the_date_typed_next(
    api: FakeBotAPI, sbot: BotHarness, restart: bool
) -> None:
    user = api.user(4101, "Ann")
    card_id = await _card(sbot, 4101)
    label_question = await sbot.say(user, "/addcard")
    assert "What should I call this card?" in label_question.plain_text
    proposal = await sbot.say(user, f"/renewed {card_id}")
    assert "Renewing" in proposal.plain_text
    if restart:  # what was ended stays ended
        await sbot.restart()

    reply = await sbot.say(user, "2027-01-31")

    assert "✓ Name" not in reply.plain_text, reply.plain_text
    assert "✅ Renewed" in reply.plain_text and "2027-01-31" in reply.plain_text
    assert (await get_card(sbot.database, card_id)).expires_on == date(2027, 1, 31)
    assert _drafts(sbot, 4101) == {RENEWAL}  # the abandoned card form left no draft behind


async def test_addcard_during_renewed_ends_the_renewal(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    user = api.user(4102, "Ben")
    card_id = await _card(sbot, 4102)
    proposal = await sbot.say(user, f"/renewed {card_id}")
    await sbot.say(user, "/addcard")
    named = await sbot.say(user, "Home SIM")
    assert "✓ Name: Home SIM" in named.plain_text
    await sbot.say(user, "/cancel")

    # The renewal's date step is over too: a date typed now renews nothing, and its buttons
    # have expired.
    await sbot.say(user, "2027-01-31")
    await _renewal_ended(api, sbot, user, proposal, card_id)
    assert _drafts(sbot, 4102) == set()


async def test_a_refused_start_keeps_the_conversation_in_hand(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    """/renewed with a card that does not exist starts nothing, so /addcard goes on."""
    user = api.user(4103, "Cat")
    await sbot.say(user, "/addcard")
    refusal = await sbot.say(user, "/renewed 999")
    assert "not found" in refusal.plain_text
    named = await sbot.say(user, "Travel eSIM")
    assert "✓ Name: Travel eSIM" in named.plain_text


async def test_import_waiting_for_a_file_ends_when_addcard_starts(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    user = api.user(4104, "Dan")
    await sbot.say(user, "/import")
    await sbot.say(user, "/addcard")
    await sbot.say(user, "/cancel")
    since = api.mark()
    api.send_document(user, "cards.csv", b"label,expires_on\nHome SIM,2099-01-01\n")
    reply = await api.wait_for_message(user.id, since=since)
    assert "added" not in reply.plain_text, reply.plain_text


async def test_conversations_in_other_chats_are_left_alone(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    """Starting one in a group ends only the user's conversations in that group."""
    user = api.user(4105, "Eve")
    group = api.group(-1004105, "Family")
    api.set_admins(group, [4105])
    await sbot.say(user, "/addcard")
    await sbot.say(user, "/addcard", chat=group)
    named = await sbot.say(user, "Home SIM")
    assert "✓ Name: Home SIM" in named.plain_text


async def test_a_settings_page_opened_during_import_reads_the_typed_days(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    """/import (registered before /settings) waits for a file; the lead-days page opened
    after it reads what is typed next."""
    user = api.user(4106, "Fay")
    await sbot.say(user, "/import")
    menu = await sbot.say(user, "/settings")
    await sbot.press(user, menu, "gs:lead")
    reply = await sbot.say(user, "7,3,1")
    assert "📅 Days before expiry: 7, 3, 1" in reply.plain_text, reply.plain_text


async def test_an_ended_conversation_never_says_it_timed_out(
    api: FakeBotAPI, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its timeout went with it: only the renewal, left idle, says it stopped waiting."""
    monkeypatch.setattr(common, "IDLE_TIMEOUT", 0.5)
    bot = BotHarness(api, sqlite_url, clock=ManualClock(frozen=NOW))
    await bot.start()
    try:
        user = api.user(4107, "Gus")
        card_id = await _card(bot, 4107)
        since = api.mark()
        await bot.say(user, "/addcard")
        await bot.say(user, f"/renewed {card_id}")
        # The card form's timeout was due first, so once the renewal's arrives, the form's
        # would have too.
        gave_up = await api.wait_for_message(
            user.id, since=since, timeout=10,
            predicate=lambda m: m.plain_text.startswith("⌛"),
        )
        assert "not marked as renewed" in gave_up.plain_text
        said = [m.plain_text for m in api.outbox[since:] if m.chat_id == user.id]
        assert [text for text in said if (text or "").startswith("⌛")] == [gave_up.plain_text]
    finally:
        await bot.stop()


async def test_a_request_in_words_ends_the_renewal_in_progress_too(
    api: FakeBotAPI, sbot: BotHarness
) -> None:
    """"add my globe sim" starts /addcard from words: the renewal waiting for its date ends."""
    user = api.user(4108, "Hal")
    card_id = await _card(sbot, 4108)
    proposal = await sbot.say(user, f"/renewed {card_id}")
    started = await sbot.say(user, "add my globe sim")
    assert "When does it expire?" in started.plain_text
    assert "✓ Expires" in (await sbot.say(user, "2027-01-15")).plain_text  # read by the form
    await _renewal_ended(api, sbot, user, proposal, card_id)
    assert _drafts(sbot, 4108) == {FORM}
