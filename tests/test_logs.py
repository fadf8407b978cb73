"""Logs: one line per update with its kind and latency, and never the bot token — checked on the
log of a whole run of the bot process at DEBUG, with errors that carry the token in their text."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.runtime.logging_setup import configure_logging
from fakebotapi import FakeBotAPI
from tests.harness import BotHarness
from tests.processes import BotProcess, wait_until

_UPDATE_LINE = re.compile(r"handled update_id=(\d+) kind=(\w+) .* in \d+\.\d ms")


async def test_one_line_per_update_with_kind_and_latency(
    api: FakeBotAPI, bot: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.updates")
    user = api.user(8001, "Vic")
    menu = await bot.say(user, "/start")
    await bot.press(user, menu, "menu:help")
    api.send_text(user, "/nosuchcommand")
    await api.wait_idle(quiet=0.3)
    lines = [_UPDATE_LINE.search(r.getMessage()) for r in caplog.records
             if r.name == "bot.updates"]
    assert [m.group(2) for m in lines if m] == ["message", "callback_query", "message"]
    assert len({m.group(1) for m in lines if m}) == 3


@pytest.fixture
async def api_with_a_long_token() -> AsyncIterator[FakeBotAPI]:
    """The default token's secret part, "abc", turns up in any log by chance (a hex address
    such as 0x7fc06eaabcd0 holds it); a real-looking one does not."""
    token = "123456:AAHq7Vx_secretPartOfTheToken9"
    async with FakeBotAPI(privacy_mode=True, token=token) as server:
        yield server


async def test_a_full_run_never_logs_the_token(
    api_with_a_long_token: FakeBotAPI, sqlite_url: str, tmp_path: Path
) -> None:
    api = api_with_a_long_token
    secret_part = api.token.split(":", 1)[1]
    user = api.user(8002, "Wen")
    api.private_chat(user)
    process = BotProcess(api, sqlite_url, tmp_path, LOG_LEVEL="DEBUG").start()
    try:
        await wait_until(lambda: "polling" in process.log(), 30, "start-up", process)
        api.send_text(user, "/start")
        await api.wait_for_message(user, timeout=30)
        # Errors whose text holds the token, the way a proxy's error page might quote a URL.
        leak = f"upstream {api.base_url}{api.token}/sendMessage"
        api.add_fault("sendMessage", "5xx", status=502, description=f"Bad Gateway: {leak}")
        api.send_text(user, "/help")
        api.add_fault("sendMessage", "403", description=f"Forbidden: {leak}")
        api.send_text(user, "/help")
        await wait_until(lambda: "Forbidden: upstream" in process.log(), 30, "the errors",
                         process)
        api.send_text(user, "/stats")
        await api.wait_for_message(user, timeout=30)
        assert await process.terminate() == 0
    finally:
        process.stop_now()
    log = process.log()
    assert api.token not in log and secret_part not in log
    assert "Bad Gateway: upstream http://127.0.0.1" in log  # the errors were logged, redacted
    assert log.count("/bot<token>/sendMessage") >= 2
    kinds = [m.group(2) for m in _UPDATE_LINE.finditer(log)]
    assert kinds.count("message") >= 3


def test_tracebacks_are_redacted_too(capsys: pytest.CaptureFixture[str]) -> None:
    token = "123456:AAExampleTokenValue_x"
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging("INFO", token)
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{token}/getMe failed")
        except RuntimeError:
            logging.getLogger("bot.test").exception("request for %s failed", token)
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
    err = capsys.readouterr().err
    assert "Traceback" in err and err.count("<token>") == 2
    assert token not in err and token.split(":")[1] not in err
