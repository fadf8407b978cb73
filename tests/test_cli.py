"""`renewbot run`, `migrate` and `check` as processes: a failure is one line naming the cause
and what to do, with its documented exit code; check creates nothing, migrate says what it
applied and which folder it created."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.tools.cli import (
    EXIT_BOT_API_UNREACHABLE,
    EXIT_CONFIGURATION,
    EXIT_DATABASE,
    EXIT_TOKEN_REJECTED,
)
from fakebotapi import FakeBotAPI
from tests.test_settings import CONTRACT


async def _renewbot(workdir: Path, *args: str, **env: str) -> tuple[int, list[str]]:
    base = {k: v for k, v in os.environ.items() if k not in CONTRACT}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=workdir, env=base | env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, (out.decode() + err.decode()).splitlines()


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def _one_line(lines: list[str]) -> str:
    """The failure line: no traceback around it (log lines before it are fine)."""
    assert not any("Traceback" in line for line in lines), lines
    [line] = [line for line in lines if line.startswith("renewbot: ")]
    return line


async def test_check_names_a_missing_folder_and_creates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
    code, lines = await _renewbot(tmp_path, "check", DATABASE_URL=url, BOT_TOKEN="123:abc",
                                  BOT_API_BASE_URL="http://127.0.0.1:9/bot")
    assert code == 1
    assert f"the folder {tmp_path / 'missing'} does not exist" in lines[1]
    assert _files(tmp_path) == set()
    code, lines = await _renewbot(tmp_path, "check", DATABASE_URL="sqlite:////nonexistent/dir/x.db",
                                  BOT_TOKEN="123:abc", BOT_API_BASE_URL="http://127.0.0.1:9/bot")
    assert "the folder /nonexistent/dir does not exist" in lines[1]
    assert not await asyncio.to_thread(Path("/nonexistent").exists)


async def test_check_of_a_new_or_migrated_file_creates_nothing(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "BOT_TOKEN": "123:abc",
           "BOT_API_BASE_URL": "http://127.0.0.1:9/bot"}
    code, lines = await _renewbot(tmp_path, "check", **env)
    assert code == 1 and "does not exist yet: run `renewbot migrate`" in lines[1]
    assert _files(tmp_path) == set()
    code, lines = await _renewbot(tmp_path, "migrate", **env)
    assert code == 0
    before = _files(tmp_path)
    code, lines = await _renewbot(tmp_path, "check", **env)
    assert lines[1].split()[1] == "ok"
    assert _files(tmp_path) == before  # no -wal or -shm beside it either


async def test_migrate_says_what_it_applied_and_the_folder_it_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'renewbot.db'}"
    code, lines = await _renewbot(tmp_path, "migrate", DATABASE_URL=url)
    assert code == 0, lines
    assert lines[0] == f"created the folder {tmp_path / 'new'} for the database"
    versions = sorted(
        (Path(__file__).parent.parent / "storage" / "migrations" / "versions").glob("0*.py")
    )
    assert lines[1].startswith(f"applied {len(versions)} migrations: 0001 (Initial schema), 0002 (")
    code, lines = await _renewbot(tmp_path, "migrate", DATABASE_URL=url)
    assert (code, lines) == (0, ["database is up to date: nothing to apply"])


@pytest.mark.parametrize("command", ["migrate", "run"])
async def test_an_unreachable_postgresql_is_one_line(
    tmp_path: Path, unused_tcp_port: int, command: str
) -> None:
    url = f"postgresql://renewbot:secret@127.0.0.1:{unused_tcp_port}/nothing"
    code, lines = await _renewbot(tmp_path, command, DATABASE_URL=url, BOT_TOKEN="123:abc")
    assert code == EXIT_DATABASE
    line = _one_line(lines)
    assert "cannot use the database postgresql://renewbot:***@127.0.0.1" in line
    assert "is the database server running" in line and "secret" not in line


async def test_run_with_a_rejected_token_is_one_line(api: FakeBotAPI, tmp_path: Path) -> None:
    wrong = "999:not-the-servers-token"
    code, lines = await _renewbot(
        tmp_path, "run", BOT_TOKEN=wrong, BOT_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert code == EXIT_TOKEN_REJECTED
    line = _one_line(lines)
    assert "Telegram rejected BOT_TOKEN" in line and "@BotFather" in line
    assert wrong not in "\n".join(lines)


async def test_run_without_the_bot_api_is_one_line(tmp_path: Path, unused_tcp_port: int) -> None:
    code, lines = await _renewbot(
        tmp_path, "run", BOT_TOKEN="123:abc",
        BOT_API_BASE_URL=f"http://127.0.0.1:{unused_tcp_port}/bot",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert code == EXIT_BOT_API_UNREACHABLE
    assert f"cannot reach the Bot API at 127.0.0.1:{unused_tcp_port}" in _one_line(lines)


async def test_a_bad_setting_is_exit_code_2(tmp_path: Path) -> None:
    code, lines = await _renewbot(tmp_path, "migrate", DEFAULT_TIMEZONE="Mars/Olympus")
    assert code == EXIT_CONFIGURATION == 2
    assert "DEFAULT_TIMEZONE" in _one_line(lines)
