"""Which instance sweeps: on PostgreSQL the holder of an advisory lock, on SQLite the one
process there is. The lock lives on a dedicated connection, so it is released the moment
the holder dies and a standby takes over at its next sweep. If the holder's machine
vanishes without closing the connection, PostgreSQL's TCP keepalive (set per connection
below) drops the connection, and with it the lock, within about KEEPALIVE_SECONDS."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every instance of the bot.
SWEEP_LOCK_KEY = 0x52454D44
# The server probes an idle lock connection after 3 s of silence, every second, and drops
# it after 3 unanswered probes (the defaults would take the lock hostage for hours).
_KEEPALIVE = {"tcp_keepalives_idle": 3, "tcp_keepalives_interval": 1, "tcp_keepalives_count": 3}
KEEPALIVE_SECONDS = 6


class SweepLeader:
    def __init__(
        self, db: Database, key: int = SWEEP_LOCK_KEY, role: str = "the reminder sweep"
    ) -> None:
        self.db = db
        # Another key makes another, independent leadership (the broadcasts use one).
        self.key = key
        self.role = role
        self._connection: AsyncConnection | None = None

    @property
    def is_leader(self) -> bool:
        return not self.db.is_postgres or self._connection is not None

    async def acquire(self) -> bool:
        """True when this instance may sweep now (checks that a held lock is still alive)."""
        if not self.db.is_postgres:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except (DBAPIError, SQLAlchemyError):
                log.warning("lost the lock for %s; trying to take it again", self.role)
                await self._close()
        connection = await self.db.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            result = await connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}
            )
            if result.scalar():
                for name, value in _KEEPALIVE.items():
                    await connection.execute(text(f"SET {name} = {value:d}"))
                self._connection = connection
                log.info("this instance now runs %s", self.role)
                return True
        except BaseException:
            await connection.close()
            raise
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
            )
        except (DBAPIError, SQLAlchemyError):
            log.debug("sweep lock connection already gone")
        await self._close()

    async def _close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()
            except (DBAPIError, SQLAlchemyError):
                log.debug("closing a dead lock connection failed", exc_info=True)
