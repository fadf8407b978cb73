"""Owner tools (BOT_OWNER_IDS, in a private chat): /botstats and /broadcast <text>.

Anyone else gets exactly the reply an unknown command gets. A broadcast is previewed, then
confirmed with a button (bc:send:<id>, or bc:cancel:<id>); the confirmation message becomes
the progress message, and bot.runtime.broadcast sends it (resumably) within the rate limits.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from functools import wraps

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType, MessageLimit
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, TypeHandler

from bot.callbacks import BroadcastButton
from bot.domain.operations import BotFigures
from bot.i18n import Translator
from bot.runtime.broadcast import broadcast_runner, progress_text
from bot.runtime.chatscope import chat_scope
from bot.runtime.commands import set_owner_menu
from bot.runtime.permissions import Handler
from bot.runtime.services import BotContext
from handlers.unknown import PRIVATE_MESSAGES, unknown_command
from storage.models import DeliveryStatus, RecipientStatus

_BODY = re.compile(r"^/\S+\s+(.*\S)", re.S)


def _is_owner(update: Update, context: BotContext) -> bool:
    user, chat = update.effective_user, update.effective_chat
    return (
        user is not None
        and chat is not None
        and chat.type == ChatType.PRIVATE
        and user.id in context.settings.bot_owner_ids
    )


def owner_only(handler: Handler) -> Handler:
    """Owners get the handler; for anyone else the command does not exist."""

    @wraps(handler)
    async def guarded(update: Update, context: BotContext) -> None:
        if _is_owner(update, context):
            await handler(update, context)
        elif update.callback_query is not None:
            await update.callback_query.answer()
        else:
            await unknown_command(update, context)

    return guarded


@owner_only
async def botstats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None
    _ = (await chat_scope(update, context))._
    since = context.services.now() - timedelta(hours=24)
    figures = await context.services.operations.figures(since)
    await message.reply_text(_stats_text(_, figures))


def _stats_text(_: Translator, figures: BotFigures) -> str:
    active: Counter[str] = Counter()
    gone: Counter[str] = Counter()
    reminders = figures.reminders
    for chat_type, is_active, count in figures.chats:
        kind = "user" if chat_type == ChatType.PRIVATE else "group"
        (active if is_active else gone)[kind] += count
    return "\n".join((
        "<b>" + _("📊 Bot statistics") + "</b>",
        _("👤 Users: {active} active, {gone} blocked the bot").format(
            active=active["user"], gone=gone["user"]
        ),
        _("👥 Groups: {active} active, {gone} removed the bot").format(
            active=active["group"], gone=gone["group"]
        ),
        _("🗂 Chats that blocked or removed the bot: {count}").format(count=gone.total()),
        _("📇 Cards: {count}").format(count=figures.cards),
        _("⏰ Reminders in the last 24 h: {sent} sent, {failed} failed").format(
            sent=reminders.get(DeliveryStatus.SENT, 0),
            failed=reminders.get(DeliveryStatus.FAILED, 0),
        ),
    ))


@owner_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    _ = (await chat_scope(update, context))._
    # text_html keeps the owner's bold, italics and links and escapes everything else.
    body = _BODY.match(message.text_html or "")
    plain = _BODY.match(message.text or "")
    if body is None or plain is None:
        await message.reply_text(
            _("Send /broadcast followed by the message. You will see a preview before "
              "anything is sent.")
        )
        return
    if len(plain.group(1)) > MessageLimit.MAX_TEXT_LENGTH:
        await message.reply_text(
            _("That message is too long: Telegram allows {max} characters.").format(
                max=MessageLimit.MAX_TEXT_LENGTH
            )
        )
        return
    broadcast, audience = await context.services.operations.draft_broadcast(
        update.effective_user.id, body.group(1), message.chat.id
    )
    await message.reply_text(body.group(1), do_quote=False)  # exactly what everyone will get
    assert broadcast.id is not None
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("✅ Send"),
                             callback_data=BroadcastButton("send", broadcast.id).pack()),
        InlineKeyboardButton(_("✖️ Cancel"),
                             callback_data=BroadcastButton("cancel", broadcast.id).pack()),
    ]])
    await message.reply_text(
        _("📣 Send the message above to {count} chats (every active user and group)?").format(
            count=audience
        ),
        reply_markup=buttons,
        do_quote=False,
    )


@owner_only
async def broadcast_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = BroadcastButton.from_update(update)
    if query is None or button is None or query.message is None:
        return
    scope = await chat_scope(update, context)
    action, broadcast_id = button.action, button.broadcast_id
    operations = context.services.operations
    if action == "send":
        recipients = await operations.start_broadcast(broadcast_id, query.message.message_id)
    else:
        recipients = 0 if await operations.cancel_broadcast(broadcast_id) else None
    if recipients is None:  # already sent or cancelled (a second tap)
        await query.answer(scope._("That button has expired."), show_alert=True)
        return
    await query.answer()
    if action == "cancel":
        await query.edit_message_text(scope._("Cancelled: nothing was sent."))
        return
    counts = {RecipientStatus.PENDING.value: recipients}
    await query.edit_message_text(progress_text(broadcast_id, counts, scope.lang, final=False))
    context.application.create_task(broadcast_runner(context).run_pending())


async def _first_words(update: Update, context: BotContext) -> None:
    """An owner whose menu Telegram refused at start-up (no chat with the bot yet) writes to
    the bot: now their menu can be set."""
    user, chat = update.effective_user, update.effective_chat
    waiting = context.services.owners_without_menu
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.id not in waiting:
        return
    if await set_owner_menu(context.bot, user.id,
                            webapp=context.settings.webapp_url is not None):
        waiting.discard(user.id)


def menu_handler() -> BaseHandler:
    """Runs in a handler group of its own, beside whatever else the update does."""
    return TypeHandler(Update, _first_words)


def handlers() -> list[BaseHandler]:
    return [
        # Elsewhere (groups, edited messages) they fall through to the unknown commands.
        CommandHandler("botstats", botstats_command, filters=PRIVATE_MESSAGES),
        CommandHandler("broadcast", broadcast_command, filters=PRIVATE_MESSAGES),
        CallbackQueryHandler(broadcast_button, pattern=BroadcastButton.pattern),
    ]
