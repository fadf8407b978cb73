"""The reminder sweep as one PTB JobQueue (APScheduler) repeating job."""

from __future__ import annotations

from telegram.ext import Application

from bot.reminders.engine import ReminderEngine
from bot.runtime.services import BotContext, RenewBotApplication

SWEEP_JOB_NAME = "reminder-sweep"


async def sweep_job(context: BotContext) -> None:
    engine = context.services.reminders
    if engine is not None:
        await engine.sweep()


def start_reminders(application: Application) -> ReminderEngine:
    assert isinstance(application, RenewBotApplication)
    assert application.job_queue is not None, "install python-telegram-bot[job-queue]"
    engine = ReminderEngine(
        application.services, application.bot, keep_going=lambda: application.running
    )
    application.services.reminders = engine
    application.job_queue.run_repeating(
        sweep_job,
        interval=application.services.settings.reminder_sweep_seconds,
        first=0.5,  # catch up on whatever fell due while the bot was down
        name=SWEEP_JOB_NAME,
        # The engine itself skips a sweep while the previous one runs; letting APScheduler
        # start the overlapping run keeps it from logging a warning every interval.
        job_kwargs={"max_instances": 2, "coalesce": True, "misfire_grace_time": None},
    )
    return engine


async def stop_reminders(application: Application) -> None:
    assert isinstance(application, RenewBotApplication)
    engine = application.services.reminders
    if engine is not None:
        await engine.close()
        application.services.reminders = None
