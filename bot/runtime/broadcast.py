"""Sending an owner's broadcast to every recipient, resumable after a crash or restart.

Each recipient is claimed ("sending", committed) before its message goes out and gets its
outcome right after, as the reminders' deliveries are. Claims are paced at the rate limiter's
speed, so a claimed message leaves at once instead of queueing. A runner that dies leaves only
the sends that were in flight claimed; the next runner sends them again: a crash loses no
message, and at most those in flight (never more than CONCURRENCY) may arrive twice.
Only one instance runs broadcasts (an advisory lock on PostgreSQL; SQLite has one process),
so a claimed row found at start is always a dead runner's. Sends go through the
application's Bot and so through its rate limiter.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application

from bot.i18n import translator
from bot.reminders.leader import SweepLeader
from bot.runtime.ratelimit import MESSAGES_PER_SECOND, Pacer
from bot.runtime.services import BotContext, RenewBotApplication, Services
from storage.models import Broadcast, RecipientStatus
from storage.repositories.broadcasts import BroadcastRepository
from storage.repositories.chats import ChatRepository

log = logging.getLogger(__name__)

CONCURRENCY = 8  # sends in flight: enough to keep 30 msg/s going over a slow link
PROGRESS_SECONDS = 3.0  # the progress message is edited at most this often
MAX_ATTEMPTS = 3  # for Telegram's 5xx and flood-control answers
BROADCAST_LOCK_KEY = 0x52454E42


class BroadcastRunner:
    def __init__(
        self, services: Services, bot: Bot, keep_going: Callable[[], bool] = lambda: True
    ) -> None:
        self.services = services
        self.bot = bot
        self.leader = SweepLeader(services.db, key=BROADCAST_LOCK_KEY, role="the broadcasts")
        # Checked before each claim: on shutdown the sends in flight finish, the rest wait
        # for the next start.
        self._keep_going = keep_going
        self._lock = asyncio.Lock()
        self._pacer = Pacer(1 / MESSAGES_PER_SECOND)

    async def run_pending(self) -> None:
        """Run every broadcast that is sending, one after the other."""
        if self._lock.locked():
            return  # already running: it (or the next check) takes up new broadcasts
        async with self._lock:
            if not await self.leader.acquire():
                return
            try:
                while self._keep_going():
                    async with self.services.db.session(readonly=True) as session:
                        broadcast = await BroadcastRepository(session).next_sending()
                    if broadcast is None or not await self._run(broadcast):
                        break
            finally:
                await self.leader.release()

    async def _run(self, broadcast: Broadcast) -> bool:
        """Send to every pending recipient; True when the broadcast is complete."""
        assert broadcast.id is not None
        broadcast_id = broadcast.id
        async with self.services.db.session() as session:
            requeued = await BroadcastRepository(session).requeue_stale(broadcast_id)
        if requeued:
            log.info("broadcast %s: sending %d interrupted messages again", broadcast_id, requeued)
        slots = asyncio.Semaphore(CONCURRENCY)
        reported = time.monotonic()
        async with asyncio.TaskGroup() as sends:
            while self._keep_going():
                await slots.acquire()
                await self._next_slot()
                async with self.services.db.session() as session:
                    claimed = await BroadcastRepository(session).claim(broadcast_id)
                if claimed is None:
                    slots.release()
                    break
                sends.create_task(self._send(broadcast_id, broadcast.text, *claimed, slots))
                if time.monotonic() - reported >= PROGRESS_SECONDS:
                    reported = time.monotonic()
                    await self._report(broadcast, final=False)
        async with self.services.db.session() as session:
            done = await BroadcastRepository(session).finish(broadcast_id, self.services.now())
        await self._report(broadcast, final=done)
        return done

    async def _next_slot(self) -> None:
        now = time.monotonic()
        await asyncio.sleep(max(self._pacer.reserve(now) - now, 0.0))

    async def _send(
        self,
        broadcast_id: int,
        text: str,
        chat_id: int,
        thread_id: int | None,
        slots: asyncio.Semaphore,
    ) -> None:
        try:
            chat_id, status, error = await self._attempt(text, chat_id, thread_id)
            async with self.services.db.session() as session:
                await BroadcastRepository(session).record(
                    broadcast_id, chat_id, status, self.services.now(), error
                )
            if status == RecipientStatus.BLOCKED:
                await self.services.chats.blocked(chat_id)
        finally:
            slots.release()

    async def _attempt(
        self, text: str, chat_id: int, thread_id: int | None
    ) -> tuple[int, RecipientStatus, str | None]:
        """Send one message: (the chat id it went to, its outcome, the error)."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self.bot.send_message(chat_id, text, message_thread_id=thread_id)
                return chat_id, RecipientStatus.DELIVERED, None
            except ChatMigrated as exc:
                await self.services.chats.migrated(chat_id, exc.new_chat_id)
                chat_id = exc.new_chat_id
            except Forbidden as exc:
                return chat_id, RecipientStatus.BLOCKED, str(exc)
            except (BadRequest, TimedOut) as exc:
                # A timed-out request may have arrived: never send it twice.
                return chat_id, RecipientStatus.FAILED, str(exc)
            except RetryAfter as exc:  # the rate limiter has retried already
                await asyncio.sleep(_seconds(exc.retry_after))
            except TelegramError as exc:  # 5xx, connection refused: nothing was sent
                if attempt == MAX_ATTEMPTS:
                    return chat_id, RecipientStatus.FAILED, str(exc)
                await asyncio.sleep(attempt)
        return chat_id, RecipientStatus.FAILED, "gave up after repeated retries"

    async def _report(self, broadcast: Broadcast, *, final: bool) -> None:
        """Edit the owner's progress message; it is only a view, so failures are logged."""
        if broadcast.id is None or broadcast.message_id is None:
            return
        async with self.services.db.session(readonly=True) as session:
            counts = await BroadcastRepository(session).counts(broadcast.id)
            chat = await ChatRepository(session).get(broadcast.chat_id)
        language = chat.language if chat else None
        text = progress_text(broadcast.id, counts, language, final=final)
        try:
            await self.bot.edit_message_text(text, broadcast.chat_id, broadcast.message_id)
        except TelegramError as exc:
            log.warning("could not update broadcast %s progress: %s", broadcast.id, exc)


def progress_text(
    broadcast_id: int, counts: dict[str, int], language: str | None, *, final: bool
) -> str:
    _ = translator(language)
    total = sum(counts.values())
    done = total - counts.get(RecipientStatus.PENDING, 0) - counts.get(RecipientStatus.SENDING, 0)
    tally = _("✅ {delivered} delivered · 🚫 {blocked} blocked · ⚠️ {failed} failed").format(
        delivered=counts.get(RecipientStatus.DELIVERED, 0),
        blocked=counts.get(RecipientStatus.BLOCKED, 0),
        failed=counts.get(RecipientStatus.FAILED, 0),
    )
    if final:
        head = _("📣 Broadcast #{id} finished.").format(id=broadcast_id)
    else:
        head = _("📣 Broadcast #{id}: sent to {done} of {total} chats…").format(
            id=broadcast_id, done=done, total=total
        )
    return f"{head}\n{tally}"


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


RUNNER_KEY = "broadcast_runner"
CHECK_SECONDS = 30.0  # how soon a broadcast left by a stopped or failed runner is taken up


def start_broadcasts(application: Application) -> None:
    """Create the runner and a repeating job that resumes unfinished broadcasts (at once on
    start-up, then now and then for a broadcast another instance left behind)."""
    assert isinstance(application, RenewBotApplication)
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    application.bot_data[RUNNER_KEY] = BroadcastRunner(
        application.services, application.bot, keep_going=lambda: application.running
    )
    application.job_queue.run_repeating(
        _resume_job,
        interval=CHECK_SECONDS,
        first=0.5,
        name="broadcasts",
        # The runner skips a run while one is going on; see bot.reminders.jobs.
        job_kwargs={"max_instances": 2, "coalesce": True, "misfire_grace_time": None},
    )


def broadcast_runner(context: BotContext) -> BroadcastRunner:
    runner = context.bot_data[RUNNER_KEY]
    assert isinstance(runner, BroadcastRunner)
    return runner


async def _resume_job(context: BotContext) -> None:
    await broadcast_runner(context).run_pending()
