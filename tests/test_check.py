"""`renewbot check` as a process: one line per check, exit code 0 only when all pass."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from tests.test_settings import CONTRACT


async def _check(workdir: Path, **env: str) -> tuple[int, list[str]]:
    base = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "check", cwd=workdir, env=base | env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode().splitlines()


async def _migrated(url: str) -> str:
    db = Database(url)
    await upgrade(db)
    await db.dispose()
    return url


def _status(lines: list[str]) -> dict[str, str]:
    return {line[:14].strip(): line[15:].split()[0] for line in lines}


async def test_all_checks_pass(api: FakeBotAPI, sqlite_url: str, tmp_path: Path) -> None:
    code, lines = await _check(
        tmp_path, BOT_TOKEN=api.token, BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=await _migrated(sqlite_url),
    )
    assert code == 0, lines
    assert _status(lines) == {"configuration": "ok", "database": "ok", "bot api": "ok"}
    assert "@renew_test_bot" in lines[2]
    assert api.token not in "\n".join(lines)


async def test_pending_migrations_and_a_wrong_token_fail(
    api: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    wrong_token = "999:not-the-servers-token"
    code, lines = await _check(
        tmp_path, BOT_TOKEN=wrong_token, BOT_API_BASE_URL=api.base_url, DATABASE_URL=sqlite_url,
    )
    assert code == 1
    assert _status(lines) == {"configuration": "ok", "database": "FAIL", "bot api": "FAIL"}
    assert "renewbot migrate" in lines[1]
    assert wrong_token not in "\n".join(lines)


async def test_an_unreachable_database_fails(
    api: FakeBotAPI, tmp_path: Path, unused_tcp_port: int
) -> None:
    code, lines = await _check(
        tmp_path, BOT_TOKEN=api.token, BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=f"postgresql://renewbot@127.0.0.1:{unused_tcp_port}/nothing",
    )
    assert code == 1
    assert _status(lines)["database"] == "FAIL" and "unreachable" in lines[1]


async def test_bad_configuration_fails_and_skips_the_rest(tmp_path: Path) -> None:
    code, lines = await _check(tmp_path, DEFAULT_TIMEZONE="Mars/Olympus")
    assert code == 1
    assert _status(lines) == {"configuration": "FAIL", "database": "skip", "bot api": "skip"}
    assert "DEFAULT_TIMEZONE" in lines[0]
    code, lines = await _check(tmp_path, WEBHOOK_URL="http://insecure.example/hook",
                               BOT_TOKEN="123:abcdefghijklmnop")
    assert code == 1 and "WEBHOOK_URL" in lines[0]
