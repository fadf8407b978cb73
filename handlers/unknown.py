"""Commands nobody else took. Register these after every other handler of group 0.

In groups they stay silent: the command may be meant for another bot. A command addressed to
another bot (/start@otherbot) is never answered, wherever it is typed."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext

# New messages only: editing an old message is not sending a command again.
PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def _for_another_bot(message: Message) -> bool:
    """/command@somebot where somebot is not this bot."""
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    _name, at, addressee = command.partition("@")
    return bool(at) and addressee.lower() != (message.get_bot().username or "").lower()


async def unknown_command(update: Update, context: BotContext) -> None:
    """Also what a non-owner gets for an owner command: the same reply, nothing revealed."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE or _for_another_bot(message):
        return
    _ = (await chat_scope(update, context))._
    await message.reply_text(_("I don't know that command, see /help"))


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is not None:
        _ = (await chat_scope(update, context))._
        await message.reply_text(_("There is nothing to cancel."))


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button no handler knows (forged, from an old version, or stale): answer it, or the
    user's client shows it loading until Telegram gives up."""
    query = update.callback_query
    if query is not None:
        _ = (await chat_scope(update, context))._
        await query.answer(_("That button has expired."), show_alert=True)


def handlers() -> list[BaseHandler]:
    return [
        # /cancel outside any conversation (each conversation handles its own /cancel).
        CommandHandler("cancel", nothing_to_cancel, filters=PRIVATE_MESSAGES),
        MessageHandler(filters.COMMAND & PRIVATE_MESSAGES, unknown_command),
        CallbackQueryHandler(unknown_button),
    ]
