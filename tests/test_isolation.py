"""No command or callback of user B ever reads or changes user A's rows: a property test over
random pairs of users, card ids and actions against one running bot (on SQLite and on
PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from fakebotapi import FakeBotAPI
from tests.harness import BotHarness, ManualClock, button_answer
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
USERS = tuple(range(70_001, 70_007))
COMMANDS = ("card", "renewed", "editcard", "delcard", "history")
CALLBACKS = ("view", "edit", "del", "delok", "hist", "renewed", "snooze", "stop", "guide", "rcpt")
TABLES = ("cards", "renewals", "deliveries", "chats")


async def _owned_rows(bot: BotHarness, chat_id: int) -> list[tuple[Any, ...]]:
    """Everything stored for one chat (its row, cards, renewals and deliveries)."""
    rows: list[tuple[Any, ...]] = []
    async with bot.database.engine.connect() as connection:
        for query in (
            "SELECT * FROM chats WHERE id = :chat",
            "SELECT * FROM cards WHERE chat_id = :chat ORDER BY id",
            "SELECT r.* FROM renewals r JOIN cards c ON c.id = r.card_id "
            "WHERE c.chat_id = :chat ORDER BY r.id",
            "SELECT d.* FROM deliveries d JOIN cards c ON c.id = d.card_id "
            "WHERE c.chat_id = :chat ORDER BY d.id",
        ):
            result = await connection.execute(text(query), {"chat": chat_id})
            rows.extend(tuple(row) for row in result)
    return rows


@pytest.fixture
async def ibot(
    api: FakeBotAPI, database_url: str
) -> AsyncIterator[tuple[BotHarness, dict[int, list[int]]]]:
    bot = BotHarness(api, database_url, clock=ManualClock(frozen=NOW))
    await bot.start()
    cards: dict[int, list[int]] = {}
    for user_id in USERS:
        api.private_chat(api.user(user_id, f"U{user_id}"))
        cards[user_id] = []
        for n in range(2):
            card = await add_card(
                bot.database, bot.settings, bot.clock, user_id, date(2026, 3, 12 + n),
                label=f"Secret {user_id}-{n}", price=3000, currency="CNY",
            )
            assert card.id is not None
            cards[user_id].append(card.id)
    try:
        yield bot, cards
    finally:
        await bot.stop()


action_strategy = st.one_of(
    st.tuples(st.just("command"), st.sampled_from(COMMANDS)),
    st.tuples(st.just("callback"), st.sampled_from(CALLBACKS)),
)


@settings(
    max_examples=25, deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pair=st.permutations(USERS).map(lambda users: (users[0], users[1])),
    pick=st.integers(0, 1),
    action=action_strategy,
)
async def test_another_users_card_ids_reach_nothing(
    api: FakeBotAPI,
    ibot: tuple[BotHarness, dict[int, list[int]]],
    pair: tuple[int, int],
    pick: int,
    action: tuple[str, str],
) -> None:
    bot, cards = ibot
    owner, intruder = pair
    card_id = cards[owner][pick]
    await _attempt(api, bot, owner, intruder, card_id, action)


async def _attempt(
    api: FakeBotAPI, bot: BotHarness, owner: int, intruder: int, card_id: int,
    action: tuple[str, str],
) -> None:
    before = await _owned_rows(bot, owner)
    user = api.user(intruder)
    since = api.mark()
    kind, name = action
    if kind == "command":
        # Commands take the intruder's own chat's numbers: the owner's card id (or number)
        # names at most one of the intruder's cards, never one of the owner's.
        reply = await bot.say(user, f"/{name} {card_id}")
        assert f"Secret {owner}-" not in reply.plain_text, reply.describe()
    else:
        menu = await bot.say(user, "/start")
        await button_answer(api, user, menu, f"card:{name}:{card_id}")
    await api.wait_idle(quiet=0.1)
    assert await _owned_rows(bot, owner) == before
    seen = [m for m in api.outbox[since:] if m.chat_id != owner]
    assert not [m.describe() for m in seen if f"Secret {owner}" in m.plain_text]
    assert not [m for m in api.outbox[since:] if m.chat_id == owner]  # nothing sent to A
    answers = [a.text or "" for a in api.answered_callbacks[-3:]]
    if kind == "callback":
        assert all(f"Secret {owner}" not in text for text in answers)
