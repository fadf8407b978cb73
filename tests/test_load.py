"""Load on SQLite and on PostgreSQL: 200 users at once, each recording cards through /addcard
and asking a question, while the reminder sweep delivers due reminders. No "database is
locked", no lost write; throughput and latency are printed.

Meanwhile the database is backed up as the README says (`renewbot backup` on SQLite,
pg_dump on PostgreSQL); the backup, restored, holds every card saved before it began."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import statistics
import sys
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from fakebotapi import FakeBotAPI, SentMessage
from fakebotapi.objects import FakeUser
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Card
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import labels_sent, seed_due_cards
from tests.test_settings import CONTRACT

USERS = 200
CARDS_EACH = 2
DUE = 400
FIRST_USER = 400_001
FIRST_DUE_CHAT = 450_001


async def _timed(latencies: list[float], step: Awaitable[SentMessage]) -> SentMessage:
    started = time.perf_counter()
    message = await step
    latencies.append(time.perf_counter() - started)
    return message


async def _user_session(bot: BotHarness, user: FakeUser, latencies: list[float]) -> None:
    for n in range(CARDS_EACH):
        await _timed(latencies, bot.say(user, "/addcard", timeout=60))
        prompt = await _timed(latencies, bot.say(user, f"Load {user.id}-{n}", timeout=60))
        for data in ("cf:carrier", "cf:kind:data", "cf:number", "cf:plan", "cf:price",
                     "cf:expiry:+30d", "cf:cycle:none", "cf:lead_days"):
            prompt = await _timed(latencies, bot.press(user, prompt, data, timeout=60))
        saved = await _timed(latencies, bot.press(user, prompt, "cf:save", timeout=60))
        assert "Saved" in saved.plain_text, saved.describe()
    answer = await _timed(latencies, bot.say(user, "How do I top up China Mobile?", timeout=60))
    assert answer.text


async def _saved_cards(db: Database) -> dict[int, tuple[object, ...]]:
    """The cards the load test saved: id -> what was saved."""
    async with db.session(readonly=True) as session:
        rows = await session.exec(select(Card).where(col(Card.label).like("Load %")))
        return {
            card.id: (card.chat_id, card.label, card.kind, card.expires_on)
            for card in rows if card.id is not None
        }


async def _run(*command: str, **env: str) -> None:
    base = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    process = await asyncio.create_subprocess_exec(
        *command, env=base | env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, f"{command}: {output.decode(errors='replace')}"


async def _back_up_midway(db: Database, database_url: str, target: Path) -> set[int]:
    """Once a third of the cards are saved, back the database up while the users go on.
    Returns the cards saved before the backup began."""
    while len(saved := set(await _saved_cards(db))) < USERS * CARDS_EACH // 3:  # noqa: ASYNC110
        await asyncio.sleep(0.5)  # (polls the database, which has no event to wait on)
    if db.is_postgres:
        await _run("pg_dump", "--format=custom", f"--file={target}", database_url)
    else:
        await _run(sys.executable, "-m", "bot", "backup", str(target),
                   DATABASE_URL=database_url)
    return saved


async def _restore(database_url: str, backup: Path) -> str:
    """The backup restored as the README says; returns the restored database's URL."""
    if not database_url.startswith("postgresql"):
        restored = backup.with_name("restored.db")
        shutil.copyfile(backup, restored)  # stop the bot, put the file in place, start
        return f"sqlite:///{restored}"
    url = make_url(database_url)
    name = f"{url.database}_restore"
    admin = Database(database_url)
    async with admin.engine.connect() as connection:
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    restored_url = url.set(database=name).render_as_string(hide_password=False)
    await _run("pg_restore", "--no-owner", f"--dbname={restored_url}", str(backup))
    return restored_url


async def test_200_concurrent_users_while_the_sweep_runs(
    api: FakeBotAPI, database_url: str, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.WARNING)
    due_chats = [FIRST_DUE_CHAT + i for i in range(100)]
    for chat_id in due_chats:
        api.private_chat(api.user(chat_id))
    bot = BotHarness(api, database_url, clock=ManualClock(), reminder_sweep_seconds=0.2)
    await bot.start()
    backup = tmp_path / "backup.dump"
    try:
        await seed_due_cards(bot.database, bot.settings, datetime.now(UTC), due_chats, DUE)
        users = [api.user(FIRST_USER + i, f"Load{i}") for i in range(USERS)]
        latencies: list[float] = []
        calls_before = len(api.calls)
        started = time.perf_counter()
        backed_up = asyncio.create_task(_back_up_midway(bot.database, database_url, backup))
        await asyncio.gather(*(_user_session(bot, user, latencies) for user in users))
        elapsed = time.perf_counter() - started
        before_backup = await backed_up
        saved = await _saved_cards(bot.database)
        reminders = len(labels_sent(api))
    finally:
        await bot.stop()
    updates = len(latencies)
    ordered = sorted(latencies)
    print(
        f"\nload: {USERS} users, {updates} updates in {elapsed:.1f}s = "
        f"{updates / elapsed:.0f} updates/s; latency p50 {statistics.median(ordered) * 1000:.0f} "
        f"ms, p95 {ordered[int(updates * 0.95)] * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms; "
        f"{len(api.calls) - calls_before} Bot API calls; {reminders}/{DUE} reminders sent meanwhile"
    )
    assert len(saved) == USERS * CARDS_EACH  # no lost write
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR
                or "locked" in r.getMessage()]
    assert problems == [], problems[:5]
    sorry = [m for m in api.outbox if "something went wrong" in m.plain_text]
    assert sorry == []
    assert reminders > 0  # the sweep really ran alongside

    restored = Database(await _restore(database_url, backup))
    try:
        await upgrade(restored)  # what start-up does: nothing to migrate
        in_backup = await _saved_cards(restored)
    finally:
        await restored.dispose()
    assert before_backup <= set(in_backup)  # every card saved before the backup began
    assert len(in_backup) < len(saved)  # and it was taken while cards were being saved
    assert {card_id: saved[card_id] for card_id in in_backup} == in_backup  # intact copies
    print(f"backup while under load: {len(in_backup)} of {len(saved)} cards in it, "
          f"{len(before_backup)} saved before it began")
