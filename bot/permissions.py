"""Who may change a chat's settings: anyone in a private chat, admins in a group."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.constants import ChatType

from bot.services import BotContext

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}


async def may_configure(update: Update, context: BotContext) -> bool:
    """True in private chats; in groups only for admins, including anonymous admins
    (messages sent as the group itself)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.effective_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in _ADMIN_STATUSES
