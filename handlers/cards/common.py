"""What the card handlers share: the chat's "today", replying from commands and buttons alike,
card ids from commands, drafts in user_data, and the common refusals."""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    filters,
)

from bot.callbacks import ID, DataPattern
from bot.domain.preferences import ChatPolicy
from bot.i18n import Translator, translator
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from bot.settings import Settings
from handlers.cards.fields import FieldContext
from handlers.conversations import Conversation
from storage.models import Chat

# Typed card numbers follow the rule of button data (bot.callbacks.ID).
_ID = re.compile(rf"#?({ID})")
_LOCAL_CURRENCY = {"Asia/Manila": "PHP", "Asia/Hong_Kong": "HKD", "Asia/Macau": "MOP"}

IDLE_TIMEOUT = 15 * 60  # seconds without an answer before a conversation gives up

# A conversation step reads new messages only: an edited old answer is not a new answer.
TYPED = filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND
NOT_TYPED = filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.StatusUpdate.ALL


def context_for(chat: Chat, lang: str, settings: Settings, now: datetime) -> FieldContext:
    """How the chat's fields are read and shown (the chat's today, currency and lead days)."""
    policy = ChatPolicy.of(chat, settings)
    return FieldContext(
        _=translator(lang),
        lang=lang,
        today=now.astimezone(policy.zone).date(),
        currency=_LOCAL_CURRENCY.get(policy.timezone, "CNY"),
        chat_lead_days=policy.lead_days,
    )


def field_context(scope: ChatScope, context: BotContext) -> FieldContext:
    return context_for(scope.chat, scope.lang, context.settings, context.services.now())


def rows(
    buttons: list[InlineKeyboardButton], width: int = 2
) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def parse_id(text: str | None) -> int | None:
    match = _ID.fullmatch(text.strip()) if text else None
    return int(match.group(1)) if match else None


NO_CARD = 0  # an id no card has (ids start at 1): a number that names no card of the chat


async def card_id_arg(context: BotContext, scope: ChatScope) -> int | None:
    """The id of the card "/card 3" (or "/card #3") names by its number in this chat; NO_CARD
    when the chat has no card 3; None when no number was given."""
    number = parse_id(context.args[0]) if context.args and len(context.args) == 1 else None
    if number is None:
        return None
    card = await context.services.cards.numbered(scope.chat.id, number)
    return card.id if card is not None and card.id is not None else NO_CARD


def thread_of(update: Update) -> int | None:
    """The forum topic a group message was sent in, where replies and reminders belong."""
    message = update.effective_message
    return message.message_thread_id if message and message.is_topic_message else None


async def answer(update: Update, text: str | None = None) -> None:
    """Acknowledge a pressed button; a text is shown as an alert (nothing else changed)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=text is not None)


def message_gone(update: Update) -> bool:
    """The pressed button's message is one Telegram no longer lets the bot see or edit (an
    InaccessibleMessage in the callback query): answers go in a new message."""
    query = update.callback_query
    return (
        query is not None and query.inline_message_id is None
        and (query.message is None or not query.message.is_accessible)
    )


async def show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Reply to a command, or turn the pressed button's message into the answer."""
    query = update.callback_query
    if query is not None and message_gone(update):
        await say(update, text, markup)
        return
    if query is not None:
        await query.answer()
        try:
            await query.edit_message_text(text, reply_markup=markup)
        except BadRequest as error:
            if "not modified" not in error.message.lower():
                raise
        return
    if update.effective_message is not None:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message in the chat, whether the update is a message or a pressed button."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    message = update.effective_message
    if message is not None:  # (an inaccessible one still names its chat)
        await message.reply_text(text, reply_markup=markup, do_quote=False)
    elif update.effective_chat is not None:
        await update.get_bot().send_message(update.effective_chat.id, text, reply_markup=markup)


async def tell(update: Update, text: str) -> None:
    """A short refusal or notice: an alert for a button, a reply for a command."""
    if update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)


async def may_see(update: Update, context: BotContext, scope: ChatScope) -> bool:
    """A group's cards are for its admins (as /groupcards); everyone else is told so."""
    if await may_configure(update, context):
        return True
    await tell(update, scope._("Only the group's admins can see its cards."))
    return False


def not_found(_: Translator) -> str:
    return _("That card was not found. It may have been deleted.")


def admins_only(_: Translator) -> str:
    return _("Only the group's admins can change this.")


# --------------------------------------------------------------------------- drafts
# A user's unfinished conversations, per kind and per chat, so drafts in different chats never
# mix. JSON keys are strings, hence str(chat_id). A step changes the draft in place: it is the
# dict inside user_data, which PTB persists after every update of that user.

Draft = dict[str, Any]
R = TypeVar("R")
Step = Callable[[Update, BotContext, ChatScope, Draft], Coroutine[Any, Any, R]]


def load_draft(context: BotContext, kind: str, chat_id: int) -> Draft | None:
    user_data = context.user_data
    drafts = user_data.get(kind, {}) if user_data is not None else {}
    draft = drafts.get(str(chat_id))
    return draft if isinstance(draft, dict) else None


def store_draft(context: BotContext, kind: str, chat_id: int, draft: Draft) -> None:
    assert context.user_data is not None
    context.user_data.setdefault(kind, {})[str(chat_id)] = draft


def drop_draft(context: BotContext, kind: str, chat_id: int) -> Draft | None:
    user_data = context.user_data
    if user_data is None or kind not in user_data:
        return None
    draft = user_data[kind].pop(str(chat_id), None)
    if not user_data[kind]:
        del user_data[kind]
    return draft if isinstance(draft, dict) else None


def with_draft(
    kind: str, expired: str
) -> Callable[[Step[R]], Callable[[Update, BotContext], Coroutine[Any, Any, R | int]]]:
    """A conversation step that needs the user's draft in this chat. When the draft is gone
    (/forget, a restart that lost it), the step says `expired` (a msgid) and the conversation
    ends."""

    def decorate(step: Step[R]) -> Callable[[Update, BotContext], Coroutine[Any, Any, R | int]]:
        @wraps(step)
        async def handler(update: Update, context: BotContext) -> R | int:
            scope = await chat_scope(update, context)
            draft = load_draft(context, kind, scope.chat.id)
            if draft is None:
                await tell(update, scope._(expired))
                return ConversationHandler.END
            return await step(update, context, scope, draft)

        return handler

    return decorate


def card_conversation(
    name: str,
    entry_points: list[BaseHandler],
    states: dict[object, list[BaseHandler]],
    cancel: Callable[[Update, BotContext], Coroutine[Any, Any, object]],
    cancel_button: DataPattern,
) -> ConversationHandler:
    """A persistent card conversation: /cancel or its Cancel button leaves it, starting it
    again restarts it, starting another conversation ends it (and drops its draft), and it
    gives up after IDLE_TIMEOUT. `name` is also the slot of its drafts."""

    async def drop(update: Update, context: BotContext) -> None:
        if update.effective_chat is not None:
            drop_draft(context, name, update.effective_chat.id)

    return Conversation(
        entry_points=entry_points,
        states=states,
        fallbacks=[
            CommandHandler("cancel", cancel),
            CallbackQueryHandler(cancel, pattern=cancel_button),
        ],
        name=name,
        persistent=True,
        allow_reentry=True,
        conversation_timeout=IDLE_TIMEOUT,
        on_end=drop,
    )
