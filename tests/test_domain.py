"""The domain services against real databases (SQLite, and PostgreSQL when reachable): each
rule holds whichever way a card or chat is changed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.domain import cards as card_rules
from bot.domain.cards import CardChange, CardService
from bot.domain.chats import ChatService
from bot.domain.errors import CardLimitReached, CardNotFound
from bot.settings import Settings, load_settings
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.models import Card, Chat, Renewal
from storage.repositories.chats import ChatRepository
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 12, 24, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai, the default zone
EXPIRY = date(2026, 12, 31)  # its "7 days left" moment: 2026-12-24 09:00 Shanghai
LATER = date(2027, 6, 30)
CHAT = 4242
OWNER = 7001


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None)


async def _services(db: Database, settings: Settings) -> tuple[CardService, ChatService, Chat]:
    async with db.session() as session:
        chat, _created = await ChatRepository(session).ensure(CHAT, "private", None, "en")
    return CardService(db, settings, lambda: NOW), ChatService(db, settings, lambda: NOW), chat


def _columns(label: str, expires_on: date = EXPIRY) -> dict[str, object]:
    return {"label": label, "expires_on": expires_on}


async def _stored(db: Database) -> Sequence[Card]:
    async with db.session(readonly=True) as session:
        return list(await session.exec(select(Card).where(Card.chat_id == CHAT)))


async def test_card_201_is_refused_with_the_limit_error_and_stores_nothing(
    db: Database, settings: Settings
) -> None:
    cards, _chats, chat = await _services(db, settings)
    full = [CardChange(None, _columns(f"SIM {n}")) for n in range(card_rules.MAX_CARDS_PER_CHAT)]
    done = await cards.import_cards(chat, lambda _existing: full, created_by=CHAT, thread_id=None)
    assert (done.added, done.updated) == (200, 0)

    with pytest.raises(CardLimitReached) as refused:
        await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("SIM 201"))
    assert refused.value.code == "card_limit"
    assert refused.value.params["max"] == 200
    with pytest.raises(CardLimitReached):
        await cards.ensure_room(CHAT)
    stored = await _stored(db)
    assert len(stored) == 200 and "SIM 201" not in {card.label for card in stored}


async def test_an_import_is_all_or_nothing(db: Database, settings: Settings) -> None:
    cards, _chats, chat = await _services(db, settings)
    kept = await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("Kept"))

    class Refused(Exception):
        pass

    def refuse(existing: dict[int, Card]) -> list[CardChange]:
        assert set(existing) == {kept.id}  # the plan sees the chat's cards
        raise Refused

    with pytest.raises(Refused):
        await cards.import_cards(chat, refuse, created_by=CHAT, thread_id=None)
    too_many = [CardChange(None, _columns(f"New {n}")) for n in range(200)]
    with pytest.raises(CardLimitReached) as refused:
        await cards.import_cards(chat, lambda _e: [CardChange(kept.id, _columns("Renamed")),
                                                   *too_many], created_by=CHAT, thread_id=None)
    assert refused.value.params == {"count": 1, "added": 200, "max": 200}
    assert [card.label for card in await _stored(db)] == ["Kept"]  # the rename was undone too


async def test_renew_clears_snooze_and_lapse_and_recomputes_the_next_reminder(
    db: Database, settings: Settings
) -> None:
    cards, _chats, chat = await _services(db, settings)
    card = await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("Work"))
    assert card.id is not None
    assert card.next_remind_at == datetime(2026, 12, 24, 1, 0, tzinfo=UTC)
    until = await cards.snooze(chat, card.id, "tomorrow")
    assert until == datetime(2026, 12, 25, 1, 0, tzinfo=UTC)
    stopped = await cards.stop_reminders(chat, card.id)
    assert stopped.lapsed and stopped.snoozed_until is None and stopped.next_remind_at is None
    await cards.snooze(chat, card.id, "3d")  # snoozed and let go: the renewal ends both
    async with db.session() as session:
        row = await session.get(Card, card.id)
        assert row is not None
        row.lapsed = True
    renewed, renewal = await cards.renew(chat, card.id, date(2027, 1, 31), renewed_by=CHAT)
    assert (renewed.lapsed, renewed.snoozed_until) == (False, None)
    # 7 days before the new expiry, 09:00 in Shanghai.
    assert renewed.next_remind_at == datetime(2027, 1, 24, 1, 0, tzinfo=UTC)
    [stored] = await _stored(db)
    assert (stored.expires_on, stored.next_remind_at) == (date(2027, 1, 31), renewed.next_remind_at)
    async with db.session(readonly=True) as session:
        [history] = list(await session.exec(select(Renewal)))
    assert (history.id, history.old_expires_on, history.new_expires_on) == (
        renewal.id, EXPIRY, date(2027, 1, 31)
    )


async def test_an_edited_expiry_starts_a_new_period_and_other_edits_keep_the_snooze(
    db: Database, settings: Settings
) -> None:
    cards, _chats, chat = await _services(db, settings)
    card = await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("Work"))
    assert card.id is not None
    until = await cards.snooze(chat, card.id, "tomorrow")
    relabelled = await cards.edit(chat, card.id, _columns("Office"))
    assert (relabelled.snoozed_until, relabelled.next_remind_at) == (until, until)
    moved = await cards.edit(chat, card.id, _columns("Office", date(2027, 3, 31)))
    assert moved.snoozed_until is None
    assert moved.next_remind_at == datetime(2027, 3, 24, 1, 0, tzinfo=UTC)
    with pytest.raises(CardNotFound):
        await cards.edit(chat, card.id + 1, _columns("Nobody's"))


async def test_a_blocked_chat_is_paused_and_comes_back_on_start(
    db: Database, settings: Settings
) -> None:
    cards, chats, chat = await _services(db, settings)
    card = await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("Work"))
    await chats.blocked(CHAT)
    [paused] = await _stored(db)
    async with db.session(readonly=True) as session:
        row = await session.get(Chat, CHAT)
    assert row is not None and not row.active and paused.next_remind_at is None
    back = await chats.started(CHAT, "private", None, "en")
    [resumed] = await _stored(db)
    assert back.active and resumed.next_remind_at == card.next_remind_at


async def test_settings_that_move_reminders_recompute_the_cards(
    db: Database, settings: Settings
) -> None:
    cards, chats, chat = await _services(db, settings)
    await cards.create(chat, created_by=CHAT, thread_id=None, columns=_columns("Work"))
    _row, count = await chats.change_settings(CHAT, language="zh")
    assert count == 0
    _row, count = await chats.change_settings(CHAT, remind_at="20:00")
    [card] = await _stored(db)
    assert count == 1 and card.next_remind_at == datetime(2026, 12, 24, 12, 0, tzinfo=UTC)


async def test_a_blocked_chat_is_paused_by_the_one_function_whoever_notices(
    api: FakeBotAPI, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reminder engine, a membership update and a broadcast each find a chat that
    blocked the bot: all three report it through ChatService.blocked, which pauses it."""
    reported: list[int] = []
    pause = ChatService.blocked

    async def spy(self: ChatService, chat_id: int) -> None:
        reported.append(chat_id)
        await pause(self, chat_id)

    monkeypatch.setattr(ChatService, "blocked", spy)
    clock = ManualClock(frozen=NOW)
    harness = BotHarness(api, sqlite_url, clock=clock, reminder_sweep_seconds=0.1,
                         bot_owner_ids=str(OWNER))
    await harness.start()
    try:
        db = harness.database
        owner = api.user(OWNER, "Olga")
        await harness.say(owner, "/start")
        by_reminder, by_membership, by_broadcast = (api.user(2101 + n) for n in range(3))
        cards = {
            user.id: await add_card(db, harness.settings, clock, user.id, expires_on)
            for user, expires_on in ((by_reminder, EXPIRY), (by_membership, LATER),
                                     (by_broadcast, LATER))
        }
        # Only by_reminder's card is due, so each chat is found by one caller alone.
        for user in (by_reminder, by_broadcast):
            api.set_blocked(api.private_chat(user))

        clock.advance(minutes=31)  # by_reminder's "7 days left" is due
        await _until(lambda: reported == [by_reminder.id], reported)
        api.my_chat_member(api.private_chat(by_membership), by_membership, "member", "kicked")
        await _until(lambda: reported == [by_reminder.id, by_membership.id], reported)
        question = await harness.say(owner, "/broadcast Prices change on Monday")
        question = await api.wait_for_message(owner, since=question, timeout=5)
        await harness.press(owner, question, question.callback_data()[0])
        await _until(
            lambda: reported == [by_reminder.id, by_membership.id, by_broadcast.id], reported
        )

        for chat_id, card in cards.items():
            async with db.session(readonly=True) as session:
                chat = await session.get(Chat, chat_id)
                stored = await session.get(Card, card.id)
            assert chat is not None and not chat.active
            assert stored is not None and stored.next_remind_at is None
    finally:
        await harness.stop()


async def _until(condition: Callable[[], bool], what: object) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never held; reported: {what}")
