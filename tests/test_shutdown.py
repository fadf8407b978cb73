"""SIGTERM is a clean stop: the bot (a separate process) finishes the updates in flight and the
reminder batch it is sending, exits 0, and after a restart nothing is lost or sent twice."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Delivery
from tests.harness import bot_settings
from tests.processes import BotProcess, wait_until
from tests.reminder_fixtures import labels_sent, seed_due_cards

CARDS = 40
SEND_DELAY = 0.05  # each reminder takes a while, so SIGTERM lands in the middle of the batch


async def _statuses(url: str) -> list[str]:
    db = Database(url)
    async with db.session(readonly=True) as session:
        statuses = [d.status for d in await session.exec(select(Delivery))]
    await db.dispose()
    return statuses


async def test_sigterm_during_a_sweep_loses_nothing(
    api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    chat_ids = [7000 + i for i in range(4)]
    for chat_id in chat_ids:
        api.private_chat(api.user(chat_id))
    db = Database(sqlite_url)
    await upgrade(db)
    await seed_due_cards(db, bot_settings(api, sqlite_url), datetime.now(UTC), chat_ids, CARDS)
    await db.dispose()
    user = api.user(7100, "Tess")
    api.private_chat(user)
    api.add_fault("sendMessage", "delay", times=None, delay=SEND_DELAY)

    first = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        await wait_until(lambda: len(api.delivered()) >= 5, 60, "the sweep to start", first)
        api.add_fault("sendMessage", "delay", chat_id=user.id, delay=1.0)
        api.send_text(user, "/help")
        await wait_until(lambda: api.pending_updates == 0, 30, "the bot to take /help", first)
        assert len(labels_sent(api)) < CARDS  # SIGTERM comes in the middle of the batch
        assert await first.terminate() == 0, first.log()
    finally:
        first.stop_now()
    # The batch in progress and the update in flight were both finished before exiting.
    assert len(labels_sent(api)) == CARDS
    assert len(api.delivered(user)) == 1

    second = BotProcess(api, sqlite_url, tmp_path).start()
    try:
        await wait_until(lambda: "polling" in second.log(), 30, "the restart", second)
        await api.wait_idle(quiet=1.0, timeout=30)
        assert await second.terminate() == 0
    finally:
        second.stop_now()
    counts = labels_sent(api)
    assert len(counts) == CARDS and set(counts.values()) == {1}  # nothing lost, nothing twice
    assert await _statuses(sqlite_url) == ["sent"] * CARDS
    assert len(api.delivered(user)) == 1


async def test_sigterm_in_webhook_mode_finishes_the_update_in_flight(
    api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    user = api.user(7200, "Uma")
    api.private_chat(user)
    bot = BotProcess(
        api, sqlite_url, tmp_path, WEBHOOK_URL=f"http://127.0.0.1:{port}/hook",
        WEBHOOK_LISTEN="127.0.0.1", WEBHOOK_PORT=str(port),
    ).start()
    try:
        api.send_text(user, "/start")
        await api.wait_for_message(user, timeout=30)
        api.add_fault("sendMessage", "delay", chat_id=user.id, delay=1.0)
        api.send_text(user, "/help")
        await wait_until(lambda: api.pending_updates == 0, 30, "the webhook post", bot)
        assert await bot.terminate() == 0, bot.log()
    finally:
        bot.stop_now()
    firsts = [(m.text or "").split("\n")[0] for m in api.delivered(user)]
    assert firsts[1:] == ["<b>What I can do</b>"]
