"""Fault injection: scripted and random failures of Bot API calls."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, get_args

from .objects import ApiError

FaultKind = Literal["429", "403", "migrate", "5xx", "delay", "hang"]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)


def _norm_chat(chat_id: Any) -> int | str | None:
    if chat_id is None or isinstance(chat_id, bool):
        return None
    if isinstance(chat_id, int):
        return chat_id
    text = str(chat_id)
    try:
        return int(text)
    except ValueError:
        return text.lower()


@dataclass(slots=True, eq=False)
class Fault:
    """A scripted failure for the next ``times`` matching calls (``None`` = until cleared)."""

    method: str
    """Telegram method name (case-insensitive) or "*" for every method."""
    kind: FaultKind
    times: int | None = 1
    chat_id: int | str | None = None
    retry_after: int = 1
    migrate_to: int | None = None
    delay: float = 0.0
    """Seconds to wait for "delay"; for "hang" how long the answer is held (0 = default)."""
    status: int = 500
    description: str | None = None
    hits: int = 0
    """How many calls this fault has hit so far."""

    @property
    def exhausted(self) -> bool:
        """True once the fault has fired ``times`` times."""
        return self.times is not None and self.hits >= self.times

    def matches(self, method_lower: str, chat_id: int | str | None) -> bool:
        """Does this fault apply to a call of ``method_lower`` for ``chat_id``?"""
        if self.exhausted:
            return False
        if self.method != "*" and self.method.lower() != method_lower:
            return False
        return self.chat_id is None or _norm_chat(self.chat_id) == chat_id

    def error(self, chat_id: int | str | None) -> ApiError | None:
        """The error answer of this fault; None for "delay"/"hang" (the call then proceeds)."""
        if self.kind == "429":
            return ApiError(
                429,
                self.description or f"Too Many Requests: retry after {self.retry_after}",
                {"retry_after": self.retry_after},
            )
        if self.kind == "403":
            return ApiError(403, self.description or "Forbidden: bot was blocked by the user")
        if self.kind == "migrate":
            target = self.migrate_to
            if target is None:
                base = abs(chat_id) if isinstance(chat_id, int) else 1234567890
                target = int(f"-100{base}")
            return ApiError(
                400,
                self.description or "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": target},
            )
        if self.kind == "5xx":
            try:
                phrase = HTTPStatus(self.status).phrase
            except ValueError:
                phrase = "Internal Server Error"
            return ApiError(self.status, self.description or phrase)
        return None


@dataclass(slots=True)
class RandomFaults:
    """Probabilistic faults applied to calls of ``methods`` (a seeded RNG keeps runs stable)."""

    p_5xx: float = 0.0
    p_timeout: float = 0.0
    p_429: float = 0.0
    methods: frozenset[str] = frozenset({"sendmessage"})
    timeout_delay: float = 30.0
    retry_after: int = 1
    seed: int = 0
    rng: random.Random = field(default_factory=random.Random)


class FaultInjector:
    """Keeps scripted faults and the random-fault setting; picks the fault for each call."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.random: RandomFaults | None = None

    @property
    def active(self) -> bool:
        """True when any fault could fire (fast path for the request handler)."""
        return bool(self.faults) or self.random is not None

    def add(self, fault: Fault) -> Fault:
        """Register a scripted fault."""
        if fault.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {fault.kind!r}; use one of {FAULT_KINDS}")
        if fault.kind == "5xx" and not 500 <= fault.status <= 599:
            raise ValueError("status of a 5xx fault must be in 500..599")
        self.faults.append(fault)
        return fault

    def set_random(
        self,
        *,
        p_5xx: float,
        p_timeout: float,
        p_429: float,
        seed: int,
        methods: Iterable[str],
        timeout_delay: float,
        retry_after: int,
    ) -> None:
        """Replace the random-fault setting (all probabilities 0 switches it off)."""
        if p_5xx + p_timeout + p_429 <= 0:
            self.random = None
            return
        if p_5xx < 0 or p_timeout < 0 or p_429 < 0 or p_5xx + p_timeout + p_429 > 1:
            raise ValueError("fault probabilities must be >= 0 and sum to at most 1")
        self.random = RandomFaults(
            p_5xx=p_5xx,
            p_timeout=p_timeout,
            p_429=p_429,
            methods=frozenset(m.lower() for m in methods),
            timeout_delay=timeout_delay,
            retry_after=retry_after,
            seed=seed,
            rng=random.Random(seed),
        )

    def clear(self) -> None:
        """Remove scripted and random faults."""
        self.faults.clear()
        self.random = None

    def pick(self, method_lower: str, chat_id: Any) -> Fault | None:
        """The fault for this call (its hit counter is advanced), or None."""
        chat = _norm_chat(chat_id)
        for fault in self.faults:
            if fault.matches(method_lower, chat):
                fault.hits += 1
                if fault.exhausted:
                    self.faults.remove(fault)
                return fault
        rnd = self.random
        if rnd is None or ("*" not in rnd.methods and method_lower not in rnd.methods):
            return None
        r = rnd.rng.random()
        if r < rnd.p_5xx:
            return Fault(method_lower, "5xx", hits=1)
        if r < rnd.p_5xx + rnd.p_timeout:
            return Fault(method_lower, "hang", delay=rnd.timeout_delay, hits=1)
        if r < rnd.p_5xx + rnd.p_timeout + rnd.p_429:
            return Fault(method_lower, "429", retry_after=rnd.retry_after, hits=1)
        return None
