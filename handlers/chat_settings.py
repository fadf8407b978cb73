"""/timezone and /remindat: when this chat's reminders arrive. Both recompute its cards."""

from __future__ import annotations

from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.chatscope import ChatScope, chat_scope
from bot.parsing import COMMON_TIMEZONES, InputError, parse_remind_at, parse_timezone
from bot.permissions import may_configure
from bot.reminders.policy import ChatPolicy
from bot.reminders.schedule import refresh_chat
from bot.services import BotContext
from storage.repositories.chats import ChatRepository

_REMIND_TIMES = ("08:00", "09:00", "12:00", "18:00", "20:00", "21:00")


def _timezone_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(zone, callback_data=f"tz:{zone}") for zone in COMMON_TIMEZONES]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def _remind_keyboard() -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(t, callback_data=f"at:{t}") for t in _REMIND_TIMES]
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


async def _apply(context: BotContext, scope: ChatScope, **values: object) -> str:
    """Save the chat's new setting, recompute its cards, and describe the result."""
    _ = scope._
    async with context.db.session() as session:
        chat = await ChatRepository(session).get(scope.chat.id)
        assert chat is not None
        await ChatRepository(session).update_settings(chat, **values)
        count = await refresh_chat(session, chat, context.settings, context.services.now())
        policy = ChatPolicy.of(chat, context.settings)
    text = _("Reminders in this chat arrive at {time} ({zone}).").format(
        time=policy.remind_at.strftime("%H:%M"), zone=policy.timezone
    )
    if count:
        text += "\n" + _("Updated the reminders of {count} card(s).").format(count=count)
    return text


async def _refuse(update: Update, scope: ChatScope) -> None:
    text = scope._("Only the group's admins can change this.")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


async def timezone_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    if not await may_configure(update, context):
        await _refuse(update, scope)
        return
    current = ChatPolicy.of(scope.chat, context.settings).timezone
    if not context.args:
        await message.reply_text(
            _("This chat's time zone is {zone}. Pick one, or send /timezone followed by a city "
              "(Manila, 上海), a zone such as Asia/Manila, or an offset such as UTC+8.")
            .format(zone=current),
            reply_markup=_timezone_keyboard(),
        )
        return
    try:
        zone = parse_timezone(" ".join(context.args))
    except InputError:
        await message.reply_text(
            _("I don't know that time zone. Try a city (Manila, 上海), Asia/Manila or UTC+8:"),
            reply_markup=_timezone_keyboard(),
        )
        return
    await message.reply_text(await _apply(context, scope, timezone=zone))


async def timezone_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    scope = await chat_scope(update, context)
    if not await may_configure(update, context):
        await _refuse(update, scope)
        return
    try:
        zone = parse_timezone(query.data.removeprefix("tz:"))
    except InputError:
        await query.answer(scope._("That button has expired."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(await _apply(context, scope, timezone=zone))


async def remindat_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    if not await may_configure(update, context):
        await _refuse(update, scope)
        return
    if not context.args:
        current = ChatPolicy.of(scope.chat, context.settings)
        await message.reply_text(
            _("Reminders arrive at {time} ({zone}). Pick a time, or send /remindat HH:MM.")
            .format(time=current.remind_at.strftime("%H:%M"), zone=current.timezone),
            reply_markup=_remind_keyboard(),
        )
        return
    try:
        at = parse_remind_at(" ".join(context.args))
    except InputError:
        await message.reply_text(
            _("Please give a time of day such as 09:00 or 21:30."), reply_markup=_remind_keyboard()
        )
        return
    await message.reply_text(await _apply(context, scope, remind_at=_hhmm(at)))


async def remindat_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    scope = await chat_scope(update, context)
    if not await may_configure(update, context):
        await _refuse(update, scope)
        return
    try:
        at = parse_remind_at(query.data.removeprefix("at:"))
    except InputError:
        await query.answer(scope._("That button has expired."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(await _apply(context, scope, remind_at=_hhmm(at)))


def _hhmm(at: time) -> str:
    return at.strftime("%H:%M")


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [
        CommandHandler("timezone", timezone_command),
        CommandHandler("remindat", remindat_command),
        CallbackQueryHandler(timezone_button, pattern=r"^tz:"),
        CallbackQueryHandler(remindat_button, pattern=r"^at:"),
    ]
