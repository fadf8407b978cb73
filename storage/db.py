"""Async engine and sessions for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from itertools import chain
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import NullPool
from sqlmodel import Session as SQLModelSession
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Chat

SQLITE_BUSY_TIMEOUT_MS = 30_000
_READONLY = "renewbot_readonly"


def async_url(url: str) -> str:
    """Pick the async driver for a configured URL (sqlite -> aiosqlite, postgresql -> asyncpg)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend in {"postgresql", "postgres"}:
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme: {parsed.drivername}")


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (below); pysqlite's implicit transactions would
        # otherwise start as DEFERRED and fail with "database is locked" on lock upgrade.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Writers take the lock up front with IMMEDIATE, so concurrent writers queue on
        # busy_timeout instead of failing. Read-only units run without a transaction:
        # each SELECT sees a consistent WAL snapshot, and a busy bot saves a round trip
        # to the driver's thread per read.
        if not connection.get_execution_options().get(_READONLY, False):
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# Called after a commit with the ids of the chats whose rows (the chat, its cards or FAQ
# entries) changed, or None when a bulk statement may have changed any chat.
ChangeListener = Callable[[set[int] | None], None]
_CHANGED = "renewbot_changed_chats"


class _TrackingSession(SQLModelSession):
    """Notes which chats a unit of work changed, so caches can drop them after commit."""


@event.listens_for(_TrackingSession, "after_flush")
def _note_flushed(session: Session, _context: object) -> None:
    changed: set[int] | None = session.info.setdefault(_CHANGED, set())
    if changed is None:
        return
    for row in chain(session.new, session.dirty, session.deleted):
        chat_id = row.id if isinstance(row, Chat) else getattr(row, "chat_id", None)
        if isinstance(chat_id, int):
            changed.add(chat_id)


@event.listens_for(_TrackingSession, "do_orm_execute")
def _note_bulk(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        state.session.info[_CHANGED] = None  # which chats is not known: assume any


class Database:
    """One engine per process; `session()` is a unit of work that commits on success."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        self.backend = make_url(url).get_backend_name()
        if self.backend == "sqlite":
            kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0}
            if ":memory:" in url or make_url(url).database in (None, ""):
                kwargs = {"poolclass": NullPool}
        else:
            kwargs = {"pool_size": pool_size, "max_overflow": pool_size, "pool_pre_ping": True}
        self.engine = create_async_engine(async_url(url), echo=echo, **kwargs)
        if self.backend == "sqlite":
            _configure_sqlite(self.engine)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, sync_session_class=_TrackingSession,
            expire_on_commit=False,
        )
        self._listeners: list[ChangeListener] = []

    def on_change(self, listener: ChangeListener) -> None:
        """Call `listener` after every commit that changed chats (see ChangeListener)."""
        self._listeners.append(listener)

    def _notify(self, changed: Iterable[int] | None) -> None:
        chats = None if changed is None else set(changed)
        if chats == set():
            return
        for listener in self._listeners:
            listener(chats)

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @asynccontextmanager
    async def session(self, *, readonly: bool = False) -> AsyncIterator[AsyncSession]:
        """A unit of work. Pass readonly=True for pure reads: on SQLite they then run
        beside a writer instead of queueing behind it."""
        async with self._sessions() as session:
            if readonly:
                await session.connection(execution_options={_READONLY: True})
            try:
                yield session
                await session.commit()
            except BaseException:
                await session.rollback()
                raise
            if not readonly:
                self._notify(session.sync_session.info.pop(_CHANGED, set()))

    async def dispose(self) -> None:
        await self.engine.dispose()


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for other databases and in-memory ones). Opening the
    database creates the file but never its folder: whoever opens it decides about that."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database).expanduser()
