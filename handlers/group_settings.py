"""/settings: one inline menu for a chat's language, time zone, remind time, default lead days,
reminders on/off and, in forum groups, the topic reminders go to. /reminders on|off.

In groups only admins may use them; every button re-checks whoever presses it.
Callback data: gs:<page> opens a page (menu, lang, tz, at, lead); gs:<setting>:<value> saves.
The time zone, remind time and lead days pages also take a typed value: opening one is a
conversation step, so what the user types next is read by that page (or answered with its
hint), never by the free-text Q&A.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from bot.callbacks import GroupPage, GroupSetting
from bot.domain.parsing import (
    InputError,
    format_lead_days,
    format_timezone,
    parse_lead_days,
    parse_remind_at,
    parse_timezone,
)
from bot.domain.preferences import ChatPolicy, join_days
from bot.i18n import N_, Translator
from bot.runtime.chatscope import ChatScope, chat_scope, scope_for
from bot.runtime.permissions import admin_only, bot_can_post
from bot.runtime.services import BotContext
from handlers.cards.common import IDLE_TIMEOUT, NOT_TYPED, TYPED, show, thread_of
from handlers.chat_settings import hhmm, remind_rows, timezone_rows, updated_cards
from handlers.conversations import Conversation
from handlers.language import LANGUAGE_NAMES, language_name, language_row
from handlers.prompts import ask, nudge
from storage.models import Chat

_LEAD_PRESETS = ((7, 3, 1, 0), (14, 7, 3, 1, 0), (30, 7, 3, 1, 0), (3, 1, 0), (1, 0))
END = ConversationHandler.END
_SWITCH = {"on": True, "off": False, "开": True, "关": False, "开启": True, "关闭": False}


def _back(_: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("⬅️ Back"), callback_data=GroupPage("menu").pack())]


async def _menu(update: Update, context: BotContext, scope: ChatScope, note: str = "") -> None:
    """Show the main page: every setting's current value and a button for each."""
    _, chat = scope._, scope.chat
    policy = ChatPolicy.of(chat, context.settings)
    tg_chat = update.effective_chat
    assert tg_chat is not None
    group = tg_chat.type != ChatType.PRIVATE
    if group:
        title = _("⚙️ Settings for {title}").format(title=escape(tg_chat.title or ""))
    else:
        title = _("⚙️ Settings")
    lines = [note, ""] if note else []
    lines += [
        f"<b>{title}</b>",
        "",
        _("🌐 Language: {value}").format(value=language_name(scope.lang)),
        _("🕒 Time zone: {value}").format(value=format_timezone(policy.timezone)),
        _("⏰ Reminders arrive at: {value}").format(value=hhmm(policy.remind_at)),
        _("📅 Days before expiry: {value}").format(value=format_lead_days(policy.lead_days)),
        _("🔔 Reminders: on") if chat.reminders_enabled else _("🔕 Reminders: off"),
    ]
    rows = [
        [
            InlineKeyboardButton(_("🌐 Language"), callback_data=GroupPage("lang").pack()),
            InlineKeyboardButton(_("🕒 Time zone"), callback_data=GroupPage("tz").pack()),
        ],
        [
            InlineKeyboardButton(_("⏰ Remind time"), callback_data=GroupPage("at").pack()),
            InlineKeyboardButton(_("📅 Days before"), callback_data=GroupPage("lead").pack()),
        ],
        [
            InlineKeyboardButton(_("🔕 Turn reminders off"),
                                 callback_data=GroupSetting("rem", "off").pack())
            if chat.reminders_enabled
            else InlineKeyboardButton(_("🔔 Turn reminders on"),
                                      callback_data=GroupSetting("rem", "on").pack())
        ],
    ]
    if tg_chat.is_forum:
        lines.append(_topic_line(_, chat, thread_of(update)))
        rows += _topic_rows(_, chat, thread_of(update))
    if group and not await bot_can_post(context, chat.id):
        lines += ["", _(
            "⚠️ I may not send messages in this group, so reminders cannot arrive. I need the "
            "“Send messages” permission: make me an admin, or let members send messages."
        )]
    await show(update, "\n".join(lines), InlineKeyboardMarkup(rows))


def _topic_line(_: Translator, chat: Chat, here: int | None) -> str:
    if chat.reminder_thread_id is None:
        return _("🧵 Reminders go to: the General topic")
    if chat.reminder_thread_id == here:
        return _("🧵 Reminders go to: this topic")
    return _("🧵 Reminders go to: topic {id}").format(id=chat.reminder_thread_id)


def _topic_rows(_: Translator, chat: Chat, here: int | None) -> list[list[InlineKeyboardButton]]:
    rows = []
    if here is not None and chat.reminder_thread_id != here:
        rows.append([InlineKeyboardButton(
            _("🧵 Send reminders to this topic"),
            callback_data=GroupSetting("topic", "here").pack(),
        )])
    if chat.reminder_thread_id is not None:
        rows.append([InlineKeyboardButton(
            _("💬 Send reminders to the General topic"),
            callback_data=GroupSetting("topic", "general").pack(),
        )])
    return rows


@admin_only
async def settings_command(update: Update, context: BotContext) -> None:
    await _menu(update, context, await chat_scope(update, context))


@admin_only
async def page_button(update: Update, context: BotContext) -> str | int | None:
    """Open a page; a page that takes a typed value becomes the conversation's step."""
    button = GroupPage.from_update(update)
    if button is None:
        return None
    scope = await chat_scope(update, context)
    _ = scope._
    page = button.page
    if page == "menu":
        await _menu(update, context, scope)
        return END
    text, rows = {
        "lang": (_("Choose a language:"), [language_row(partial(GroupSetting, "lang"))]),
        "tz": (
            _("Pick a time zone, or type a city (Manila, 上海), a zone such as Asia/Manila, or "
              "an offset such as UTC+8."),
            timezone_rows(partial(GroupSetting, "tz")),
        ),
        "at": (
            _("Pick the time of day reminders arrive, or type one such as 21:30."),
            remind_rows(partial(GroupSetting, "at")),
        ),
        "lead": (
            _("How many days before expiry should I remind? Pick a set or type days like "
              "7,3,1,0. Cards with their own days keep them."),
            [[InlineKeyboardButton(format_lead_days(days),
                                   callback_data=GroupSetting("lead", join_days(days)).pack())]
             for days in _LEAD_PRESETS],
        ),
    }[page]
    markup = InlineKeyboardMarkup([*rows, _back(_)])
    if page not in TYPED_HINTS:
        await show(update, text, markup)
        return END
    await ask(update, _, text, markup)
    return page


def setting_values(setting: str, value: str) -> dict[str, object]:
    """The chat fields a chosen or typed value of a setting sets (lang, tz, at, lead, rem);
    InputError when it is not a value of that setting."""
    if setting == "lang" and value in LANGUAGE_NAMES:
        return {"language": value}
    if setting == "tz":
        return {"timezone": parse_timezone(value)}
    if setting == "at":
        return {"remind_at": hhmm(parse_remind_at(value))}
    if setting == "lead":
        return {"default_lead_days": join_days(parse_lead_days(value))}
    if setting == "rem" and value in ("on", "off"):
        return {"reminders_enabled": value == "on"}
    raise InputError("unknown_value")


def _parse(update: Update, setting: str, value: str) -> dict[str, object]:
    """The chat fields a pressed value sets; InputError when the button is not one of ours."""
    if setting != "topic":
        return setting_values(setting, value)
    if value == "general":
        return {"reminder_thread_id": None}
    if value == "here" and thread_of(update) is not None:
        return {"reminder_thread_id": thread_of(update)}
    raise InputError("unknown_button")


async def _save(update: Update, context: BotContext, scope: ChatScope, setting: str,
                values: dict[str, object]) -> None:
    chat, count = await context.services.chats.change_settings(scope.chat.id, **values)
    scope = scope_for(chat, update)  # a new language shows at once
    note = "\n".join(filter(None, (scope._("✅ Saved."), updated_cards(scope._, count))))
    await _menu(update, context, scope, note)


@admin_only
async def value_button(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    button = GroupSetting.from_update(update)
    if query is None or button is None:
        return None
    scope = await chat_scope(update, context)
    setting, value = button.setting, button.value
    try:
        values = _parse(update, setting, value)
    except InputError:
        await query.answer(scope._("That button has expired."), show_alert=True)
        return None
    await _save(update, context, scope, setting, values)
    return END


# What each typing page says to text it cannot use (the same words as its command's).
TYPED_HINTS = {
    "tz": N_("I don't know that time zone. Try a city (Manila, 上海), Asia/Manila or UTC+8:"),
    "at": N_("Please give a time of day such as 09:00 or 21:30."),
    "lead": N_("Please type days like 7,3,1,0."),
}


def _typed(page: str) -> Callable[[Update, BotContext], Coroutine[Any, Any, int | None]]:
    """What a typing page does with text: save it and show the menu, or say the page's hint
    and keep waiting."""

    @admin_only
    async def typed(update: Update, context: BotContext) -> int | None:
        message = update.effective_message
        if message is None or message.text is None:
            return None
        scope = await chat_scope(update, context)
        try:
            values = _parse(update, page, message.text)
        except InputError:
            await ask(update, scope._, scope._(TYPED_HINTS[page]), new=True)
            return None
        await _save(update, context, scope, page, values)
        return END

    return typed


async def _close(update: Update, context: BotContext) -> int:
    scope = await chat_scope(update, context)
    if update.effective_message is not None:
        await update.effective_message.reply_text(scope._("Closed the settings."))
    return END


def _conversation() -> ConversationHandler:
    return Conversation(
        entry_points=[
            CallbackQueryHandler(page_button, pattern=GroupPage.pattern),
            CallbackQueryHandler(value_button, pattern=GroupSetting.pattern),
        ],
        states={
            page: [MessageHandler(TYPED, _typed(page)), MessageHandler(NOT_TYPED, nudge)]
            for page in TYPED_HINTS
        },
        fallbacks=[CommandHandler("cancel", _close)],
        allow_reentry=True,
        conversation_timeout=IDLE_TIMEOUT,
    )


@admin_only
async def reminders_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    args = context.args or []
    switch = _SWITCH.get(args[0].lower()) if len(args) == 1 else None
    if switch is None:
        state = (
            _("🔔 Reminders are on in this chat. Send /reminders off to pause them.")
            if scope.chat.reminders_enabled
            else _("🔕 Reminders are off in this chat. Send /reminders on to resume them.")
        )
        await message.reply_text(state)
        return
    _chat, count = await context.services.chats.change_settings(
        scope.chat.id, reminders_enabled=switch
    )
    done = (
        _("🔔 Reminders are on in this chat.")
        if switch
        else _("🔕 Reminders are off in this chat. The cards are kept: /reminders on resumes "
               "them.")
    )
    await message.reply_text("\n".join(filter(None, (done, updated_cards(_, count)))))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("settings", settings_command),
        CommandHandler("reminders", reminders_command),
        _conversation(),
    ]
