"""The bot as a separate OS process (`python -m bot run`), for crash and multi-instance
tests: it can be killed with SIGKILL like a real deployment."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fakebotapi import FakeBotAPI
from tests.test_settings import CONTRACT


class BotProcess:
    def __init__(self, api: FakeBotAPI, database_url: str, workdir: Path, **env: str) -> None:
        base = {k: v for k, v in os.environ.items() if k not in CONTRACT}
        self.env = base | {
            "BOT_TOKEN": api.token,
            "BOT_API_BASE_URL": api.base_url,
            "DATABASE_URL": database_url,
            "REMINDER_SWEEP_SECONDS": "0.2",
            "LOG_LEVEL": "INFO",
        } | env
        self.workdir = workdir
        self.log_path = workdir / f"bot-{id(self)}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> BotProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=self.workdir, env=self.env,
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind, like a crash or an OOM kill."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    async def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        for _ in range(int(timeout * 10)):
            if self.process.poll() is not None:
                return self.process.returncode
            await asyncio.sleep(0.1)
        self.process.kill()
        raise AssertionError(f"bot did not stop within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop_now(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


async def wait_until(
    condition: Callable[[], bool], timeout: float, what: str, *logs: BotProcess
) -> None:
    for _ in range(int(timeout * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    tails = "\n".join(process.log()[-3000:] for process in logs)
    raise AssertionError(f"timed out waiting for {what}\n{tails}")
