"""Chat bookkeeping: the bot blocked, removed or added, and groups becoming supergroups."""

from __future__ import annotations

import logging

from telegram import ChatMember, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, ChatMemberHandler, MessageHandler, filters

from bot.runtime.chatscope import language_of, scope_for
from bot.runtime.services import BotContext
from handlers.start import group_greeting

log = logging.getLogger(__name__)

_GONE = {ChatMember.BANNED, ChatMember.LEFT}


async def bot_membership_changed(update: Update, context: BotContext) -> None:
    change = update.my_chat_member
    if change is None:
        return
    chat = change.chat
    was_in = change.old_chat_member.status not in _GONE
    is_in = change.new_chat_member.status not in _GONE
    if was_in and not is_in:
        await context.services.chats.blocked(chat.id)
        log.info("chat %s is inactive: bot %s", chat.id, change.new_chat_member.status)
        return
    if is_in and not was_in:
        row = await context.services.chats.unblocked(
            chat.id, chat.type, chat.title, language_of(update)
        )
        if chat.type != ChatType.PRIVATE:
            _ = scope_for(row, update)._
            await context.bot.send_message(chat.id, group_greeting(_, chat.title))


async def group_migrated(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.migrate_to_chat_id is None:
        return
    moved = await context.services.chats.migrated(message.chat.id, message.migrate_to_chat_id)
    context.application.migrate_chat_data(message=message)  # PTB's chat_data, persisted too
    log.info("group %s became %s (moved=%s)", message.chat.id, message.migrate_to_chat_id, moved)


def handlers() -> list[BaseHandler]:
    return [
        ChatMemberHandler(bot_membership_changed, ChatMemberHandler.MY_CHAT_MEMBER),
        MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated),
    ]
