"""The bot with its Mini App served over real HTTP, for the API and browser tests: the real
Application polls the fake Bot API (tests/harness.py) and the app's routes run on a local
aiohttp server, exactly as bot.webapp.server adds them to the webhook or polling server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestServer

from bot.webapp.initdata import sign
from bot.webapp.server import INIT_DATA_HEADER, add_webapp
from fakebotapi import FakeBotAPI
from fakebotapi.objects import FakeUser
from tests.harness import BotHarness, ManualClock

WEBAPP_URL = "https://bot.example.com/app/"


def telegram_user(user: FakeUser) -> dict[str, Any]:
    """The WebAppUser Telegram puts in initData for a user."""
    return {"id": user.id, "first_name": user.first_name,
            "language_code": user.language_code or "en"}


@dataclass
class WebApp:
    bot: BotHarness
    server: TestServer
    http: ClientSession

    @property
    def url(self) -> str:
        return str(self.server.make_url("/app/"))

    def init_data(self, user: FakeUser, *, age: timedelta = timedelta(minutes=1),
                  token: str | None = None) -> str:
        when: datetime = self.bot.clock() - age
        return sign(token or self.bot.settings.token, telegram_user(user), when)

    async def call(
        self, method: str, path: str, user: FakeUser | None = None, *, init_data: str | None = None,
        chat: int | None = None, json: Any = None,
    ) -> tuple[int, Any]:
        headers = {}
        if init_data is None and user is not None:
            init_data = self.init_data(user)
        if init_data is not None:
            headers[INIT_DATA_HEADER] = init_data
        params = {"chat": str(chat)} if chat is not None else None
        async with self.http.request(
            method, self.server.make_url("/app/" + path), headers=headers, params=params,
            json=json,
        ) as response:
            return response.status, await _body(response)


async def _body(response: ClientResponse) -> Any:
    if response.content_type == "application/json":
        return await response.json()
    return await response.text()


@asynccontextmanager
async def serving_webapp(
    api: FakeBotAPI, database_url: str, now: datetime
) -> AsyncIterator[WebApp]:
    """The bot (its clock frozen at `now`) and its Mini App on a local server, with a client."""
    bot = BotHarness(api, database_url, clock=ManualClock(frozen=now), webapp_url=WEBAPP_URL)
    await bot.start()
    assert bot.app is not None
    app = web.Application()
    add_webapp(app, bot.app)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    webapp = WebApp(bot, server, ClientSession())
    try:
        yield webapp
    finally:
        await webapp.http.close()
        await server.close()
        await bot.stop()
