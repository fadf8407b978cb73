"""Who may configure a chat: anyone in a private chat, the admins in a group.

A group's admin list comes from getChatAdministrators and is kept in memory for a few minutes
(bounded), so a busy group's commands and buttons do not each cost an API call. chat_member
updates (which Telegram sends to admin bots that ask for them) keep a cached list current in
between. Anonymous admins write as the group itself (sender_chat) and count as admins.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from functools import wraps
from typing import Any, TypeVar

from telegram import Bot, ChatMember, ChatMemberRestricted, Update
from telegram.constants import ChatType

from bot.i18n import N_
from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext

ADMIN_TTL_SECONDS = 300.0
MAX_CACHED_CHATS = 2_000
ADMINS_ONLY = N_("Only the group's admins can change this.")

_ADMIN_STATUSES = {ChatMember.ADMINISTRATOR, ChatMember.OWNER}
_CACHE_KEY = "admin_cache"

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
R = TypeVar("R")


class AdminCache:
    """chat id -> {user id: ChatMember} of its admins (the bot too, when it is one)."""

    def __init__(
        self,
        ttl: float = ADMIN_TTL_SECONDS,
        capacity: int = MAX_CACHED_CHATS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.capacity = capacity
        self._clock = clock
        self._chats: OrderedDict[int, tuple[float, dict[int, ChatMember]]] = OrderedDict()

    def get(self, chat_id: int) -> dict[int, ChatMember] | None:
        entry = self._chats.get(chat_id)
        if entry is None or self._clock() - entry[0] > self.ttl:
            self._chats.pop(chat_id, None)
            return None
        self._chats.move_to_end(chat_id)
        return entry[1]

    def put(self, chat_id: int, admins: Sequence[ChatMember]) -> dict[int, ChatMember]:
        members = {member.user.id: member for member in admins}
        self._chats[chat_id] = (self._clock(), members)
        self._chats.move_to_end(chat_id)
        while len(self._chats) > self.capacity:
            self._chats.popitem(last=False)  # the least recently used chat
        return members

    def apply(self, chat_id: int, member: ChatMember) -> None:
        """A member's new status (from a chat_member update), if the chat is cached."""
        entry = self._chats.get(chat_id)
        if entry is None:
            return
        if member.status in _ADMIN_STATUSES:
            entry[1][member.user.id] = member
        else:
            entry[1].pop(member.user.id, None)


def _cache_in(bot_data: dict[str, Any]) -> AdminCache:
    # bot_data is not persisted: the cache lives exactly as long as the process.
    cache = bot_data.get(_CACHE_KEY)
    if not isinstance(cache, AdminCache):
        cache = bot_data[_CACHE_KEY] = AdminCache()
    return cache


def admin_cache(context: BotContext) -> AdminCache:
    return _cache_in(context.bot_data)


async def admins_of(bot: Bot, bot_data: dict[str, Any], chat_id: int) -> dict[int, ChatMember]:
    """A group's admins through the shared cache (handlers and the Mini App alike)."""
    cache = _cache_in(bot_data)
    admins = cache.get(chat_id)
    if admins is None:
        admins = cache.put(chat_id, await bot.get_chat_administrators(chat_id))
    return admins


async def chat_admins(context: BotContext, chat_id: int) -> dict[int, ChatMember]:
    return await admins_of(context.bot, context.bot_data, chat_id)


async def may_configure(update: Update, context: BotContext) -> bool:
    """True in private chats; in groups only for admins, including anonymous admins
    (messages sent as the group itself)."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:
        return False
    if chat.type == ChatType.PRIVATE:
        return True
    message = update.message or update.edited_message
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id
    return user.id in await chat_admins(context, chat.id)


async def refuse(update: Update, context: BotContext, text: str = ADMINS_ONLY) -> None:
    """A clear refusal in the chat's language: an alert for a button, a reply otherwise."""
    _ = (await chat_scope(update, context))._
    if update.callback_query is not None:
        await update.callback_query.answer(_(text), show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(_(text))


def admin_only(
    handler: Callable[[Update, BotContext], Coroutine[Any, Any, R]], refusal: str = ADMINS_ONLY
) -> Callable[[Update, BotContext], Coroutine[Any, Any, R | None]]:
    """Run the handler for those who may configure the chat (returning what it returns, e.g. a
    conversation's next step); refuse everyone else."""

    @wraps(handler)
    async def guarded(update: Update, context: BotContext) -> R | None:
        if await may_configure(update, context):
            return await handler(update, context)
        await refuse(update, context, refusal)
        return None

    return guarded


async def bot_can_post(context: BotContext, chat_id: int) -> bool:
    """Whether the bot may send messages in a group (reminders need it): admins may; a
    restricted bot or, for plain members, the group's default permissions may say no."""
    admins = await chat_admins(context, chat_id)
    if context.bot.id in admins:
        return True
    me = await context.bot.get_chat_member(chat_id, context.bot.id)
    if isinstance(me, ChatMemberRestricted):
        return me.can_send_messages
    if me.status != ChatMember.MEMBER:
        return False  # left or banned
    permissions = (await context.bot.get_chat(chat_id)).permissions
    return permissions is None or bool(permissions.can_send_messages)


async def track_admins(update: Update, context: BotContext) -> None:
    """chat_member / my_chat_member: keep the cached admin list of the chat current."""
    change = update.chat_member or update.my_chat_member
    if change is not None:
        admin_cache(context).apply(change.chat.id, change.new_chat_member)
