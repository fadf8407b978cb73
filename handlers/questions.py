"""Free-text questions answered from the knowledge base.

Private chats: every text no other handler took. Groups: only texts that mention the bot or
reply to it; the group's own FAQ rows win there. The chat's recorded carriers make "how do I
renew my card?" answer with that carrier's guide.
"""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, MessageEntity, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, MessageHandler, filters

from bot.chatcache import ChatKnowledge
from bot.chatscope import ChatScope, chat_scope, scope_for
from bot.knowledge import CustomEntry, KnowledgeBase, Match, render
from bot.services import BotContext
from handlers.guide import entry_data, home_keyboard, home_page
from storage.repositories.cards import CardRepository
from storage.repositories.chats import ChatRepository
from storage.repositories.faq import FaqRepository

# New messages only: an edited old question is not a new question.
_TEXT = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
# What a user might send instead of typing; stickers are reactions and are left alone.
_MEDIA = (
    filters.UpdateType.MESSAGE
    & filters.ChatType.PRIVATE
    & (filters.PHOTO | filters.VIDEO | filters.VOICE | filters.AUDIO | filters.Document.ALL)
)


def _addressed_to_bot(message: Message, bot_id: int, mention: str) -> bool:
    """The group message mentions the bot or replies to one of its messages (not to a forum
    topic the bot opened, which every message in that topic formally replies to)."""
    reply = message.reply_to_message
    if reply and reply.from_user and reply.from_user.id == bot_id:
        return reply.forum_topic_created is None
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    return any(text.lower() == mention for text in mentions)


async def _read(
    update: Update, context: BotContext, private: bool
) -> tuple[ChatScope, ChatKnowledge]:
    """The chat (for its language), the group's own FAQ entries (private chats have none)
    and the chat's card carriers: from the cache, or one short read."""
    assert update.effective_chat is not None
    chat_id = update.effective_chat.id
    cache = context.services.chat_cache
    known = cache.get(chat_id)
    if known is None:
        async with context.db.session(readonly=True) as session:
            chat = await ChatRepository(session).get(chat_id)
            if chat is not None:
                rows = [] if private else await FaqRepository(session).list(chat_id)
                known = ChatKnowledge(
                    chat=chat,
                    custom=tuple(CustomEntry(r.id, r.question, r.answer) for r in rows if r.id),
                    carriers=tuple(await CardRepository(session).carriers(chat_id)),
                )
        if known is None:  # first contact: chat_scope registers it, with nothing of its own
            scope = await chat_scope(update, context)
            return scope, ChatKnowledge(chat=scope.chat)
        cache.put(chat_id, known)
    return scope_for(known.chat, update), known


def _reply(scope: ChatScope, match: Match) -> tuple[str, InlineKeyboardMarkup | None]:
    _ = scope._
    if match.kind == "answer" and match.entry is not None:
        return render(match.entry, scope.lang), None
    if match.kind == "choices":
        rows = [
            [InlineKeyboardButton(entry.title(scope.lang), callback_data=entry_data(entry))]
            for entry in match.candidates
        ]
        return "🤔 " + _("Did you mean…"), InlineKeyboardMarkup(rows)
    text = "{}\n\n{}".format(
        _("I'm not sure what you mean."),
        _("Pick a topic from the renewal guide, or ask in other words."),
    )
    return text, home_keyboard(scope.lang)


async def question(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or message.text is None:
        return
    private = message.chat.type == ChatType.PRIVATE
    mention = f"@{context.bot.username}".lower()
    if not private and not _addressed_to_bot(message, context.bot.id, mention):
        return
    text = re.sub(re.escape(mention) + r"(?!\w)", " ", message.text, flags=re.I).strip()
    scope, known = await _read(update, context, private)
    if not text:  # just "@bot": show what can be asked
        page = home_page(scope)
        await message.reply_text(page.text, reply_markup=page.markup)
        return
    match = KnowledgeBase.load().match(
        text, scope.lang, custom=known.custom, user_carriers=known.carriers
    )
    reply, markup = _reply(scope, match)
    await message.reply_text(reply, reply_markup=markup)


async def media_hint(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    _ = (await chat_scope(update, context))._
    await message.reply_text(
        _("I can only read typed questions. Type yours, or send /renew for the guide.")
    )


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    """Catch-alls: register them after every other handler of their group."""
    return [MessageHandler(_TEXT, question), MessageHandler(_MEDIA, media_hint)]

