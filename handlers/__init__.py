"""Feature handlers. Each module exposes `handlers()`; nothing happens at import time."""

from __future__ import annotations

from telegram.ext import Application

from handlers import chat_settings, language, membership, reminders, start


def register_handlers(application: Application) -> None:  # type: ignore[type-arg]
    # Group -1 sees every update first (chat bookkeeping), then features in group 0.
    for handler in membership.handlers():
        application.add_handler(handler, group=-1)
    for module in (start, language, chat_settings, reminders):
        for handler in module.handlers():
            application.add_handler(handler)
