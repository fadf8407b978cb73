"""Ways into the Mini App when WEBAPP_URL is set: the bot's menu button, /app, and an
"Open in app" button under /cards. Without WEBAPP_URL none of this exists.

Telegram opens Mini Apps from inline buttons only in private chats; a group gets a t.me link
that opens the bot's Main Mini App (set in @BotFather) with the group as its start
parameter (g<chat id>), which the page passes on as the chat it shows.
"""

from __future__ import annotations

import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonWebApp,
    Update,
    WebAppInfo,
)
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, BaseHandler, CommandHandler

from bot.i18n import DEFAULT_LANGUAGE, N_, Translator, translator
from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext
from bot.settings import Settings

log = logging.getLogger(__name__)

OPEN_IN_APP = N_("📱 Open in app")


def app_button(settings: Settings, chat_id: int, chat_type: str, bot_username: str | None,
               _: Translator) -> InlineKeyboardButton | None:
    """The button that opens the app on this chat's cards (None: no app configured)."""
    url = settings.webapp_url
    if url is None:
        return None
    if chat_type == ChatType.PRIVATE:
        return InlineKeyboardButton(_(OPEN_IN_APP), web_app=WebAppInfo(url))
    if not bot_username:
        return None
    return InlineKeyboardButton(
        _(OPEN_IN_APP), url=f"https://t.me/{bot_username}?startapp=g{chat_id}"
    )


def app_row(context: BotContext, chat_id: int, chat_type: str,
            _: Translator) -> list[list[InlineKeyboardButton]]:
    """A keyboard row with the app's button, or no row."""
    button = app_button(context.settings, chat_id, chat_type, context.bot.username, _)
    return [[button]] if button is not None else []


async def app_command(update: Update, context: BotContext) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    text = (
        _("All your cards on one screen: open the app.")
        if chat.type == ChatType.PRIVATE
        else _("This group's cards on one screen: open the app (admins can change them, "
               "everyone else can look).")
    )
    await message.reply_text(
        text, reply_markup=InlineKeyboardMarkup(app_row(context, chat.id, chat.type, _))
    )


async def set_menu_button(application: Application) -> None:
    """The menu button next to the chat's text field opens the app (when it is configured)."""
    url = application.services.settings.webapp_url  # type: ignore[attr-defined]
    if url is None:
        return
    _ = translator(DEFAULT_LANGUAGE)  # one button for every chat: the default language
    try:
        await application.bot.set_chat_menu_button(
            menu_button=MenuButtonWebApp(_(N_("Cards")), WebAppInfo(url))
        )
    except TelegramError as error:  # e.g. Telegram refuses a URL that is not https
        log.warning("could not set the menu button to the app: %s", error)


def handlers(settings: Settings) -> list[BaseHandler]:
    return [CommandHandler("app", app_command)] if settings.webapp_url is not None else []
