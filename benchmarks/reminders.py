"""Reminder engine benchmark: prints one JSON object.

- select: time to select a batch of 500 due cards through the next_remind_at index, with
  10,000 due among 1,000,000 stored (SQLite file; median of repeated runs);
- memory: resident set size of a fresh process that opens the database and runs the
  selection, at 10,000 and at 1,000,000 stored cards (so seeding does not pollute it);
- dispatch: the real Application sweeping due reminders into the fake Bot API server that
  enforces Telegram's 30 msg/s: rate achieved, 429s, duplicates, lost;
- paid_dispatch: the bot (its own process) sending due reminders with ALLOW_PAID_BROADCAST
  against the paid limit (1,000 msg/s): how fast this bot and its database really get.

    python benchmarks/reminders.py [--stored 1000000] [--due 10000] [--dispatch 600]
                                   [--paid-dispatch 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.runtime.app import build_application  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from fakebotapi import FakeBotAPI  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories.deliveries import DeliveryRepository  # noqa: E402
from tests.reminder_fixtures import labels_sent, seed_due_database  # noqa: E402

BATCH = 500
CHATS = 1000


def seed(path: Path, stored: int, due: int, now: datetime) -> None:
    """Fill a migrated SQLite file with `stored` cards, `due` of them due (raw sqlite3,
    streamed, so seeding a million rows stays light)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    connection.executemany(
        "INSERT OR IGNORE INTO chats (id, type, reminders_enabled, active, created_at, "
        "updated_at) VALUES (?, 'private', 1, 1, ?, ?)",
        ((100_000 + i, stamp, stamp) for i in range(CHATS)),
    )
    expires = (now + timedelta(days=7)).date().isoformat()

    def rows():  # type: ignore[no-untyped-def]
        for i in range(stored):
            # Due cards a little in the past; the rest spread over the next year.
            offset = -timedelta(seconds=i + 1) if i < due else timedelta(minutes=i % 525_600)
            when = (now + offset).replace(tzinfo=None).isoformat(sep=" ")
            chat = 100_000 + i % CHATS
            yield (chat, i // CHATS + 1, chat, f"Card {i:07d}", expires, when, stamp, stamp)

    connection.executemany(
        "INSERT INTO cards (chat_id, number, created_by, label, kind, expires_on, cycle, "
        "renew_from, next_remind_at, lapsed, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, 'sim', ?, 'none', 'expiry', ?, 0, ?, ?)",
        rows(),
    )
    connection.commit()
    connection.close()


async def time_select(
    url: str, now: datetime, runs: int = 30, *, with_deliveries: bool = False
) -> dict[str, float]:
    """A batch of due cards, and with_deliveries their deliveries too (the sweep's reads)."""
    gc.freeze()  # as the application does once it has started (bot/runtime/app.py)
    db = Database(url)
    timings = []
    try:
        for _ in range(runs):
            async with db.session(readonly=True) as session:
                started = time.perf_counter()
                repo = DeliveryRepository(session)
                rows = await repo.due_cards(now, BATCH, skip_locked=db.is_postgres)
                if with_deliveries:
                    await repo.for_moments((c.id, c.expires_on) for c, _ in rows)  # type: ignore[misc]
                timings.append((time.perf_counter() - started) * 1000)
            assert len(rows) == BATCH, len(rows)
    finally:
        await db.dispose()
    return {
        "median_ms": round(statistics.median(timings), 2),
        "p95_ms": round(sorted(timings)[int(len(timings) * 0.95) - 1], 2),
        "first_ms": round(timings[0], 2),
    }


def measure_rss_in_fresh_process(url: str, now: datetime) -> float:
    """RSS (MB) of a new process that imports the bot, opens the database and selects."""
    code = (
        f"import asyncio, sys, psutil; sys.path.insert(0, {str(ROOT)!r});"
        "from datetime import datetime;"
        "from benchmarks.reminders import time_select;"
        f"asyncio.run(time_select({url!r}, datetime.fromisoformat({now.isoformat()!r}), 5));"
        "print(psutil.Process().memory_info().rss)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return round(int(output.strip().splitlines()[-1]) / 2**20, 1)


async def dispatch(count: int, workdir: Path) -> dict[str, object]:
    """The real bot sweeping `count` due reminders into a rate-enforcing fake server."""
    url = f"sqlite:///{workdir / 'dispatch.db'}"
    async with FakeBotAPI(enforce_limits=True) as api:
        await seed_due_database(api, url, 200_000, 50, count)
        settings = load_settings(
            _env_file=None, bot_token=api.token, bot_api_base_url=api.base_url,
            database_url=url, reminder_sweep_seconds=0.5,
        )
        db = Database(url)
        app = build_application(settings, db)
        await app.initialize()
        assert app.post_init is not None
        await app.post_init(app)
        await app.start()
        await _all_delivered(api, count)
        await app.stop()
        assert app.post_stop is not None
        await app.post_stop(app)
        await app.shutdown()
        await db.dispose()
        return _dispatch_figures(api, count, 30)


async def paid_dispatch(count: int, workdir: Path) -> dict[str, object]:
    """The bot as its own process (so the fake server's work is not counted against it)
    sending `count` due reminders as paid broadcasts; CPU seconds per reminder included."""
    # Imported here: the memory measurement imports this module in a fresh process.
    import psutil

    from tests.processes import BotProcess

    url = f"sqlite:///{workdir / 'paid.db'}"
    async with FakeBotAPI(enforce_limits=True) as api:
        await seed_due_database(api, url, 200_000, 50, count)
        bot = BotProcess(
            api, url, workdir, ALLOW_PAID_BROADCAST="true", REMINDER_SWEEP_SECONDS="0.5"
        ).start()
        try:
            await _all_delivered(api, count)
            cpu = psutil.Process(bot.pid).cpu_times()
            assert await bot.terminate() == 0
        finally:
            bot.stop_now()
        figures = _dispatch_figures(api, count, 1000)
        figures["bot_cpu_s"] = round(cpu.user + cpu.system, 1)
        figures["paid_messages"] = api.stats.paid_messages
        return figures


async def _all_delivered(api: FakeBotAPI, count: int) -> None:
    deadline = time.perf_counter() + count / 20 + 60
    while len(api.delivered()) < count and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.0)  # anything sent twice would show up now


def _dispatch_figures(api: FakeBotAPI, count: int, limit: int) -> dict[str, object]:
    sends = api.delivered()
    times = [m.time for m in sends]
    labels = labels_sent(api)
    elapsed = (max(times) - min(times)) if len(times) > 1 else 0.0
    rate = (len(times) - 1) / elapsed if elapsed else 0.0
    return {
        "reminders": count,
        "delivered": len(sends),
        "rate_per_s": round(rate, 2),
        "limit_per_s": limit,
        "share_of_limit": round(rate / limit, 3),
        "http_429": api.stats.too_many_requests,
        "duplicates": sum(n - 1 for n in labels.values()),
        "lost": count - len(labels),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--dispatch", type=int, default=600)
    parser.add_argument("--paid-dispatch", type=int, default=5000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    result: dict[str, object] = {"cards_stored": args.stored, "cards_due": args.due}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        memory: dict[str, float] = {}
        for stored in (10_000, args.stored):
            path = workdir / f"cards-{stored}.db"
            url = f"sqlite:///{path}"
            db = Database(url)
            await upgrade(db)
            await db.dispose()
            seed(path, stored, min(args.due, stored), now)
            if stored == args.stored:
                result["select_batch_500"] = await time_select(url, now)
            memory[f"rss_mb_at_{stored}"] = measure_rss_in_fresh_process(url, now)
        growth = memory[f"rss_mb_at_{args.stored}"] - memory["rss_mb_at_10000"]
        memory["growth_mb"] = round(growth, 1)
        result["memory"] = memory
        result["dispatch"] = await dispatch(args.dispatch, workdir)
        result["paid_dispatch"] = await paid_dispatch(args.paid_dispatch, workdir)
    result["targets"] = {
        "select_batch_500_ms": 50, "memory_growth_mb": 30, "share_of_limit": 0.95,
        "http_429": 0, "duplicates": 0, "lost": 0,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
