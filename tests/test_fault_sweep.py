"""A reminder sweep through a flaky Bot API: 10% 5xx, 5% timeouts (the fake delivers the
message but holds the answer past the client's read timeout) and occasional 429s.

Every reminder must arrive, and none twice. A read timeout is ambiguous (the request reached
Telegram; the answer did not come back), and the fake — like Telegram, nearly always —
delivered it: the engine records such a send as delivered instead of sending it again.

Runs on SQLite and on PostgreSQL. Scale: the engine sends sequentially and each timeout
costs the client's read timeout, so the bot here waits 0.5 s for an answer (production: 5 s;
the fake holds a "hung" answer for 1 s) to fit 2,000 reminders — about 100 timeouts — into a
few minutes per database. FAULT_SWEEP_REMINDERS changes the size.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlmodel import func, select

from fakebotapi import FakeBotAPI
from storage.models import Delivery
from tests.harness import BotHarness, ManualClock
from tests.reminder_fixtures import labels_sent, seed_due_cards

REMINDERS = int(os.environ.get("FAULT_SWEEP_REMINDERS", "2000"))
CHATS = 150
FIRST_CHAT = 700_000


async def _statuses(bot: BotHarness) -> Counter[str]:
    async with bot.database.session(readonly=True) as session:
        rows = await session.exec(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        )
        return Counter({status: count for status, count in rows})


async def _wait_all_labels(api: FakeBotAPI, count: int, timeout: float) -> None:
    """Wait (on the server's message feed) until `count` distinct labels were delivered."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(labels_sent(api)) < count:
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise AssertionError(
                f"only {len(labels_sent(api))} of {count} reminders delivered in {timeout}s; "
                f"fault stats {dict(api.stats.injected)}"
            )
        # Any message wakes us up; the last stretch may be a retry after a backoff.
        try:
            await api.wait_for_message(timeout=min(remaining, 10.0))
        except AssertionError:
            continue


async def test_every_reminder_is_delivered_exactly_once_through_faults(
    api: FakeBotAPI, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    chat_ids = [FIRST_CHAT + i for i in range(CHATS)]
    for chat_id in chat_ids:
        api.private_chat(api.user(chat_id))
    api.set_random_faults(p_5xx=0.10, p_timeout=0.05, p_429=0.01, seed=8, timeout_delay=1.0)
    bot = BotHarness(
        api, database_url, clock=ManualClock(), reminder_sweep_seconds=0.2, read_timeout=0.5
    )
    await bot.start()
    try:
        await seed_due_cards(bot.database, bot.settings, datetime.now(UTC), chat_ids, REMINDERS)
        started = time.monotonic()
        await _wait_all_labels(api, REMINDERS, timeout=REMINDERS * 0.5 + 60)
        elapsed = time.monotonic() - started
        api.clear_faults()
        # Give any stray retry every chance to show up as a duplicate.
        await bot.app.services.reminders.sweep()  # type: ignore[union-attr]
        await api.wait_idle(quiet=0.5, timeout=30)
        sent = labels_sent(api)
        statuses = await _statuses(bot)
    finally:
        await bot.stop()
    injected = dict(api.stats.injected)
    print(
        f"\nfault sweep: {REMINDERS} reminders in {elapsed:.1f}s, injected {injected}, "
        f"sendMessage calls {api.stats.by_method['sendMessage']}, deliveries {dict(statuses)}"
    )
    assert injected.get("5xx", 0) > 0 and injected.get("hang", 0) > 0  # the faults happened
    assert len(sent) == REMINDERS
    duplicates = {label: n for label, n in sent.items() if n > 1}
    assert duplicates == {}, f"{len(duplicates)} reminders delivered twice: {duplicates}"
    assert statuses == Counter({"sent": REMINDERS})
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
