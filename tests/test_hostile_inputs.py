"""Hostile and malformed input end to end, against one running bot with many users, on
SQLite and on PostgreSQL.

Every case runs as its own user (or in the group), all cases concurrently. Afterwards: the
error handler was never reached (no ERROR log, no "Sorry, something went wrong"), no Bot API
call was refused for unparsable entities (unescaped user text), every command in a private
chat got an answer, and the database changed only in the chats of the cases that may change
it (compared row by row before and after).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import count
from typing import Any

import pytest
from sqlalchemy import text

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeChat, FakeUser
from tests.harness import BotHarness, ManualClock, button_answer
from tests.hostile_corpus import (
    ALL_COMMANDS,
    BAD_DATES,
    BAD_PRICES,
    CALLBACK_NOISE,
    INJECTIONS,
    LONG,
    NASTY,
    PRIVATE_COMMANDS,
    UNICODE,
    WRONG_ARGS,
)
from tests.reminder_fixtures import add_card

NOW = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)
OWNER = 90_001
VICTIM = 90_002
ADMIN = 90_003
MEMBER = 90_004
GROUP = -100_900_000
SORRY = "something went wrong"
TABLES = ("chats", "cards", "renewals", "faq_entries", "deliveries", "broadcasts",
          "broadcast_recipients")
VOLATILE = frozenset({"updated_at"})

Row = tuple[tuple[str, Any], ...]
# Inputs that look odd but are valid, so they do change the user's own settings.
LEGITIMATE = frozenset({("remindat", "0"), ("timezone", "-1")})


@dataclass
class World:
    api: FakeBotAPI
    bot: BotHarness
    group: FakeChat
    admin: FakeUser
    member: FakeUser
    victim_cards: list[int]
    ids: count[int] = field(default_factory=lambda: count(100_001))
    groups: dict[int, FakeChat] = field(default_factory=dict)  # case user id -> its group

    def fresh_user(self) -> FakeUser:
        return self.api.user(next(self.ids), "Eve")

    def fresh_group(self, user: FakeUser) -> FakeChat:
        """A group of its own per case: Telegram's 20 messages a minute per group would
        otherwise pace the whole corpus."""
        group = self.api.group(GROUP - user.id, "Hostile <b>group</b>")
        self.api.set_admins(group, [ADMIN])
        self.api.set_member(group, self.member)
        self.groups[user.id] = group
        return group


Step = Callable[[World, FakeUser], Awaitable[None]]


@dataclass
class Case:
    name: str
    run: Step
    mutates: bool = False  # may legitimately change its own chat's rows
    must_answer: bool = False  # a private command: silence would be a defect
    in_group: bool = False  # runs in a group of its own (world.groups[user.id])
    user: FakeUser | None = None
    mark: int = 0


# --------------------------------------------------------------------------- helpers


async def _dump(bot: BotHarness) -> dict[str, set[Row]]:
    tables: dict[str, set[Row]] = {}
    async with bot.database.engine.connect() as connection:
        for table in TABLES:
            rows = (await connection.execute(text(f"SELECT * FROM {table}"))).mappings()
            tables[table] = {
                tuple(sorted((k, v) for k, v in row.items() if k not in VOLATILE)) for row in rows
            }
    return tables


def _changed_chats(before: dict[str, set[Row]], after: dict[str, set[Row]]) -> set[int]:
    """The chats whose rows differ between two dumps."""
    card_chat: dict[Any, int] = {}
    for row in before["cards"] | after["cards"]:
        values = dict(row)
        card_chat[values["id"]] = values["chat_id"]
    chats: set[int] = set()
    for table in TABLES:
        for row in before[table] ^ after[table]:
            values = dict(row)
            if table == "chats":
                chats.add(values["id"])
            elif table in ("cards", "faq_entries"):
                chats.add(values["chat_id"])
            elif table in ("renewals", "deliveries"):
                chats.add(card_chat[values["card_id"]])
            else:
                chats.add(OWNER)
    return chats


async def _answer(world: World, user: FakeUser, message: SentMessage, data: str) -> None:
    """Press a (possibly forged) button and wait until the query was answered."""
    await button_answer(world.api, user, message, data)


async def _to_step(world: World, user: FakeUser, presses: tuple[str, ...]) -> SentMessage:
    bot = world.bot
    await bot.say(user, "/addcard", timeout=20)
    prompt = await bot.say(user, "Data", timeout=20)
    for data in presses:
        prompt = await bot.press(user, prompt, data, timeout=20)
    return prompt


TO_PRICE = ("cf:carrier", "cf:kind:data", "cf:number", "cf:plan")
TO_EXPIRY = (*TO_PRICE, "cf:price")


# --------------------------------------------------------------------------- the cases


def _command_cases() -> list[Case]:
    cases: list[Case] = []
    for name in ALL_COMMANDS:
        for arg in ("", *WRONG_ARGS):
            line = f"/{name} {arg}".rstrip()

            async def run(world: World, user: FakeUser, line: str = line) -> None:
                world.api.send_text(user, line)

            legit = (name, arg) in LEGITIMATE
            cases.append(Case(f"private {line[:40]!r}", run, mutates=legit, must_answer=True))

        async def suffixed(world: World, user: FakeUser, name: str = name) -> None:
            world.api.send_text(user, f"/{name}@renew_test_bot 1 2")

        cases.append(Case(f"private /{name}@bot", suffixed, must_answer=True))

        async def in_group(world: World, user: FakeUser, name: str = name) -> None:
            group = world.groups[user.id]
            world.api.send_text(world.member, f"/{name} 1 <b>x</b>", chat=group)

        cases.append(Case(f"group member /{name}", in_group, in_group=True))
    return cases


def _text_cases() -> list[Case]:
    cases: list[Case] = []
    for value in NASTY:
        if not value.strip():
            continue

        async def run(world: World, user: FakeUser, value: str = value) -> None:
            world.api.send_text(user, value)

        cases.append(Case(f"free text {value[:30]!r}", run))

        async def mention(world: World, user: FakeUser, value: str = value) -> None:
            world.api.send_text(
                world.member, f"@renew_test_bot {value}"[:4096], chat=world.groups[user.id]
            )

        cases.append(Case(f"group mention {value[:30]!r}", mention, in_group=True))
    return cases


def _conversation_cases() -> list[Case]:
    cases: list[Case] = []
    for value in (*INJECTIONS, *UNICODE, LONG, "x" * 65):

        async def label(world: World, user: FakeUser, value: str = value) -> None:
            await world.bot.say(user, "/addcard", timeout=20)
            world.api.send_text(user, value)

        cases.append(Case(f"addcard label {value[:30]!r}", label))

    async def dates(world: World, user: FakeUser) -> None:
        await _to_step(world, user, TO_EXPIRY)
        for value in BAD_DATES:
            await world.bot.say(user, value, timeout=20)

    cases.append(Case("addcard expiry dates", dates))

    async def prices(world: World, user: FakeUser) -> None:
        await _to_step(world, user, TO_PRICE)
        for value in BAD_PRICES:
            await world.bot.say(user, value, timeout=20)

    cases.append(Case("addcard prices", prices))

    for kind in ("sticker", "photo", "location", "voice", "edited", "command"):
        for presses in ((), TO_PRICE):

            async def media(
                world: World, user: FakeUser, kind: str = kind, presses: tuple[str, ...] = presses
            ) -> None:
                if presses:
                    await _to_step(world, user, presses)
                else:
                    await world.bot.say(user, "/addcard", timeout=20)
                api = world.api
                if kind == "sticker":
                    api.send_sticker(user)
                elif kind == "photo":
                    api.send_photo(user, caption="<b>2026-12-31</b>")
                elif kind == "location":
                    api.send_location(user, 91.0, -181.0)
                elif kind == "voice":
                    api.send_voice(user)
                elif kind == "edited":
                    sent = api.send_text(user, "first")
                    api.edit_text(user, sent["message"], "<i>/delcard 1</i>")
                else:
                    api.send_text(user, "/cards")
                api.send_text(user, "/cancel")

            cases.append(Case(f"addcard {kind} at step {len(presses)}", media))

    for kind in ("sticker", "photo", "location", "voice"):

        async def outside(world: World, user: FakeUser, kind: str = kind) -> None:
            api = world.api
            {
                "sticker": lambda: api.send_sticker(user),
                "photo": lambda: api.send_photo(user, caption=INJECTIONS[0]),
                "location": lambda: api.send_location(user, 0.0, 0.0),
                "voice": lambda: api.send_voice(user, caption=INJECTIONS[1]),
            }[kind]()

        cases.append(Case(f"{kind} outside a conversation", outside))

        async def in_import(world: World, user: FakeUser, kind: str = kind) -> None:
            await world.bot.say(user, "/import", timeout=20)
            api = world.api
            {
                "sticker": lambda: api.send_sticker(user),
                "photo": lambda: api.send_photo(user),
                "location": lambda: api.send_location(user, 0.0, 0.0),
                "voice": lambda: api.send_voice(user),
            }[kind]()
            api.send_document(user, "cards.csv", b"\xff\xfe\x00garbage,<b>\n" * 50)

        cases.append(Case(f"/import then {kind} and a garbage CSV", in_import))
    return cases


def _callback_cases() -> list[Case]:
    cases: list[Case] = []
    for data in CALLBACK_NOISE:

        async def run(world: World, user: FakeUser, data: str = data) -> None:
            menu = await world.bot.say(user, "/start", timeout=20)
            await _answer(world, user, menu, data)

        cases.append(Case(f"callback {data[:30]!r}", run, mutates=data == "forget:yes"))
    for action in ("view", "edit", "del", "delok", "hist", "renewed", "snooze", "stop", "guide",
                   "rcpt", "rem", "mute"):

        async def theirs(world: World, user: FakeUser, action: str = action) -> None:
            menu = await world.bot.say(user, "/start", timeout=20)
            await _answer(world, user, menu, f"card:{action}:{world.victim_cards[0]}")

        cases.append(Case(f"another user's card:{action}", theirs))

    async def stale(world: World, user: FakeUser) -> None:
        menu = await world.bot.say(user, "/start", timeout=20)
        world.api.press(user, menu, "menu:cards", forge=True)
        # The same button on a message that no longer exists in this chat.
        gone = {**menu.message, "message_id": menu.message_id + 10_000}
        await _answer(world, user, menu, "x")
        world.api.press(user, gone, "card:view:1", forge=True)

    cases.append(Case("stale and vanished messages", stale))
    return cases


def _duplicate_cases() -> list[Case]:
    async def twice_start(world: World, user: FakeUser) -> None:
        update = world.api.send_text(user, "/start")
        world.api.duplicate_update(update)

    async def twice_press(world: World, user: FakeUser) -> None:
        menu = await world.bot.say(user, "/start", timeout=20)
        update = world.api.press(user, menu, f"card:delok:{world.victim_cards[1]}", forge=True)
        world.api.duplicate_update(update)

    async def twice_garbage(world: World, user: FakeUser) -> None:
        update = world.api.send_text(user, LONG)
        world.api.duplicate_update(update)

    return [
        Case("duplicate /start", twice_start),
        Case("duplicate forged delete", twice_press),
        Case("duplicate 4096 chars", twice_garbage),
    ]


def _private_only_in_group_cases() -> list[Case]:
    cases: list[Case] = []
    for name in PRIVATE_COMMANDS:

        async def as_admin(world: World, user: FakeUser, name: str = name) -> None:
            world.api.send_text(
                world.admin, f"/{name} {world.victim_cards[0]}", chat=world.groups[user.id]
            )

        cases.append(
            # "/remindat 1" is a valid 01:00 for the group's own settings.
            Case(f"group admin /{name} with another chat's id", as_admin, in_group=True,
                 mutates=name == "remindat")
        )
    return cases


def corpus() -> list[Case]:
    return [
        *_command_cases(), *_text_cases(), *_conversation_cases(), *_callback_cases(),
        *_duplicate_cases(), *_private_only_in_group_cases(),
    ]


# --------------------------------------------------------------------------- the world


@pytest.fixture
async def world(api: FakeBotAPI, database_url: str) -> AsyncIterator[World]:
    bot = BotHarness(
        api, database_url, clock=ManualClock(frozen=NOW), bot_owner_ids=frozenset({OWNER})
    )
    await bot.start()
    group = api.group(GROUP, "Hostile <b>group</b>")
    admin, member = api.user(ADMIN, "Ada"), api.user(MEMBER, "<i>Max</i>")
    api.set_admins(group, [ADMIN])
    api.set_member(group, member)
    victim = api.user(VICTIM, "Vic")
    api.private_chat(victim)
    cards = [
        (await add_card(bot.database, bot.settings, bot.clock, VICTIM, date(2026, 4, 1),
                        label=f"Victim secret {n}")).id
        for n in (1, 2)
    ]
    try:
        yield World(api, bot, group, admin, member, [c for c in cards if c is not None])
    finally:
        await bot.stop()


async def _run_all(world: World, cases: list[Case]) -> None:
    """Warm every user up (their chat row exists), then run the cases concurrently."""
    for case in cases:
        case.user = world.fresh_user()
        if case.in_group:
            world.fresh_group(case.user)
    gate = asyncio.Semaphore(40)

    async def warm(case: Case) -> None:
        assert case.user is not None
        async with gate:
            await world.bot.say(case.user, "/help", timeout=30)
            if case.in_group:
                group = world.groups[case.user.id]
                await world.bot.say(world.admin, "/help", chat=group, timeout=30)

    await asyncio.gather(*(warm(case) for case in cases))
    await world.bot.say(world.admin, "/help", chat=world.group, timeout=30)
    await world.api.wait_idle(quiet=0.3, timeout=30)


async def _execute(world: World, cases: list[Case]) -> list[str]:
    """Run the cases; returns the ones whose expected answer never came."""
    gate = asyncio.Semaphore(40)
    stuck: list[str] = []

    async def one(case: Case) -> None:
        assert case.user is not None
        async with gate:
            case.mark = world.api.mark()
            try:
                await case.run(world, case.user)
            except AssertionError as error:
                stuck.append(f"{case.name}: {str(error).splitlines()[0]}")

    await asyncio.gather(*(one(case) for case in cases))
    await world.api.wait_idle(quiet=1.0, timeout=120)
    return stuck


def _check_no_failures(world: World, caplog: pytest.LogCaptureFixture) -> None:
    errors = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], "\n".join(errors[:20])
    sorry = [m.describe() for m in world.api.outbox if SORRY in m.plain_text]
    assert sorry == [], sorry[:10]
    refused = [
        f"{c.method} {c.status} {c.description}" for c in world.api.calls
        if c.status == 400 and c.method != "getUpdates"
    ]
    assert refused == [], refused[:10]


# --------------------------------------------------------------------------- the tests


def test_the_corpus_is_big_enough() -> None:
    assert len(corpus()) >= 200


async def test_hostile_inputs_are_answered_or_ignored_and_change_nothing(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    cases = corpus()
    await _run_all(world, cases)
    before = await _dump(world.bot)
    started = time.monotonic()
    stuck = await _execute(world, cases)
    elapsed = time.monotonic() - started
    assert stuck == [], stuck
    after = await _dump(world.bot)
    _check_no_failures(world, caplog)

    silent = [
        case.name for case in cases
        if case.must_answer and case.user is not None
        and not [m for m in world.api.outbox[case.mark:] if m.chat_id == case.user.id]
    ]
    assert silent == [], silent
    allowed = {case.user.id for case in cases if case.mutates and case.user is not None}
    allowed |= {world.groups[user_id].id for user_id in allowed if user_id in world.groups}
    changed = _changed_chats(before, after) - allowed
    by_chat = {case.user.id: case.name for case in cases if case.user is not None}
    by_chat |= {group.id: by_chat[user_id] for user_id, group in world.groups.items()}
    assert changed == set(), [by_chat.get(chat, chat) for chat in changed]
    leaked = [
        m.describe() for m in world.api.outbox
        if "Victim secret" in m.plain_text and m.chat_id != VICTIM
    ]
    assert leaked == []
    print(f"\nhostile corpus: {len(cases)} cases in {elapsed:.1f}s, "
          f"{len(world.api.calls)} Bot API calls")
