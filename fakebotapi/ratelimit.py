"""Sliding-window flood limits like Telegram's (30 messages/s overall, 20/min per group, and
1,000/s for paid broadcasts: sends with allow_paid_broadcast, which have a budget of their own)."""

from __future__ import annotations

import math
from collections import deque


class RateLimiter:
    """Counts delivered sends and tells how long a new one has to wait.

    Only successful sends are recorded (``record``), so failed calls never use up the budget.
    """

    def __init__(
        self, per_second: int = 30, per_group_per_minute: int = 20, paid_per_second: int = 1000
    ) -> None:
        self.per_second = per_second
        self.per_group_per_minute = per_group_per_minute
        self.paid_per_second = paid_per_second
        self._global: deque[float] = deque()
        self._paid: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}

    def reset(self) -> None:
        """Forget all recorded sends."""
        self._global.clear()
        self._paid.clear()
        self._groups.clear()

    def check(self, chat_id: int | None, now: float, paid: bool = False) -> int | None:
        """Seconds to wait (Telegram's retry_after, >= 1) if a send now is over a limit."""
        window, limit = (self._paid, self.paid_per_second) if paid else (
            self._global, self.per_second
        )
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + 1.0 - now))
        if chat_id is not None and chat_id < 0:
            group = self._groups.get(chat_id)
            if group:
                while group and group[0] <= now - 60.0:
                    group.popleft()
                if len(group) >= self.per_group_per_minute:
                    return max(1, math.ceil(group[0] + 60.0 - now))
        return None

    def record(self, chat_id: int | None, now: float, paid: bool = False) -> None:
        """Count a delivered send."""
        (self._paid if paid else self._global).append(now)
        if chat_id is not None and chat_id < 0:
            self._groups.setdefault(chat_id, deque()).append(now)
