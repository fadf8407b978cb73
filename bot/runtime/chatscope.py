"""Per-update view of the chat a handler serves: its stored row and its language."""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Update

from bot.i18n import Translator, pick_language, translator
from bot.runtime.services import BotContext
from storage.models import Chat
from storage.repositories.chats import ChatRepository


@dataclass(frozen=True)
class ChatScope:
    chat: Chat
    lang: str
    _: Translator


async def chat_scope(update: Update, context: BotContext) -> ChatScope:
    """Load (registering on first contact) the update's chat and pick its language.

    A chat without a stored language follows the user's Telegram language_code.
    """
    tg_chat = update.effective_chat
    if tg_chat is None:
        raise ValueError("update without a chat")
    async with context.db.session(readonly=True) as session:
        chat = await ChatRepository(session).get(tg_chat.id)
    if chat is None:
        async with context.db.session() as session:
            chat, _created = await ChatRepository(session).ensure(
                tg_chat.id, tg_chat.type, tg_chat.title, language_of(update)
            )
    return scope_for(chat, update)


def scope_for(chat: Chat, update: Update) -> ChatScope:
    """The scope of an already loaded chat row."""
    lang = chat.language or language_of(update)
    return ChatScope(chat=chat, lang=lang, _=translator(lang))


def language_of(update: Update) -> str:
    """The user's language from Telegram alone, for when the database cannot be asked."""
    user = update.effective_user
    return pick_language(user.language_code if user else None)
