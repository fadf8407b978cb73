"""Per-update view of the chat a handler serves: its stored row and its language."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType

from bot.i18n import Translator, pick_language, translator
from bot.knowledge.reply_language import writes_chinese
from bot.runtime.services import BotContext
from storage.models import Chat
from storage.repositories.chats import ChatRepository


@dataclass(frozen=True)
class ChatScope:
    chat: Chat
    lang: str
    _: Translator


@dataclass(frozen=True, slots=True)
class LoadedChat:
    """The scope chat_scope gave this update, and the chat row cache's generation when its
    row was read."""

    scope: ChatScope
    read_at: int


async def chat_scope(update: Update, context: BotContext) -> ChatScope:
    """The update's chat (registered on first contact) and its language.

    Read at most once per update: the scope is kept on the update's context until this
    process commits a change to a chat (then the handler that changed it sees its change),
    and rows come from the chat row cache (Services.chat_rows) while it holds them. A chat
    without a stored language follows the user's Telegram language_code.
    """
    tg_chat = update.effective_chat
    if tg_chat is None:
        raise ValueError("update without a chat")
    rows = context.services.chat_rows
    loaded = context.loaded_chat
    if (
        loaded is not None
        and loaded.scope.chat.id == tg_chat.id
        and not rows.changed_since(tg_chat.id, loaded.read_at)
    ):
        return loaded.scope
    read_at = rows.generation
    chat = await rows.fetch(tg_chat.id, lambda: _load(update, context, tg_chat.id))
    assert chat is not None
    scope = scope_for(chat, update)
    context.loaded_chat = LoadedChat(scope, read_at)
    return scope


async def adopt_written_language(update: Update, context: BotContext, text: str) -> ChatScope:
    """The scope for a message the user wrote to the bot that it understood (a question, a
    request in words; not garbage, which must change nothing).

    A private chat starts in the language of the user's Telegram app; the first understood
    message written in Chinese in a chat that never chose a language makes Chinese the chat's
    language (a Chinese speaker on an English phone gets Chinese menus, conversations and
    reminders), as if chosen with /language, which can change it. Deciding once keeps a
    bilingual user's menus from flipping with every message (and the bot from writing on every
    question).
    """
    scope = await chat_scope(update, context)
    chat = scope.chat
    if chat.type != ChatType.PRIVATE or chat.language_chosen:
        return scope
    # Only Chinese is adopted: Latin text in a Chinese speaker's chat is often a pasted name,
    # code or markup, and each English question is answered in English anyway (reply_language).
    if scope.lang == "zh" or not writes_chinese(text):
        return scope
    chat = await context.services.chats.adopt_language(chat, "zh")
    # The commit dropped the cached row: the saved one replaces it, with no second read.
    rows = context.services.chat_rows
    rows.put(chat.id, chat)
    scope = scope_for(chat, update)
    context.loaded_chat = LoadedChat(scope, rows.generation)
    return scope


async def _load(update: Update, context: BotContext, chat_id: int) -> Chat:
    async with context.db.session(readonly=True) as session:
        chat = await ChatRepository(session).get(chat_id)
    if chat is None:
        tg_chat = update.effective_chat
        assert tg_chat is not None
        async with context.db.session() as session:
            chat, _created = await ChatRepository(session).ensure(
                chat_id, tg_chat.type, tg_chat.title, language_of(update)
            )
    return chat


def scope_for(chat: Chat, update: Update) -> ChatScope:
    """The scope of an already loaded chat row."""
    lang = chat.language or language_of(update)
    return ChatScope(chat=chat, lang=lang, _=translator(lang))


def language_of(update: Update) -> str:
    """The user's language from Telegram alone, for when the database cannot be asked."""
    user = update.effective_user
    return pick_language(user.language_code if user else None)
