"""The HTTP client for Bot API calls: aiohttp, with a fixed number of requests in flight.

PTB's own client (HTTPXRequest) costs more CPU than everything else an update needs: httpcore
walks every open connection, and checks each idle one's socket with two system calls, when a
request starts and again when it ends. A bare echo bot spent 1.9 ms of CPU per update on
PTB's client and 0.44 ms on this one (benchmarks/updates.py, 2026-11-30), so this bot's replies
cost less than the echo bot's.

Telegram takes at most ~30 messages a second, so a few kept-alive connections carry the load;
requests beyond them wait here, in order, and none waits for a free connection with a timeout
(HTTPXRequest's pool timeout), which would fail a reply the bot could still send.
"""

from __future__ import annotations

import asyncio
from functools import cache
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# 16 round trips of up to 300 ms (Telegram from Asia) carry 50 requests a second: the
# limiter's 29 messages plus edits and callback answers.
IN_FLIGHT = 16
# PTB's defaults for HTTPXRequest.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0


class AnswerTimedOut(TimedOut):
    """The request went out whole and its answer did not come back in time: Telegram may
    have acted on it (a message may have been sent). Other timeouts sent nothing."""


class BoundedRequest(BaseRequest):
    """At most `in_flight` requests at a time, over as many kept-alive connections.

    aiohttp has no write timeout: a Bot API call's form goes out in one write, and an
    upload's (exports, charts) is bounded by the read timeout of the answer after it.
    """

    __slots__ = ("_connect_timeout", "_read_timeout", "_session", "_slots", "in_flight")

    def __init__(
        self,
        in_flight: int = IN_FLIGHT,
        read_timeout: float | None = READ_TIMEOUT,
        connect_timeout: float | None = CONNECT_TIMEOUT,
    ) -> None:
        self.in_flight = in_flight
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._slots = asyncio.Semaphore(in_flight)
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        # The session belongs to the running event loop, so it is made here, not in __init__.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.in_flight),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("BoundedRequest is not initialized")
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=_given(connect_timeout, self._connect_timeout),
            sock_read=_given(read_timeout, self._read_timeout),
        )
        async with self._slots:
            try:
                async with self._session.request(
                    method, url, data=_body(request_data), timeout=timeout, proxy=_proxy_for(url)
                ) as response:
                    return response.status, await response.read()
            except aiohttp.SocketTimeoutError as error:
                raise AnswerTimedOut from error
            except TimeoutError as error:  # connecting
                raise TimedOut from error
            except aiohttp.ClientError as error:
                raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _proxy_for(url: str) -> str | None:
    """The proxy HTTPS_PROXY / HTTP_PROXY name for the URL's host (unless NO_PROXY lists it),
    as PTB's client honours them: Telegram is often reached through one."""
    parts = urlsplit(url)
    return _env_proxy(parts.scheme, parts.hostname or "")


@cache
def _env_proxy(scheme: str, host: str) -> str | None:
    # Once per host (the Bot API's, its files'): aiohttp's trust_env would read the
    # environment and ~/.netrc in a worker thread for every request.
    if proxy_bypass(host):
        return None
    return getproxies().get(scheme)


def _given(timeout: ODVInput[float], default: float | None) -> float | None:
    return default if isinstance(timeout, DefaultValue) else timeout


def _body(request_data: RequestData | None) -> dict[str, str] | aiohttp.FormData | None:
    """A form, as PTB's client sends it; multipart with the files when there are any."""
    if request_data is None:
        return None
    fields = request_data.json_parameters
    if not request_data.contains_files:
        return fields
    form = aiohttp.FormData()
    for name, value in fields.items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in request_data.multipart_data.items():
        form.add_field(name, content, filename=filename, content_type=mimetype)
    return form
