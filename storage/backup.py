"""A consistent copy of the SQLite database while the bot runs (`renewbot backup PATH`).

SQLite's online backup copies the pages in one step inside a read transaction, so the copy
is the database as of one moment even while the bot writes (WAL lets the writers go on).
The copy is written beside the target, checked, switched to a self-contained journal and
only then renamed into place: an interrupted backup never looks like a finished one.
PostgreSQL has pg_dump for this (README: Backups).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from storage.db import SQLITE_BUSY_TIMEOUT_MS


class BackupError(Exception):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    cards: int
    size_bytes: int


def backup_sqlite(database: Path, target: Path) -> BackupReport:
    if not database.is_file():
        raise BackupError(f"no SQLite database at {database}")
    target = target.expanduser()
    if target.resolve() == database.resolve():
        raise BackupError("the backup must not overwrite the database itself")
    if not target.parent.is_dir():
        raise BackupError(f"no such directory: {target.parent}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            closing(sqlite3.connect(database, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)) as source,
            closing(sqlite3.connect(partial)) as copy,
        ):
            source.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check: {problems[:3]}")
            cards = copy.execute("SELECT count(*) FROM cards").fetchone()[0]
        partial.replace(target)
    except sqlite3.Error as error:
        raise BackupError(str(error)) from None
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(target, cards, target.stat().st_size)
