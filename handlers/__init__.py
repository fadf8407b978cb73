"""Feature handlers. Each module exposes `handlers()`; nothing happens at import time."""

from __future__ import annotations

from telegram.ext import Application, ChatMemberHandler

from bot.runtime import updatelog
from bot.runtime.permissions import track_admins
from handlers import (
    cards,
    chat_settings,
    export_import,
    group_cards,
    group_faq,
    group_settings,
    guide,
    language,
    membership,
    owner,
    questions,
    reminders,
    start,
    stats,
    unknown,
    webapp,
)


def register_handlers(application: Application) -> None:
    # The update log brackets every other group (it times each update).
    application.add_handler(updatelog.first(), group=updatelog.FIRST_GROUP)
    application.add_handler(updatelog.last(), group=updatelog.LAST_GROUP)
    # Group -4 sets an owner's command menu once they first write (a group of its own: it
    # looks at every update), group -2 keeps the cached group admin lists current, group -1
    # sees every update first (chat bookkeeping), then features in group 0.
    application.add_handler(
        ChatMemberHandler(track_admins, ChatMemberHandler.ANY_CHAT_MEMBER), group=-2
    )
    for handler in membership.handlers():
        application.add_handler(handler, group=-1)
    application.add_handler(owner.menu_handler(), group=-4)
    for module in (start, language, chat_settings, reminders, cards, guide, export_import, stats,
                   group_settings, group_faq, group_cards, owner):
        for handler in module.handlers():
            application.add_handler(handler)
    # Free-text questions come last in group 0, where PTB runs only the first handler that
    # matches: any command or conversation step registered before them wins the update.
    for handler in webapp.handlers(application.services.settings):  # type: ignore[attr-defined]
        application.add_handler(handler)
    for handler in questions.handlers():
        application.add_handler(handler)
    # Then the commands nobody took (after questions, which never take a command).
    for handler in unknown.handlers():
        application.add_handler(handler)
