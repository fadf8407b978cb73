"""/start, /help and the main menu."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import MenuButton
from bot.i18n import Translator
from bot.runtime.chatscope import chat_scope, language_of, scope_for
from bot.runtime.commands import Audience, commands_for
from bot.runtime.services import BotContext


def main_menu(_: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("➕ Add a card"), callback_data=MenuButton("addcard").pack()
                ),
                InlineKeyboardButton(_("🗂 My cards"), callback_data=MenuButton("cards").pack()),
            ],
            [InlineKeyboardButton(_("📖 How to renew"), callback_data=MenuButton("renew").pack())],
            [
                InlineKeyboardButton(_("❓ Help"), callback_data=MenuButton("help").pack()),
                InlineKeyboardButton(
                    _("🌐 Language"), callback_data=MenuButton("language").pack()
                ),
            ],
        ]
    )


async def start(update: Update, context: BotContext) -> None:
    message = update.effective_message
    tg_chat = update.effective_chat
    user = update.effective_user
    if message is None or tg_chat is None:
        return
    # /start re-activates a chat that had blocked the bot, and its reminders resume.
    chat = await context.services.chats.started(
        tg_chat.id, tg_chat.type, tg_chat.title, language_of(update)
    )
    _ = scope_for(chat, update)._
    name = escape(user.first_name) if user else ""
    if tg_chat.type == "private":
        text = _(
            "👋 Hi {name}! I help you keep your SIM cards, data cards and eSIMs alive: "
            "I answer renewal questions and remind you before a card expires."
        ).format(name=name)
        text += "\n\n" + _("Send /help to see everything I can do.")
    else:
        text = group_greeting(_, tg_chat.title)
    await message.reply_text(text, reply_markup=main_menu(_))


def group_greeting(_: Translator, title: str | None) -> str:
    return (
        _(
            "👋 Hello, {title}! I answer renewal questions for SIM cards, data cards and "
            "eSIMs, and group admins can set me up to remind the group before cards expire."
        ).format(title=escape(title or ""))
        + "\n\n"
        + _("Send /help to see everything I can do.")
    )


def help_text(_: Translator, chat_type: str, *, webapp: bool = False) -> str:
    audiences = (
        (Audience.PRIVATE,) if chat_type == "private" else (Audience.GROUP, Audience.GROUP_ADMIN)
    )
    title = _("What I can do")
    lines = [f"<b>{title}</b>"]
    seen: set[str] = set()
    for audience in audiences:
        for command in commands_for(audience, webapp=webapp):
            if command.name in seen:
                continue
            seen.add(command.name)
            usage = f"/{command.name}" + (f" {escape(_(command.args))}" if command.args else "")
            lines.append(f"{usage} — {escape(_(command.description))}")
    if chat_type != "private":
        lines.append("")
        lines.append(_("Settings commands in a group are for its admins."))
    return "\n".join(lines)


async def help_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    scope = await chat_scope(update, context)
    await message.reply_text(help_text(
        scope._, update.effective_chat.type, webapp=context.settings.webapp_url is not None
    ))


async def help_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or update.effective_chat is None:
        return
    scope = await chat_scope(update, context)
    await query.answer()
    await query.edit_message_text(help_text(
        scope._, update.effective_chat.type, webapp=context.settings.webapp_url is not None
    ))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("start", start),
        CommandHandler("help", help_command),
        CallbackQueryHandler(help_button, pattern=MenuButton.matching(item="help")),
    ]
