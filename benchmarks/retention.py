"""Tables that stop growing: a simulated history of monthly renewals, then pruning.

Prints one JSON object: rows and MB (data and indexes) of the growing tables, and the
sweep's select time, before and after pruning, and how fast pruning deletes.

- history: --cards cards (over 1,000 chats) renewed monthly for --months months, each past
  expiry with its four reminders (7, 3, 1 and 0 days before) sent and one renewal; --due of
  the cards are due now. The default two years put the first ~11 months past the default
  400-day retention (DELIVERY_RETENTION_DAYS);
- select: what the sweep reads for a batch: 500 due cards through the index, and their
  deliveries of the current expiry (median of repeated runs, SQLite file);
- pruning: the engine's own Pruner (1,000 rows per transaction), run until it is done.

    python benchmarks/retention.py [--cards 100000] [--months 24] [--due 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.reminders import time_select  # noqa: E402
from bot.reminders.retention import Pruner  # noqa: E402
from bot.runtime.services import Services  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

CHATS = 1000
LEADS = (7, 3, 1, 0)
TABLES = ("cards", "deliveries", "renewals")


def months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def seed(path: Path, cards: int, months: int, due: int, now: datetime) -> None:
    """Raw sqlite3, streamed, so that millions of rows stay light to write."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    stamp = now.replace(tzinfo=None).isoformat(sep=" ")
    today = now.date()
    connection.executemany(
        "INSERT INTO chats (id, type, reminders_enabled, active, created_at, updated_at) "
        "VALUES (?, 'private', 1, 1, ?, ?)",
        ((100_000 + i, stamp, stamp) for i in range(CHATS)),
    )

    def expiry(card: int, months_ago: int) -> date:  # each card renews on its own day
        anchor = today.replace(day=1 + card % 28) + timedelta(days=31)
        return months_before(anchor, months_ago)

    def card_rows() -> Iterator[tuple[object, ...]]:
        for i in range(cards):
            offset = -timedelta(seconds=i + 1) if i < due else timedelta(days=1 + i % 30)
            when = (now + offset).replace(tzinfo=None).isoformat(sep=" ")
            chat = 100_000 + i % CHATS
            yield (i + 1, chat, i // CHATS + 1, chat, f"Card {i:07d}",
                   expiry(i, 0).isoformat(), when, stamp, stamp)

    connection.executemany(
        "INSERT INTO cards (id, chat_id, number, created_by, label, kind, expires_on, cycle, "
        "renew_from, next_remind_at, lapsed, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, 'sim', ?, 'monthly', 'expiry', ?, 0, ?, ?)",
        card_rows(),
    )

    # Oldest first, as the bot writes them: a table's old rows then share pages.
    def delivery_rows() -> Iterator[tuple[object, ...]]:
        for months_ago in range(months, 0, -1):
            for i in range(cards):
                expires_on = expiry(i, months_ago)
                for lead in LEADS:
                    at = datetime.combine(expires_on - timedelta(days=lead),
                                          datetime.min.time()).isoformat(sep=" ")
                    yield (i + 1, expires_on.isoformat(), -lead, at, at)

    connection.executemany(
        "INSERT INTO deliveries (card_id, expires_on, offset_days, status, attempts, due_at, "
        "sent_at) VALUES (?, ?, ?, 'sent', 1, ?, ?)",
        delivery_rows(),
    )

    def renewal_rows() -> Iterator[tuple[object, ...]]:
        for months_ago in range(months, 0, -1):
            for i in range(cards):
                old = expiry(i, months_ago)
                at = datetime.combine(old, datetime.min.time()).isoformat(sep=" ")
                yield (i + 1, at, old.isoformat(), expiry(i, months_ago - 1).isoformat())

    connection.executemany(
        "INSERT INTO renewals (card_id, renewed_at, old_expires_on, new_expires_on, amount, "
        "currency, channel) VALUES (?, ?, ?, ?, 3000, 'CNY', 'app')",
        renewal_rows(),
    )
    connection.commit()
    connection.close()


def table_sizes(path: Path) -> dict[str, dict[str, float]]:
    """Rows and MB in use (the table and its indexes), and the free pages in the file that
    new rows reuse before the file grows."""
    connection = sqlite3.connect(path)
    owner = dict(connection.execute("SELECT name, tbl_name FROM sqlite_schema"))
    used: dict[str, int] = {}
    for name, size in connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"):
        table = owner.get(name, name)
        used[table] = used.get(table, 0) + size
    sizes = {
        table: {
            "rows": connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0],
            "mb": round(used.get(table, 0) / 2**20, 1),
        }
        for table in TABLES
    }
    free = connection.execute("PRAGMA freelist_count").fetchone()[0]
    page = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    sizes["file"] = {
        "mb": round(path.stat().st_size / 2**20, 1), "free_mb": round(free * page / 2**20, 1)
    }
    return sizes


async def measure(path: Path, url: str, now: datetime) -> dict[str, object]:
    return {
        "tables": table_sizes(path),
        "select_batch_500": await time_select(url, now, with_deliveries=True),
    }


async def prune_all(url: str) -> dict[str, float]:
    settings = load_settings(_env_file=None, database_url=url)
    db = Database(url)
    pruner = Pruner(Services(settings=settings, db=db))
    deleted, started = 0, time.perf_counter()
    try:
        while batch := await pruner.prune():
            deleted += batch
    finally:
        await db.dispose()
    elapsed = time.perf_counter() - started
    return {
        "rows_deleted": deleted,
        "seconds": round(elapsed, 1),
        "rows_per_s": round(deleted / elapsed) if elapsed else 0,
        "retention_days": settings.delivery_retention_days,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        await upgrade(db)
        await db.dispose()
        started = time.perf_counter()
        seed(path, args.cards, args.months, args.due, now)
        seeded = round(time.perf_counter() - started, 1)
        before = await measure(path, url, now)
        pruning = await prune_all(url)
        after = await measure(path, url, now)
    print(json.dumps({
        "cards": args.cards,
        "months_of_monthly_renewals": args.months,
        "cards_due": args.due,
        "seed_seconds": seeded,
        "before_pruning": before,
        "pruning": pruning,
        "after_pruning": after,
    }, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
