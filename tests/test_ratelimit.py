"""The pacing limiter keeps any sliding window within Telegram's limits, at full speed."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.runtime.ratelimit import PAID_MESSAGES_PER_SECOND, Pacer, TelegramRateLimiter


def _max_in_window(times: list[float], window: float) -> int:
    """Largest number of times in any half-open window (t - window, t]."""
    return max(i + 1 - bisect_left(times, t - window + 1e-9) for i, t in enumerate(times))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=0.2), min_size=50, max_size=300))
def test_overall_pacer_never_exceeds_30_per_second(gaps: list[float]) -> None:
    pacer = Pacer(1 / 29)
    now, sent = 0.0, []
    for gap in gaps:  # requests arrive with arbitrary gaps, each leaves at its slot
        now += gap
        sent.append(pacer.reserve(now))
        now = max(now, sent[-1])
    assert sent == sorted(sent)
    assert _max_in_window(sent, 1.0) <= 30


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=10), min_size=30, max_size=200))
def test_group_pacer_never_exceeds_20_per_minute(gaps: list[float]) -> None:
    pacer = Pacer(4.0, burst=5)
    now, sent = 0.0, []
    for gap in gaps:
        now += gap
        sent.append(pacer.reserve(now))
    assert _max_in_window(sorted(sent), 60.0) <= 20


def test_back_to_back_requests_run_at_the_configured_rate() -> None:
    pacer = Pacer(1 / 29)
    slots = [pacer.reserve(0.0) for _ in range(291)]
    assert abs((slots[-1] - slots[0]) - 10.0) < 1e-9  # 290 intervals of 1/29 s


def test_burst_leaves_at_once_then_paces() -> None:
    pacer = Pacer(4.0, burst=5)
    slots = [pacer.reserve(0.0) for _ in range(7)]
    assert slots[:5] == [0.0] * 5
    assert slots[5:] == [4.0, 8.0]


def test_hold_until_delays_everything() -> None:
    pacer = Pacer(1 / 29)
    pacer.hold_until(5.0)
    assert pacer.reserve(1.0) >= 5.0


async def test_paid_broadcasts_have_their_own_budget_of_1000_per_second() -> None:
    """In virtual time: paid sends leave at up to 1,000 a second and do not hold back the
    free ones, which stay within 30 a second."""
    clock = [0.0]

    async def sleep(seconds: float) -> None:
        clock[0] += seconds

    limiter = TelegramRateLimiter(clock=lambda: clock[0], sleep=sleep)
    sent: dict[bool, list[float]] = {True: [], False: []}

    async def send(paid: bool) -> bool:
        sent[paid].append(clock[0])
        return True

    for n in range(3000):
        paid = n % 30 != 0  # one free send among every 30
        data = {"chat_id": 1000 + n, "allow_paid_broadcast": paid} if paid else {"chat_id": n}
        await limiter.process_request(send, (paid,), {}, "sendMessage", data, None)
    assert _max_in_window(sent[True], 1.0) <= 1000
    assert _max_in_window(sent[False], 1.0) <= 30
    paid_rate = (len(sent[True]) - 1) / (sent[True][-1] - sent[True][0])
    assert paid_rate > 30 * 20  # far beyond the free limit
    assert paid_rate <= PAID_MESSAGES_PER_SECOND + 1e-6
