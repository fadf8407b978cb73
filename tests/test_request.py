"""BoundedRequest keeps a fixed number of Bot API calls in flight, over real HTTP to the fake
server: the rest wait their turn instead of opening more connections. Its errors say whether
a call may have taken effect, which decides whether a reminder is sent again."""

from __future__ import annotations

import asyncio
import socket

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest

from bot.reminders.peak import PAID_SEND_WINDOW
from bot.runtime.app import build_application
from bot.runtime.request import IN_FLIGHT, AnswerTimedOut, BoundedRequest
from fakebotapi import FakeBotAPI
from tests.harness import bot_settings

DELAY = 0.3  # seconds the server holds each answer
CALLS = 6


async def _answer_times(api: FakeBotAPI, request: BaseRequest) -> list[float]:
    """When the server answered each of CALLS concurrent sends, each held DELAY seconds."""
    user = api.user(1001, "Alice")
    api.private_chat(user)
    api.add_fault("sendMessage", "delay", times=None, delay=DELAY)
    async with Bot(api.token, base_url=api.base_url, request=request) as bot:
        await asyncio.gather(*(bot.send_message(user.id, f"#{i}") for i in range(CALLS)))
    assert len(api.sent) == CALLS
    return sorted(message.time for message in api.sent)


async def test_at_most_in_flight_calls_at_a_time(api: FakeBotAPI) -> None:
    times = await _answer_times(api, BoundedRequest(in_flight=2))
    # Two at a time: the answers come in three waves, each a full DELAY after the last.
    assert times[2] - times[1] >= DELAY * 0.9
    assert times[4] - times[3] >= DELAY * 0.9
    assert times[-1] - times[0] >= 2 * DELAY * 0.9


async def test_without_the_bound_every_call_is_in_flight_at_once(api: FakeBotAPI) -> None:
    """The control: PTB's client sends all six at once, so the waves above are the bound's."""
    times = await _answer_times(api, HTTPXRequest(connection_pool_size=CALLS))
    assert times[-1] - times[0] < DELAY * 0.9


def test_the_bot_leaves_room_for_the_paid_sweeps_sends(api: FakeBotAPI, sqlite_url: str) -> None:
    """A paid sweep keeps PAID_SEND_WINDOW sends in flight: the client must not cap it at the
    replies' share (the bot's replies would then queue behind a sweep, or the sweep halve)."""
    for paid, expected in ((False, IN_FLIGHT), (True, IN_FLIGHT + PAID_SEND_WINDOW)):
        application = build_application(bot_settings(api, sqlite_url, allow_paid_broadcast=paid))
        request = application.bot.request
        assert isinstance(request, BoundedRequest) and request.in_flight == expected


async def test_an_answer_held_past_the_read_timeout_may_have_taken_effect(api: FakeBotAPI) -> None:
    user = api.user(1001, "Alice")
    api.private_chat(user)
    api.add_fault("sendMessage", "hang", delay=2.0)
    request = BoundedRequest(read_timeout=0.3)
    async with Bot(api.token, base_url=api.base_url, request=request) as bot:
        with pytest.raises(AnswerTimedOut):
            await bot.send_message(user.id, "held")
        # The client is still usable: the next call goes through.
        await bot.send_message(user.id, "next")
    assert [m.text for m in api.sent] == ["held", "next"]  # the held call took effect


async def test_a_server_that_cannot_be_reached_sent_nothing(api: FakeBotAPI) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = BoundedRequest(read_timeout=0.3)
    with pytest.raises(NetworkError) as caught:
        # Starting the bot asks getMe: the first call.
        async with Bot(api.token, base_url=f"http://127.0.0.1:{port}/bot", request=request):
            pass
    assert not isinstance(caught.value, TimedOut)


async def test_calls_go_through_the_proxy_the_environment_names(
    api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY is honoured, as PTB's own client does: here the fake server is the proxy
    for a host that does not exist, so only a proxied call can reach it."""
    monkeypatch.setenv("HTTP_PROXY", api.base_url.split("/bot")[0])
    monkeypatch.setenv("NO_PROXY", "")
    user = api.user(1001, "Alice")
    api.private_chat(user)
    request = BoundedRequest(read_timeout=2.0)
    async with Bot(api.token, base_url="http://telegram.invalid/bot", request=request) as bot:
        await bot.send_message(user.id, "via the proxy")
    assert [m.text for m in api.sent] == ["via the proxy"]
