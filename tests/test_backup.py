"""`renewbot backup PATH`: a consistent, checked, self-contained copy of the SQLite database
(the copy taken under load is restored in tests/test_load.py)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date
from pathlib import Path

from bot.settings import load_settings
from storage.db import Database
from storage.migrate import upgrade
from tests.harness import ManualClock
from tests.reminder_fixtures import add_card
from tests.test_settings import _run_cli


async def _seed(url: str) -> None:
    db = Database(url)
    await upgrade(db)
    for n in range(3):
        await add_card(db, load_settings(_env_file=None), ManualClock(), 9100 + n,
                       date(2026, 12, 31), label=f"Backed up {n}")
    await db.dispose()


def test_a_backup_is_a_checked_copy_in_one_file(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()  # the database never creates its folder (`migrate` does)
    url = f"sqlite:///{tmp_path / 'data' / 'bot.db'}"
    asyncio.run(_seed(url))
    result = _run_cli(tmp_path, "backup", "copy.db", DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("backup written to copy.db: 3 cards"), result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.db", "data"]  # no -wal
    with sqlite3.connect(tmp_path / "copy.db") as connection:
        labels = [row[0] for row in connection.execute("SELECT label FROM cards ORDER BY id")]
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert labels == ["Backed up 0", "Backed up 1", "Backed up 2"]


def test_without_a_database_or_on_postgresql_it_says_what_to_do(tmp_path: Path) -> None:
    missing = _run_cli(tmp_path, "backup", "copy.db", DATABASE_URL="sqlite:///nothing.db")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "renewbot: backup: no SQLite database at nothing.db"
    postgres = _run_cli(tmp_path, "backup", "copy.db",
                        DATABASE_URL="postgresql://bot@db.example/renewbot")
    assert postgres.returncode == 2
    assert "pg_dump" in postgres.stderr
    assert not (tmp_path / "copy.db").exists()
