"""The reminder sweep: one repeating job that sends every due reminder exactly once.

Per sweep, batches of due cards are read through the next_remind_at index. For each card
the passed, undelivered moments are worked out: the latest is sent, the earlier ones are
recorded as skipped (catch-up after downtime). Each send is bracketed by two commits:

    claim:  Delivery row status "sending"      (committed before the message goes out)
    result: status "sent" + next_remind_at     (committed right after)

A crash between the two leaves the row "sending" and the card still due, so the next
sweep sends it again: at most one duplicate per crash, never a loss. Sends are
sequential for that reason; the rate limiter paces them within Telegram's limits.

The 09:00 peak (bot.reminders.peak): a burst goes out nearest expiry first; with
REMINDER_EARLY_WINDOW a large one starts early enough to end on time; with
ALLOW_PAID_BROADCAST reminders are paid broadcasts with up to PAID_SEND_WINDOW sends in
flight (so a crash may repeat up to that many). Should Telegram refuse a paid send (the
bot's Stars are spent), the reminder goes out free and the rest of the sweep with it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.domain.preferences import ChatPolicy
from bot.domain.schedule import after_send, retry_at, unschedule
from bot.reminders.leader import SweepLeader
from bot.reminders.message import offset_for, reminder_keyboard, reminder_text
from bot.reminders.moments import Moment, days_left, due_moments, reminder_moments
from bot.reminders.peak import PlanningRate, burst_horizon, early_window, send_window
from bot.reminders.retention import Pruner
from bot.runtime.request import AnswerTimedOut
from bot.runtime.services import Services
from storage.models import Card, Chat, Delivery, DeliveryStatus
from storage.repositories.deliveries import FINAL_STATUSES, DeliveryRepository

log = logging.getLogger(__name__)

BATCH_SIZE = 500
MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(hours=1)


@dataclass
class SendJob:
    delivery_id: int
    card_id: int
    chat_id: int
    thread_id: int | None
    text: str
    markup: InlineKeyboardMarkup


@dataclass
class _Outcome:
    job: SendJob
    status: DeliveryStatus
    message_id: int | None
    error: str | None


@dataclass
class SweepReport:
    sent: int = 0
    skipped: int = 0
    retried: int = 0
    failed: int = 0
    blocked_chats: set[int] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.sent or self.skipped or self.retried or self.failed)


def plan_card(
    card: Card, policy: ChatPolicy, existing: dict[int, Delivery], now: datetime
) -> tuple[Moment | None, list[Moment]]:
    """(the moment to send now, the passed moments to record as skipped). `now` is the
    horizon of the sweep: later than the clock when a burst starts early."""
    delivered = _final(existing)
    moments = reminder_moments(
        card.expires_on, policy.leads_for(card), policy.remind_at, policy.timezone,
        policy.overdue_days,
    )
    passed, _upcoming = due_moments(moments, delivered, now)
    if card.snoozed_until is not None and card.snoozed_until <= now:
        local_day = now.astimezone(ZoneInfo(policy.timezone)).date()
        snooze = Moment(offset_for(card.expires_on, local_day), card.snoozed_until)
        earlier = [m for m in passed if m.offset_days != snooze.offset_days]
        # Sent even when today's reminder already was: "in 1 hour" asked for another one.
        return snooze, earlier
    if not passed:
        return None, []
    return passed[-1], passed[:-1]


class ReminderEngine:
    def __init__(
        self, services: Services, bot: Bot, keep_going: Callable[[], bool] = lambda: True
    ) -> None:
        self.services = services
        self.bot = bot
        self.leader = SweepLeader(services.db)
        # Checked between batches: on shutdown the batch in progress is finished, then the
        # sweep stops, so nothing claimed is left half-done longer than necessary.
        self._keep_going = keep_going
        self._closed = False
        self._lock = asyncio.Lock()
        self._paid = services.settings.allow_paid_broadcast  # until Telegram refuses it
        self._planning = PlanningRate()
        self._pruner = Pruner(services)
        self._outcomes: list[_Outcome] = []  # sent, waiting for _store
        self._writing = asyncio.Lock()

    async def close(self) -> None:
        self._closed = True
        async with self._lock:
            await self.leader.release()

    async def sweep(self, wait: bool = False) -> SweepReport:
        """Send what is due. While a sweep runs, another returns at once, unless `wait`: then
        it runs after it (`renewbot chat` moves the clock and waits for what fell due)."""
        report = SweepReport()
        if self._lock.locked() and not wait:
            return report  # the previous sweep is still running
        async with self._lock:
            if self._closed or not await self.leader.acquire():
                return report
            self._paid = self.services.settings.allow_paid_broadcast
            horizon: datetime | None = None
            while self._keep_going() and not self._closed:
                now = self.services.now()
                # Once a burst has started early it goes on to its end.
                horizon = max(await self._horizon(now), horizon or now)
                jobs, skipped = await self._claim_batch(now, horizon)
                report.skipped += skipped
                if not jobs:
                    await self._pruner.prune()  # nothing waits: tidy up
                    break
                started = time.monotonic()
                if not await self._deliver_batch(jobs, report):
                    return report  # Telegram asked us to slow down: next sweep
                if len(jobs) == BATCH_SIZE:
                    self._planning.record(self._paid, len(jobs), time.monotonic() - started)
        if report:
            log.info(
                "sweep: sent=%d skipped=%d retried=%d failed=%d",
                report.sent, report.skipped, report.retried, report.failed,
            )
        return report

    async def _horizon(self, now: datetime) -> datetime:
        """Up to which moment reminders go out now (REMINDER_EARLY_WINDOW; see peak.py)."""
        window = early_window(self.services.settings)
        if not window:
            return now
        async with self.services.db.session(readonly=True) as session:
            due = await DeliveryRepository(session).due_counts(now + window)
        return burst_horizon(
            now,
            due,
            self._planning.per_second(self._paid),
            timedelta(seconds=self.services.settings.reminder_sweep_seconds),
        )

    async def _claim_batch(self, now: datetime, horizon: datetime) -> tuple[list[SendJob], int]:
        settings = self.services.settings
        jobs: list[SendJob] = []
        skipped = 0
        async with self.services.db.session() as session:
            repo = DeliveryRepository(session)
            rows = await repo.due_cards(
                now, BATCH_SIZE, until=horizon, skip_locked=self.services.db.is_postgres
            )
            if not rows:
                return [], 0
            existing = await repo.for_moments((c.id, c.expires_on) for c, _ in rows)  # type: ignore[misc]
            for card, chat in rows:
                policy = ChatPolicy.of(chat, settings)
                deliveries = existing[(card.id, card.expires_on)]  # type: ignore[index]
                if not policy.enabled or card.lapsed:
                    unschedule(card)
                    continue
                send, skip = plan_card(card, policy, deliveries, horizon)
                for moment in skip:
                    _set_status(repo, card, deliveries, moment, DeliveryStatus.SKIPPED)
                skipped += len(skip)
                if send is None:
                    # Stale index entry (e.g. a snooze that met an already sent moment).
                    after_send(card, policy, _final(deliveries), now)
                    continue
                delivery = _set_status(repo, card, deliveries, send, DeliveryStatus.SENDING)
                await session.flush()
                lang = chat.language or "en"
                # Sent early, it speaks of the day it is meant for.
                left = days_left(card.expires_on, max(now, send.at), policy.timezone)
                jobs.append(
                    SendJob(
                        delivery_id=delivery.id,  # type: ignore[arg-type]
                        card_id=card.id,  # type: ignore[arg-type]
                        chat_id=chat.id,
                        thread_id=card.thread_id or chat.reminder_thread_id,
                        text=reminder_text(card, left, lang),
                        markup=reminder_keyboard(card.id, lang),  # type: ignore[arg-type]
                    )
                )
        return jobs, skipped

    async def _deliver_batch(self, jobs: list[SendJob], report: SweepReport) -> bool:
        """Send a claimed batch in order, `send_window` at a time. False when Telegram asked
        to slow down: the rest stays claimed and due, and goes out at a later sweep."""
        slots = asyncio.Semaphore(send_window(self._paid))
        go_on = True

        async def deliver(job: SendJob) -> None:
            nonlocal go_on
            try:
                if not await self._deliver(job, report):
                    go_on = False
            finally:
                slots.release()

        async with asyncio.TaskGroup() as sends:
            for job in jobs:
                await slots.acquire()
                if not go_on:
                    slots.release()
                    break
                sends.create_task(deliver(job))
        return go_on

    async def _deliver(self, job: SendJob, report: SweepReport) -> bool:
        """Send one reminder and record the outcome. False when the sweep should pause."""
        try:
            message_id = await self._send(job)
        except RetryAfter as exc:
            # AIORateLimiter already waited and retried; Telegram still says slow down.
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            await self._retry_later(job, f"429 retry after {seconds}s", timedelta(seconds=seconds))
            report.retried += 1
            return False
        except Forbidden as exc:
            await self._chat_gone(job, str(exc))
            report.failed += 1
            report.blocked_chats.add(job.chat_id)
            return True
        except BadRequest as exc:
            log.warning("reminder for card %s failed for good: %s", job.card_id, exc)
            await self._finish(job, DeliveryStatus.FAILED, error=str(exc))
            report.failed += 1
            return True
        except TimedOut as exc:
            if not isinstance(exc, AnswerTimedOut):  # nothing was sent
                await self._retry_later(job, str(exc) or type(exc).__name__, None)
                report.retried += 1
                return True
            # The request was sent in full and only the answer is missing: Telegram has
            # almost certainly delivered it. Sending again would be a duplicate the user
            # sees; recording it as sent risks (rarely) a reminder that never arrived.
            log.warning("reminder for card %s: no answer in time; counted as sent", job.card_id)
            await self._finish(job, DeliveryStatus.SENT, error="unconfirmed: read timeout")
            report.sent += 1
            return True
        except NetworkError as exc:  # 5xx and connection failures
            await self._retry_later(job, str(exc) or type(exc).__name__, None)
            report.retried += 1
            return True
        await self._finish(job, DeliveryStatus.SENT, message_id=message_id)
        report.sent += 1
        return True

    async def _send(self, job: SendJob) -> int:
        try:
            message = await self._send_to(job, job.chat_id)
        except ChatMigrated as exc:
            await self.services.chats.migrated(job.chat_id, exc.new_chat_id)
            log.info("chat %s migrated to %s; resending", job.chat_id, exc.new_chat_id)
            job.chat_id = exc.new_chat_id
            message = await self._send_to(job, job.chat_id)
        return message

    async def _send_to(self, job: SendJob, chat_id: int) -> int:
        paid = self._paid
        try:
            message = await self._send_message(job, chat_id, paid)
        except BadRequest as refused:
            if not paid:
                raise
            # E.g. the bot's Stars are spent: a free send still reaches the user, later.
            message = await self._send_message(job, chat_id, False)
            if self._paid:
                self._paid = False
                log.warning("paid broadcast refused (%s); this sweep sends free", refused)
        return message.message_id

    async def _send_message(self, job: SendJob, chat_id: int, paid: bool) -> Message:
        return await self.bot.send_message(
            chat_id,
            job.text,
            reply_markup=job.markup,
            message_thread_id=job.thread_id,
            allow_paid_broadcast=paid or None,
        )

    async def _finish(
        self,
        job: SendJob,
        status: DeliveryStatus,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record a send's outcome. Outcomes that come in while others are being written
        are written together, in one transaction: with many paid sends in flight, one
        transaction per send would be what limits the pace. A send keeps its slot in the
        window until its outcome is stored, so a crash still repeats at most send_window."""
        self._outcomes.append(_Outcome(job, status, message_id, error))
        async with self._writing:
            outcomes, self._outcomes = self._outcomes, []
            if outcomes:
                await self._store(outcomes)

    async def _store(self, outcomes: list[_Outcome]) -> None:
        now = self.services.now()
        async with self.services.db.session() as session:
            repo = DeliveryRepository(session)
            deliveries = await repo.get_many(o.job.delivery_id for o in outcomes)
            cards = await repo.cards_with_chats(o.job.card_id for o in outcomes)
            finished: list[tuple[Card, Chat]] = []
            for outcome in outcomes:
                delivery = deliveries.get(outcome.job.delivery_id)
                found = cards.get(outcome.job.card_id)
                if delivery is None or found is None:
                    continue  # the card was deleted meanwhile
                delivery.status = outcome.status.value
                delivery.attempts += 1
                delivery.chat_id = outcome.job.chat_id
                delivery.message_id = outcome.message_id
                delivery.error = outcome.error[:255] if outcome.error else None
                if outcome.status == DeliveryStatus.SENT:
                    delivery.sent_at = now
                finished.append(found)
            moments = await repo.for_moments((c.id, c.expires_on) for c, _ in finished)  # type: ignore[misc]
            for card, chat in finished:
                after_send(
                    card,
                    ChatPolicy.of(chat, self.services.settings),
                    _final(moments[(card.id, card.expires_on)]),  # type: ignore[index]
                    now,
                )

    async def _retry_later(self, job: SendJob, error: str, after: timedelta | None) -> None:
        now = self.services.now()
        async with self.services.db.session() as session:
            repo = DeliveryRepository(session)
            delivery = await repo.get(job.delivery_id)
            found = await repo.cards_with_chats([job.card_id])
            if delivery is None or job.card_id not in found:
                return
            if delivery.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("giving up on reminder for card %s: %s", job.card_id, error)
            else:
                delivery.attempts += 1
                delivery.status = DeliveryStatus.RETRY.value
                delivery.error = error[:255]
                sweep = timedelta(seconds=self.services.settings.reminder_sweep_seconds)
                backoff = after or min(sweep * 2 ** (delivery.attempts - 1), MAX_BACKOFF)
                retry_at(found[job.card_id][0], now + backoff)
                return
        await self._finish(job, DeliveryStatus.FAILED, error=error)

    async def _chat_gone(self, job: SendJob, error: str) -> None:
        """The bot was blocked or removed: the reminder failed, and the chat is paused until
        it comes back (/start)."""
        log.info("chat %s blocked or removed the bot; pausing its reminders", job.chat_id)
        async with self.services.db.session() as session:
            delivery = await DeliveryRepository(session).get(job.delivery_id)
            if delivery is not None:
                delivery.status = DeliveryStatus.FAILED.value
                delivery.attempts += 1
                delivery.error = error[:255]
        await self.services.chats.blocked(job.chat_id)


def _final(deliveries: dict[int, Delivery]) -> set[int]:
    return {offset for offset, d in deliveries.items() if d.status in FINAL_STATUSES}


def _set_status(
    repo: DeliveryRepository,
    card: Card,
    deliveries: dict[int, Delivery],
    moment: Moment,
    status: DeliveryStatus,
) -> Delivery:
    delivery = deliveries.get(moment.offset_days)
    if delivery is None:
        delivery = Delivery(
            card_id=card.id,  # type: ignore[arg-type]
            expires_on=card.expires_on,
            offset_days=moment.offset_days,
            status=status.value,
            due_at=moment.at,
        )
        repo.add(delivery)
        deliveries[moment.offset_days] = delivery
    else:
        delivery.status = status.value
    return delivery
