"""Two bot processes on one PostgreSQL database with 2,000 due reminders: only the holder of
the advisory lock sweeps, every card is reminded once; kill -9 the holder and the standby
takes over and finishes (the crash may repeat the one message that was in flight)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import psutil
import pytest
from sqlalchemy.engine import make_url

from bot.reminders.leader import SWEEP_LOCK_KEY
from fakebotapi import FakeBotAPI
from tests.conftest import reset_postgres
from tests.processes import BotProcess, wait_until
from tests.reminder_fixtures import labels_sent, seed_due_database

pytestmark = pytest.mark.postgres
CARDS = 2000


async def _lock_holder_port(url: str) -> int | None:
    """The client port of the backend holding the sweep lock, if any."""
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username,
        password=parsed.password, database=parsed.database,
    )
    try:
        return await connection.fetchval(
            # This database's lock only: other suites may sweep on the same server.
            "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            SWEEP_LOCK_KEY,
        )
    finally:
        await connection.close()


def _owner_of_port(port: int, processes: list[BotProcess]) -> BotProcess:
    for process in processes:
        ports = {c.laddr.port for c in psutil.Process(process.pid).net_connections("tcp")}
        if port in ports:
            return process
    raise AssertionError(f"no bot process owns port {port}")


async def test_one_sweeper_and_takeover_after_kill(
    limited_api: FakeBotAPI, postgres_url: str, tmp_path: Path
) -> None:
    api = limited_api
    await reset_postgres(postgres_url)
    await seed_due_database(api, postgres_url, 4000, 20, CARDS)

    processes = [BotProcess(api, postgres_url, tmp_path).start() for _ in range(2)]
    try:
        await wait_until(lambda: len(api.delivered()) >= 1000, 90, "1000 reminders", *processes)
        port = await _lock_holder_port(postgres_url)
        assert port is not None, "somebody must hold the sweep lock"
        holder = _owner_of_port(port, processes)
        standby = next(p for p in processes if p is not holder)
        before_kill = labels_sent(api)
        assert max(before_kill.values()) == 1  # both running, nothing sent twice
        holder.kill()

        await wait_until(lambda: len(labels_sent(api)) >= CARDS, 150, "all cards", standby)
        await asyncio.sleep(1.0)
        new_port = await _lock_holder_port(postgres_url)
        assert new_port is not None and _owner_of_port(new_port, [standby]) is standby
        assert await standby.terminate() == 0
    finally:
        for process in processes:
            process.stop_now()

    counts = labels_sent(api)
    assert len(counts) == CARDS
    assert sum(n - 1 for n in counts.values()) <= 1
    assert api.stats.rate_limited == 0
