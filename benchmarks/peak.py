"""The 09:00 peak, simulated in virtual time: how late are N reminders that all fall due at
one minute? Prints one JSON object: p50 / p99 / max lateness in seconds (negative: the
message left before the remind time) for 1,000, 10,000 and 100,000 reminders, without and
with each option (REMINDER_EARLY_WINDOW, ALLOW_PAID_BROADCAST, both), plus how late the
last urgent reminder (expiring today or overdue) is.

A real burst of 100,000 takes an hour at Telegram's 30 messages a second, so the sweep is
replayed on a virtual clock with the engine's own parts: sweeps every
REMINDER_SWEEP_SECONDS (the burst's minute falls mid-way between two), batches of
engine.BATCH_SIZE claimed nearest expiry first (as DeliveryRepository.due_cards orders
them), the early start re-planned before every batch with peak.burst_horizon at the
engine's planning pace, sends paced by bot.runtime.ratelimit.Pacer at the limiter's rates with
peak.send_window sends in flight, each taking --rtt-ms to come back. What it leaves out
is the bot's own cost per send: benchmarks/reminders.py measures the real dispatch rate.

    python benchmarks/peak.py [--sizes 1000,10000,100000] [--window-minutes 60] [--rtt-ms 0]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.reminders.engine import BATCH_SIZE  # noqa: E402
from bot.reminders.peak import (  # noqa: E402
    PLANNING_SHARE,
    PlanningRate,
    burst_horizon,
    send_rate,
    send_window,
)
from bot.runtime.ratelimit import Pacer  # noqa: E402

DUE = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SWEEP_SECONDS = 60.0  # the default REMINDER_SWEEP_SECONDS
DAY = 86_400.0
URGENT_SHARE = 0.25  # expiring today or overdue; the rest are 1, 3 or 7 days ahead


@dataclass(frozen=True, order=True)
class Reminder:
    days_left: int  # the sort key of due_cards: nearest expiry first
    number: int


def reminders(count: int, seed: int = 15) -> list[Reminder]:
    rng = random.Random(seed)
    return [
        Reminder(rng.choice((-3, -2, -1, 0)) if rng.random() < URGENT_SHARE
                 else rng.choice((1, 3, 7)), n)
        for n in range(count)
    ]


def simulate(
    burst: list[Reminder],
    *,
    window_minutes: int,
    paid: bool,
    rtt: float,
    bot_per_second: float | None = None,
    by_number: bool = False,
) -> list[tuple[Reminder, float]]:
    """(reminder, seconds from the remind time to when it left) for a burst due at DUE.
    The virtual clock counts seconds from the remind time (a Pacer's clock starts at 0,
    so the pacer is handed the time plus a day)."""
    pending = sorted(burst, key=(lambda r: r.number) if by_number else None)
    rate = min(send_rate(paid), bot_per_second or send_rate(paid))
    pacer = Pacer(1 / rate)
    window = send_window(paid)
    planning = PlanningRate()
    achieved = min(rate, window / rtt) if rtt else rate
    if achieved < send_rate(paid):  # learnt from an earlier burst, as the engine does
        planning.record(paid, BATCH_SIZE, BATCH_SIZE / achieved)
    early = window_minutes * 60.0
    sent: list[tuple[Reminder, float]] = []
    # Sweeps fall mid-way between two minutes: on average that is where they are.
    clock = -early - SWEEP_SECONDS / 2
    while pending:
        horizon = clock
        while pending:  # one sweep: batches until nothing is due by the horizon
            now = DUE + timedelta(seconds=clock)
            if early:
                due = [(DUE, len(pending))] if clock + early >= 0 else []
                planned = burst_horizon(
                    now, due, planning.per_second(paid), timedelta(seconds=SWEEP_SECONDS)
                )
                horizon = max(horizon, (planned - DUE).total_seconds())
            else:
                horizon = clock
            if horizon < 0:
                break
            batch, pending = pending[:BATCH_SIZE], pending[BATCH_SIZE:]
            returns: deque[float] = deque()  # when the sends in flight come back
            for reminder in batch:
                ready = clock
                if len(returns) == window:
                    ready = max(ready, returns.popleft())
                leaves = pacer.reserve(ready + DAY) - DAY
                sent.append((reminder, leaves))
                returns.append(leaves + rtt)
            clock = max(returns)
        if pending:  # the next sweep
            clock = (int((clock + SWEEP_SECONDS / 2) // SWEEP_SECONDS) + 1) * SWEEP_SECONDS
            clock -= SWEEP_SECONDS / 2
    return sent


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def summary(sent: list[tuple[Reminder, float]]) -> dict[str, float]:
    lateness = sorted(at for _, at in sent)
    urgent = [at for reminder, at in sent if reminder.days_left <= 0]
    return {
        "p50_s": round(statistics.median(lateness), 1),
        "p99_s": round(percentile(lateness, 0.99), 1),
        "max_s": round(lateness[-1], 1),
        "first_s": round(lateness[0], 1),
        "urgent_max_s": round(max(urgent), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--window-minutes", type=int, default=60)
    parser.add_argument("--rtt-ms", type=float, default=0.0,
                        help="round trip of one send (0: shorter than the pacing interval)")
    parser.add_argument("--bot-per-second", type=float, default=None,
                        help="what the bot itself can send (benchmarks/reminders.py "
                             "paid_dispatch measures it); default: no limit of its own")
    args = parser.parse_args()
    rtt = args.rtt_ms / 1000
    variants = {
        "default": {"window_minutes": 0, "paid": False},
        f"early_window_{args.window_minutes}": {"window_minutes": args.window_minutes,
                                                "paid": False},
        "paid_broadcast": {"window_minutes": 0, "paid": True},
        f"paid_and_early_window_{args.window_minutes}": {
            "window_minutes": args.window_minutes, "paid": True},
    }
    results: dict[str, object] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        burst = reminders(size)
        row: dict[str, object] = {
            name: summary(simulate(  # type: ignore[arg-type]
                burst, rtt=rtt, bot_per_second=args.bot_per_second, **options
            ))
            for name, options in variants.items()
        }
        unordered = summary(simulate(burst, window_minutes=0, paid=False, rtt=rtt,
                                     by_number=True))
        row["default_without_urgent_first"] = {"urgent_max_s": unordered["urgent_max_s"]}
        results[str(size)] = row
    print(json.dumps({
        "lateness_by_reminders_due_at_one_minute": results,
        "assumptions": {
            "sweep_seconds": SWEEP_SECONDS,
            "free_per_second": send_rate(False),
            "paid_per_second": send_rate(True),
            "paid_sends_in_flight": send_window(True),
            "planning_share": PLANNING_SHARE,
            "urgent_share": URGENT_SHARE,
            "rtt_ms": args.rtt_ms,
            "bot_per_second": args.bot_per_second,
        },
    }, indent=2))


if __name__ == "__main__":
    main()
