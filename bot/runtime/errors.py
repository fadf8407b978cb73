"""The one error handler: log what happened with enough context, tell the user kindly."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, Forbidden, NetworkError, TelegramError

from bot.i18n import translator
from bot.runtime.chatscope import language_of
from bot.runtime.services import BotContext

log = logging.getLogger("bot.runtime.errors")


def describe_update(update: object) -> str:
    """A one-line summary of an update for logs (ids and kind, not message text)."""
    if not isinstance(update, Update):
        return repr(type(update).__name__)
    chat = update.effective_chat
    user = update.effective_user
    kind = next(
        (name for name in ("message", "edited_message", "callback_query", "my_chat_member",
                           "chat_member", "inline_query") if getattr(update, name, None)),
        "other",
    )
    return (
        f"update_id={update.update_id} kind={kind} "
        f"chat={chat.id if chat else None} user={user.id if user else None}"
    )


async def on_error(update: object, context: BotContext) -> None:
    error = context.error
    # BadRequest subclasses NetworkError in PTB, but it is our bug (bad markup, a message
    # too long, ...), not the network: it takes the full path below.
    if isinstance(error, NetworkError | Forbidden) and not isinstance(error, BadRequest):
        # Telegram unreachable or the user blocked us: nothing to tell anyone.
        log.warning("telegram error while handling %s: %s", describe_update(update), error)
        return
    log.error("error while handling %s", describe_update(update), exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    _ = translator(language_of(update))
    try:
        await context.bot.send_message(
            update.effective_chat.id,
            _("Sorry, something went wrong on my side. Please try again in a moment."),
        )
    except TelegramError:
        log.warning("could not tell chat %s about the error", update.effective_chat.id)
