"""Commands nobody else took. Register these after every other handler of group 0.

In groups they stay silent: the command may be meant for another bot. A command addressed to
another bot (/start@otherbot) is never answered, wherever it is typed."""

from __future__ import annotations

from html import escape

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.knowledge.understand import command_meant
from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext

# New messages only: editing an old message is not sending a command again.
PRIVATE_MESSAGES = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE


def _command(message: Message) -> tuple[str, str]:
    """(name, addressee) of the command the message starts with: ("start", "somebot")."""
    command = (message.text or "").split(maxsplit=1)[0] if message.text else ""
    name, _at, addressee = command.removeprefix("/").partition("@")
    return name, addressee


async def unknown_command(update: Update, context: BotContext) -> None:
    """A mistyped command gets the one it was probably meant to be ("/adcard" -> /addcard).
    Also what a non-owner gets for an owner command: the same reply, nothing revealed (owner
    commands are never suggested)."""
    message = update.effective_message
    if message is None or message.chat.type != ChatType.PRIVATE:
        return
    name, addressee = _command(message)
    if addressee and addressee.lower() != (message.get_bot().username or "").lower():
        return
    _ = (await chat_scope(update, context))._
    meant = command_meant(name)
    if meant is None:
        await message.reply_text(_("I don't know that command, see /help"))
    else:
        await message.reply_text(
            _("I don't know /{typed}. Did you mean /{command}?").format(
                typed=escape(name), command=meant
            )
        )


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
