"""/timezone and /remindat: when this chat's reminders arrive. Both recompute its cards.

The keyboards are shared with the /settings menu (group_settings)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import time
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CallbackData, ChatPreset, RemindAtChoice, TimezoneChoice
from bot.domain.parsing import (
    COMMON_TIMEZONES,
    InputError,
    format_timezone,
    parse_remind_at,
    parse_timezone,
)
from bot.domain.preferences import ChatPolicy
from bot.i18n import Translator
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.permissions import admin_only
from bot.runtime.services import BotContext

REMIND_TIMES = ("08:00", "09:00", "12:00", "18:00", "20:00", "21:00")


# The /settings menu passes its own kind of button to the keyboards below.
Preset = Callable[[str], CallbackData]


def timezone_rows(button: Preset = TimezoneChoice) -> list[list[InlineKeyboardButton]]:
    buttons = [
        InlineKeyboardButton(zone, callback_data=button(zone).pack()) for zone in COMMON_TIMEZONES
    ]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def remind_rows(button: Preset = RemindAtChoice) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(t, callback_data=button(t).pack()) for t in REMIND_TIMES]
    return [buttons[i : i + 3] for i in range(0, len(buttons), 3)]


def updated_cards(_: Translator, count: int) -> str:
    if not count:
        return ""
    return _.ngettext("Updated the reminders of {count} card.",
                      "Updated the reminders of {count} cards.", count).format(count=count)


def hhmm(at: time) -> str:
    return at.strftime("%H:%M")


async def _apply(context: BotContext, scope: ChatScope, **values: object) -> str:
    """Save the chat's new setting, recompute its cards, and describe the result."""
    _ = scope._
    chat, count = await context.services.chats.change_settings(scope.chat.id, **values)
    policy = ChatPolicy.of(chat, context.settings)
    text = _("Reminders in this chat arrive at {time} ({zone}).").format(
        time=hhmm(policy.remind_at), zone=format_timezone(policy.timezone)
    )
    return "\n".join(filter(None, (text, updated_cards(_, count))))


@admin_only
async def timezone_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    keyboard = InlineKeyboardMarkup(timezone_rows())
    if not context.args:
        current = ChatPolicy.of(scope.chat, context.settings).timezone
        await message.reply_text(
            _("This chat's time zone is {zone}. Pick one, or send /timezone followed by a city "
              "(Manila, 上海), a zone such as Asia/Manila, or an offset such as UTC+8.")
            .format(zone=format_timezone(current)),
            reply_markup=keyboard,
        )
        return
    try:
        zone = parse_timezone(" ".join(context.args))
    except InputError:
        await message.reply_text(
            _("I don't know that time zone. Try a city (Manila, 上海), Asia/Manila or UTC+8:"),
            reply_markup=keyboard,
        )
        return
    await message.reply_text(await _apply(context, scope, timezone=zone))


@admin_only
async def remindat_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    keyboard = InlineKeyboardMarkup(remind_rows())
    if not context.args:
        current = ChatPolicy.of(scope.chat, context.settings)
        await message.reply_text(
            _("Reminders arrive at {time} ({zone}). Pick a time, or send /remindat HH:MM.")
            .format(time=hhmm(current.remind_at), zone=format_timezone(current.timezone)),
            reply_markup=keyboard,
        )
        return
    try:
        at = parse_remind_at(" ".join(context.args))
    except InputError:
        await message.reply_text(
            _("Please give a time of day such as 09:00 or 21:30."), reply_markup=keyboard
        )
        return
    await message.reply_text(await _apply(context, scope, remind_at=hhmm(at)))


def _setting_button(
    kind: type[ChatPreset], parse: Callable[[str], Any], column: str,
    store: Callable[[Any], object],
) -> Callable[[Update, BotContext], Coroutine[Any, Any, None]]:
    """The handler of a preset button ("tz:Asia/Manila", "at:09:00") for one chat setting."""

    @admin_only
    async def pressed(update: Update, context: BotContext) -> None:
        query = update.callback_query
        button = kind.from_update(update)
        if query is None or button is None:
            return
        scope = await chat_scope(update, context)
        try:
            value = parse(button.value)
        except InputError:
            await query.answer(scope._("That button has expired."), show_alert=True)
            return
        await query.answer()
        await query.edit_message_text(await _apply(context, scope, **{column: store(value)}))

    return pressed


timezone_button = _setting_button(TimezoneChoice, parse_timezone, "timezone", str)
remindat_button = _setting_button(RemindAtChoice, parse_remind_at, "remind_at", hhmm)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("timezone", timezone_command),
        CommandHandler("remindat", remindat_command),
        CallbackQueryHandler(timezone_button, pattern=TimezoneChoice.pattern),
        CallbackQueryHandler(remindat_button, pattern=RemindAtChoice.pattern),
    ]
