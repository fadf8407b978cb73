"""Shared fixtures: databases (SQLite always, PostgreSQL when TEST_DATABASE_URL is reachable
— in CI it must be) and, in e2e tests, the bot running against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from tests.harness import BotHarness

# As `renewbot` does: PTB's timedelta durations, without its deprecation warnings.
os.environ.setdefault("PTB_TIMEDELTA", "1")
DEFAULT_TEST_PG = "postgresql://postgres@127.0.0.1:5432/renewbot_test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The knowledge base's cache (bot/knowledge/cache.py) goes to this run's folder, not the
    user's: the tests build it from copies of the data in many places."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
        yield


def _postgres_reachable(url: str) -> str | None:
    """None when we can connect, else the reason."""
    import asyncpg

    async def probe() -> None:
        parsed = make_url(url)
        connection = await asyncpg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            database=parsed.database,
            timeout=3,
        )
        await connection.close()

    try:
        asyncio.run(probe())
    except Exception as exc:  # any failure means "not usable here"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_PG)
    problem = _postgres_reachable(url)
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but {url} is not usable: {problem}")
        pytest.skip(f"no PostgreSQL at {url}: {problem}")
    return url


async def reset_postgres(url: str) -> None:
    """Drop everything in the public schema so each test starts from an empty database."""
    db = Database(url)
    async with db.engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(reset_postgres(url))
    return url


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    await upgrade(database)
    yield database
    await database.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    """The fake server with privacy mode on, as Telegram runs a new bot: in a group where the
    bot is not an admin, only commands, mentions and replies to the bot reach it."""
    async with FakeBotAPI(privacy_mode=True) as server:
        yield server


@pytest.fixture
async def limited_api() -> AsyncIterator[FakeBotAPI]:
    """A fake server that enforces Telegram's flood limits (answers 429 when exceeded)."""
    async with FakeBotAPI(enforce_limits=True) as server:
        yield server


@pytest.fixture
async def bot(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[BotHarness]:
    harness = BotHarness(api, sqlite_url)
    await harness.start()
    yield harness
    await harness.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say plainly whether the PostgreSQL suite ran (CI must show that it did)."""
    outcomes = {
        outcome: sum(
            "postgres" in report.keywords for report in terminalreporter.stats.get(outcome, [])
        )
        for outcome in ("passed", "failed", "skipped")
    }
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_TEST_PG)
    terminalreporter.write_line(
        f"PostgreSQL suite ({url}): {outcomes['passed']} passed, {outcomes['failed']} failed, "
        f"{outcomes['skipped']} skipped"
    )
