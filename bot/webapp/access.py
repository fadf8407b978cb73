"""Whose cards a Mini App user reaches: their private chat's (read and write), and a group's
when Telegram says they are in it: its admins change them, other members only read them, as
in the chat commands (bot.runtime.permissions). Any other chat is "not found"."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from telegram import ChatMember, ChatMemberRestricted
from telegram.constants import ChatType
from telegram.error import TelegramError

from bot.runtime.permissions import admins_of
from bot.runtime.services import RenewBotApplication, Services
from bot.webapp.initdata import WebAppUser
from storage.models import Chat
from storage.repositories.chats import ChatRepository

log = logging.getLogger(__name__)

_MEMBER_STATUSES = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}


@dataclass(frozen=True)
class Access:
    chat: Chat
    lang: str  # the chat's language, else the user's
    can_edit: bool


async def _is_member(application: RenewBotApplication, chat_id: int, user_id: int) -> bool:
    member = await application.bot.get_chat_member(chat_id, user_id)
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return member.status in _MEMBER_STATUSES


async def _chat_row(services: Services, chat_id: int) -> Chat | None:
    """The chat's row through the chat row cache the handlers share (Services.chat_rows)."""

    async def load() -> Chat | None:
        async with services.db.session(readonly=True) as session:
            return await ChatRepository(session).get(chat_id)

    return await services.chat_rows.fetch(chat_id, load)


async def access_to(
    application: RenewBotApplication, user: WebAppUser, chat_id: int | None
) -> Access | None:
    """The chat `user` asks for (None: their own private chat), or None when it is not theirs
    to see."""
    wanted = user.id if chat_id is None else chat_id
    chat = await _chat_row(application.services, wanted)
    if wanted == user.id:
        if chat is None:  # registered on first contact, as in chat
            async with application.services.db.session() as session:
                chat, _created = await ChatRepository(session).ensure(
                    user.id, ChatType.PRIVATE, None, user.language
                )
        return Access(chat, chat.language or user.language, can_edit=True)
    if chat is None or chat.type == ChatType.PRIVATE:  # someone else's private chat
        return None
    try:
        admins = await admins_of(application.bot, application.bot_data, chat.id)
        can_edit = user.id in admins
        if not can_edit and not await _is_member(application, chat.id, user.id):
            return None
    except TelegramError as error:  # the bot left the group, or Telegram is unreachable
        log.info("mini app: no access to chat %s for %s: %s", chat.id, user.id, error)
        return None
    return Access(chat, chat.language or user.language, can_edit=can_edit)
