"""Webhook mode over real HTTP on 127.0.0.1: the fake Telegram posts updates with the secret
header, requests without it get 403 and are never handled, and /healthz reports the database."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.runtime.app import build_application
from bot.runtime.services import RenewBotApplication
from bot.runtime.webhook import SECRET_HEADER, serve_webhook, web_app, webhook_path, webhook_secret
from bot.settings import load_settings
from fakebotapi import FakeBotAPI
from storage.db import Database
from storage.migrate import upgrade
from tests.conftest import reset_postgres
from tests.harness import bot_settings

SECRET = "test-secret_123"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Hook:
    url: str
    health: str
    app: RenewBotApplication
    db: Database
    stop: asyncio.Event
    server: asyncio.Task[int]

    async def status(self) -> tuple[int, str]:
        """/healthz: (status, body); (0, "") while nothing listens yet."""
        async with aiohttp.ClientSession() as http:
            try:
                async with http.get(self.health) as response:
                    return response.status, await response.text()
            except aiohttp.ClientConnectionError:
                return 0, ""

    async def wait_for(self, status: int) -> None:
        for _ in range(600):
            if (await self.status())[0] == status:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"/healthz never answered {status}: {await self.status()}")

    async def close(self) -> int:
        self.stop.set()
        code = await self.server
        await self.db.dispose()
        return code


async def _start_hook(api: FakeBotAPI, database_url: str) -> Hook:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/tg/hook"
    settings = bot_settings(api, database_url, webhook_url=url, webhook_secret=SECRET,
                            webhook_listen="127.0.0.1", webhook_port=port)
    db = Database(database_url)
    await upgrade(db)
    app = build_application(settings, db)
    stop = asyncio.Event()
    server = asyncio.create_task(serve_webhook(app, stop))
    return Hook(url, f"http://127.0.0.1:{port}/healthz", app, db, stop, server)


@pytest.fixture
async def hook(api: FakeBotAPI, sqlite_url: str) -> AsyncIterator[Hook]:
    started = await _start_hook(api, sqlite_url)
    await started.wait_for(200)
    try:
        yield started
    finally:
        await started.close()


def _update(update_id: int, user_id: int, text: str) -> dict[str, Any]:
    person = {"id": user_id, "is_bot": False, "first_name": "Zed"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": int(time.time()), "from": person,
            "chat": {"id": user_id, "type": "private", "first_name": "Zed"}, "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
        },
    }


async def test_updates_from_telegram_carry_the_secret_and_are_handled(
    api: FakeBotAPI, hook: Hook
) -> None:
    info = await hook.app.bot.get_webhook_info()
    assert info.url == hook.url
    user = api.user(6001, "Ann")
    api.private_chat(user)
    api.send_text(user, "/start")  # the fake Telegram POSTs it to the webhook
    reply = await api.wait_for_message(6001, timeout=15)
    assert "Hi Ann" in (reply.text or "")
    assert api.stats.webhook_posts >= 1 and api.stats.webhook_failures == 0


async def test_a_request_without_the_secret_is_refused_and_not_handled(
    api: FakeBotAPI, hook: Hook
) -> None:
    api.private_chat(api.user(6002, "Zed"))
    async with aiohttp.ClientSession() as http:
        async with http.post(hook.url, json=_update(1, 6002, "/start")) as response:
            assert response.status == 403
        wrong = {SECRET_HEADER: "not-the-secret"}
        async with http.post(hook.url, json=_update(2, 6002, "/start"), headers=wrong) as response:
            assert response.status == 403
        right = {SECRET_HEADER: SECRET}
        async with http.post(hook.url, data=b"{not json", headers=right) as response:
            assert response.status == 400
        async with http.post(hook.url, json=_update(3, 6002, "/help"), headers=right) as response:
            assert response.status == 200
    # Updates are handled in order: had a refused /start been handled, its greeting would
    # have come first.
    reply = await api.wait_for_message(6002, timeout=15)
    assert "What I can do" in (reply.text or "")
    await api.wait_idle(quiet=0.3)
    assert len(api.messages_to(6002)) == 1


async def test_health_is_ok_while_the_database_answers(hook: Hook) -> None:
    async with aiohttp.ClientSession() as http, http.get(hook.health) as response:
        assert response.status == 200
        assert await response.text() == "ok\n"


async def test_health_is_503_when_the_database_is_unreachable(api: FakeBotAPI) -> None:
    unreachable = f"postgresql://renewbot@127.0.0.1:{_free_port()}/nothing"
    settings = bot_settings(api, unreachable)
    app = build_application(settings, Database(unreachable))
    async with TestClient(TestServer(web_app(app, SECRET, "/hook"))) as client:
        response = await client.get("/healthz")
        assert response.status == 503
        assert await response.text() == "database unreachable\n"


@pytest.mark.postgres
async def test_only_the_active_instance_is_healthy_and_a_standby_takes_over(
    api: FakeBotAPI, postgres_url: str
) -> None:
    """Behind a load balancer: the stand-by says 503 until the active instance is gone, then
    it loads the state, sets the webhook and answers."""
    await reset_postgres(postgres_url)
    active = await _start_hook(api, postgres_url)
    await active.wait_for(200)
    standby = await _start_hook(api, postgres_url)
    try:
        await standby.wait_for(503)
        assert await standby.status() == (503, "standing by\n")
        api.private_chat(api.user(6003, "Sam"))
        async with aiohttp.ClientSession() as http:
            headers = {SECRET_HEADER: SECRET}
            update = _update(1, 6003, "/start")
            async with http.post(standby.url, json=update, headers=headers) as response:
                assert response.status == 503  # Telegram keeps it and tries again
        assert (await active.app.bot.get_webhook_info()).url == active.url
        assert await active.close() == 0  # a clean stop releases the lock (kill -9: test_failover)

        await standby.wait_for(200)
        assert (await standby.app.bot.get_webhook_info()).url == standby.url
        api.send_text(api.user(6003), "/start")
        reply = await api.wait_for_message(6003, timeout=15)
        assert "Hi Sam" in (reply.text or "")
        assert api.messages_to(6003) == [reply]  # the refused request was never handled
    finally:
        if not active.server.done():
            await active.close()
        assert await standby.close() == 0


def test_the_secret_and_the_path() -> None:
    assert webhook_path("https://bot.example.com/telegram/hook") == "/telegram/hook"
    assert webhook_path("https://bot.example.com") == "/"


def test_without_a_configured_secret_one_is_derived_from_the_token() -> None:
    def secret(token: str, **overrides: Any) -> str:
        return webhook_secret(load_settings(_env_file=None, bot_token=token, **overrides))

    derived = secret("123:first-token")
    assert derived == secret("123:first-token", webhook_url="https://x.example/h")
    assert derived != secret("42:another-token")
    assert len(derived) == 64 and derived.isalnum()  # Telegram's secret_token alphabet
    assert secret("123:first-token", webhook_secret="mine") == "mine"
