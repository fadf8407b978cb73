"""The HTTP client for Bot API calls: PTB's HTTPXRequest with a fixed number of requests in
flight.

httpcore's pool walks every open connection (and, for each idle one, every connection again)
when a request starts and when it ends, so a request costs more the more connections the pool
holds. PTB's default pool of 256 lets a burst open dozens that then idle: the echo bot in
benchmarks/updates.py spent 1.9 ms of CPU per update with 17 sockets open and 2.9 ms with 35,
depending only on how its warm-up burst happened to land. Telegram takes at most ~30 messages a
second, so a few connections carry the load; requests beyond them wait here, in order, instead
of in httpcore's queue, which is walked the same way.
"""

from __future__ import annotations

import asyncio
from typing import Any

from telegram.request import HTTPXRequest

# 16 round trips of up to 300 ms (Telegram from Asia) carry 50 requests a second: the
# limiter's 29 messages plus edits and callback answers.
IN_FLIGHT = 16


class BoundedRequest(HTTPXRequest):
    """At most `in_flight` requests at a time, over as many kept-alive connections."""

    __slots__ = ("_slots", "in_flight")

    def __init__(self, in_flight: int = IN_FLIGHT, **kwargs: Any) -> None:
        super().__init__(connection_pool_size=in_flight, **kwargs)
        self.in_flight = in_flight
        self._slots = asyncio.Semaphore(in_flight)

    async def do_request(self, *args: Any, **kwargs: Any) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(*args, **kwargs)
