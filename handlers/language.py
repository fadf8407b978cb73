"""/language [zh|en]: the chat's language, typed or picked with buttons."""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, Language, LanguageChoice, MenuButton
from bot.i18n import normalize_language, translator
from bot.runtime.chatscope import chat_scope
from bot.runtime.permissions import admin_only
from bot.runtime.services import BotContext

LANGUAGE_NAMES: dict[Language, str] = {"zh": "中文", "en": "English"}


def language_name(code: str) -> str:
    """A language's own name; the code itself for one the bot does not speak."""
    return next((name for lang, name in LANGUAGE_NAMES.items() if lang == code), code)


def language_row(
    button: Callable[[Language], CallbackData] = LanguageChoice,
) -> list[InlineKeyboardButton]:
    """One button per language (the /settings menu passes its own kind of button)."""
    return [
        InlineKeyboardButton(name, callback_data=button(code).pack())
        for code, name in LANGUAGE_NAMES.items()
    ]


_CHOICES = InlineKeyboardMarkup([language_row()])


async def _save(update: Update, context: BotContext, language: str) -> str:
    chat = update.effective_chat
    assert chat is not None
    await context.services.chats.set_language(chat.id, language)
    _ = translator(language)
    return _("Done: I will speak English in this chat.")


@admin_only
async def language_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    if not context.args:
        await message.reply_text(_("Choose a language:"), reply_markup=_CHOICES)
        return
    language = normalize_language(" ".join(context.args))
    if language is None:
        await message.reply_text(
            _("I don't know that language. Choose one:"), reply_markup=_CHOICES
        )
        return
    await message.reply_text(await _save(update, context, language))


@admin_only
async def language_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = LanguageChoice.from_update(update)
    if query is None or button is None:
        return
    await query.answer()
    await query.edit_message_text(await _save(update, context, button.language))


async def language_menu_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None:
        return
    scope = await chat_scope(update, context)
    await query.answer()
    await query.edit_message_text(scope._("Choose a language:"), reply_markup=_CHOICES)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("language", language_command),
        CallbackQueryHandler(language_button, pattern=LanguageChoice.pattern),
        CallbackQueryHandler(language_menu_button, pattern=MenuButton.matching(item="language")),
    ]
