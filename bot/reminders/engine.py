"""The reminder sweep: one repeating job that sends every due reminder exactly once.

Per sweep, batches of due cards are read through the next_remind_at index. For each card
the passed, undelivered moments are worked out: the latest is sent, the earlier ones are
recorded as skipped (catch-up after downtime). Each send is bracketed by two commits:

    claim:  Delivery row status "sending"      (committed before the message goes out)
    result: status "sent" + next_remind_at     (committed right after)

A crash between the two leaves the row "sending" and the card still due, so the next
sweep sends it again: at most one duplicate per crash, never a loss. Sends are
sequential for that reason; AIORateLimiter paces them within Telegram's limits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.reminders.leader import SweepLeader
from bot.reminders.message import offset_for, reminder_keyboard, reminder_text
from bot.reminders.moments import Moment, days_left, due_moments, reminder_moments
from bot.reminders.policy import ChatPolicy
from bot.reminders.schedule import compute_next_remind_at
from bot.services import Services
from storage.models import Card, Chat, Delivery, DeliveryStatus
from storage.repositories.chats import ChatRepository
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
    """(the moment to send now, the passed moments to record as skipped)."""
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
            while self._keep_going() and not self._closed:
                jobs, skipped = await self._claim_batch()
                report.skipped += skipped
                if not jobs:
                    break
                for job in jobs:
                    if not await self._deliver(job, report):
                        return report  # Telegram asked us to slow down: next sweep
        if report:
            log.info(
                "sweep: sent=%d skipped=%d retried=%d failed=%d",
                report.sent, report.skipped, report.retried, report.failed,
            )
        return report

    async def _claim_batch(self) -> tuple[list[SendJob], int]:
        settings = self.services.settings
        now = self.services.now()
        jobs: list[SendJob] = []
        skipped = 0
        async with self.services.db.session() as session:
            repo = DeliveryRepository(session)
            rows = await repo.due_cards(now, BATCH_SIZE, skip_locked=self.services.db.is_postgres)
            if not rows:
                return [], 0
            existing = await repo.for_moments((c.id, c.expires_on) for c, _ in rows)  # type: ignore[misc]
            for card, chat in rows:
                policy = ChatPolicy.of(chat, settings)
                deliveries = existing[(card.id, card.expires_on)]  # type: ignore[index]
                if not policy.enabled or card.lapsed:
                    card.next_remind_at = None
                    continue
                send, skip = plan_card(card, policy, deliveries, now)
                for moment in skip:
                    _set_status(repo, card, deliveries, moment, DeliveryStatus.SKIPPED)
                skipped += len(skip)
                if send is None:
                    # Stale index entry (e.g. a snooze that met an already sent moment).
                    card.snoozed_until = None
                    card.next_remind_at = compute_next_remind_at(
                        card, policy, _final(deliveries), now
                    )
                    continue
                delivery = _set_status(repo, card, deliveries, send, DeliveryStatus.SENDING)
                await session.flush()
                lang = chat.language or "en"
                left = days_left(card.expires_on, now, policy.timezone)
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
            if not _reached_telegram(exc):
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
            async with self.services.db.session() as session:
                await ChatRepository(session).migrate(job.chat_id, exc.new_chat_id)
            log.info("chat %s migrated to %s; resending", job.chat_id, exc.new_chat_id)
            job.chat_id = exc.new_chat_id
            message = await self._send_to(job, job.chat_id)
        return message

    async def _send_to(self, job: SendJob, chat_id: int) -> int:
        message = await self.bot.send_message(
            chat_id,
            job.text,
            reply_markup=job.markup,
            message_thread_id=job.thread_id,
        )
        return message.message_id

    async def _finish(
        self,
        job: SendJob,
        status: DeliveryStatus,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        now = self.services.now()
        async with self.services.db.session() as session:
            delivery = await DeliveryRepository(session).get(job.delivery_id)
            card = await session.get(Card, job.card_id)
            if delivery is None or card is None:
                return  # the card was deleted meanwhile
            delivery.status = status.value
            delivery.attempts += 1
            delivery.chat_id = job.chat_id
            delivery.message_id = message_id
            delivery.error = error[:255] if error else None
            if status == DeliveryStatus.SENT:
                delivery.sent_at = now
            chat = await session.get(Chat, card.chat_id)
            assert chat is not None
            card.snoozed_until = None
            delivered = await DeliveryRepository(session).delivered_offsets(
                job.card_id, card.expires_on
            )
            card.next_remind_at = compute_next_remind_at(
                card, ChatPolicy.of(chat, self.services.settings), delivered, now
            )

    async def _retry_later(self, job: SendJob, error: str, after: timedelta | None) -> None:
        now = self.services.now()
        async with self.services.db.session() as session:
            delivery = await DeliveryRepository(session).get(job.delivery_id)
            card = await session.get(Card, job.card_id)
            if delivery is None or card is None:
                return
            if delivery.attempts + 1 >= MAX_ATTEMPTS:
                log.warning("giving up on reminder for card %s: %s", job.card_id, error)
            else:
                delivery.attempts += 1
                delivery.status = DeliveryStatus.RETRY.value
                delivery.error = error[:255]
                sweep = timedelta(seconds=self.services.settings.reminder_sweep_seconds)
                backoff = after or min(sweep * 2 ** (delivery.attempts - 1), MAX_BACKOFF)
                card.next_remind_at = now + backoff
                return
        await self._finish(job, DeliveryStatus.FAILED, error=error)

    async def _chat_gone(self, job: SendJob, error: str) -> None:
        """The bot was blocked or removed: pause the chat until it comes back (/start)."""
        log.info("chat %s blocked or removed the bot; pausing its reminders", job.chat_id)
        async with self.services.db.session() as session:
            await ChatRepository(session).set_active(job.chat_id, False)
            delivery = await DeliveryRepository(session).get(job.delivery_id)
            if delivery is not None:
                delivery.status = DeliveryStatus.FAILED.value
                delivery.attempts += 1
                delivery.error = error[:255]
            await DeliveryRepository(session).pause_chat(job.chat_id)


def _reached_telegram(error: TimedOut) -> bool:
    """True for a read timeout: the whole request went out, the answer never came back
    (PTB raises TimedOut from the httpx error; pool and connect timeouts sent nothing)."""
    return isinstance(error.__cause__, httpx.ReadTimeout)


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
