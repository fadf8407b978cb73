"""/delcard N (a card with its renewals and reminders) and /forget (everything about a user),
both only after a confirmation button."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CardsPage, ConfirmDelete, DeleteCard, ForgetConfirm, ViewCard
from bot.domain.errors import CardNotFound
from bot.i18n import translator
from bot.runtime.chatscope import ChatScope, chat_scope, language_of
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import admins_only, card_id_arg, not_found, show, tell
from handlers.cards.picker import pick_card
from handlers.cards.view import card_name


async def _ask(update: Update, context: BotContext, scope: ChatScope, card_id: int) -> None:
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return
    card, history = await context.services.cards.with_history(scope.chat.id, card_id)
    renewals = len(history)
    if card is None:
        await tell(update, not_found(_))
        return
    text = _("Delete {card}? Its renewal history ({count} recorded) and its reminders go too. "
             "This cannot be undone.").format(card=card_name(card, scope.lang), count=renewals)
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("🗑 Yes, delete it"), callback_data=ConfirmDelete(card_id).pack()),
        InlineKeyboardButton(_("Keep it"), callback_data=ViewCard(card_id).pack()),
    ]])
    await show(update, text, keyboard)


async def delcard_command(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    card_id = await card_id_arg(context, scope)
    if card_id is None:
        await pick_card(update, context, scope, "delcard")
        return
    await _ask(update, context, scope, card_id)


async def delete_button(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    button = DeleteCard.from_update(update)
    if button is not None:
        await _ask(update, context, scope, button.card_id)


async def delete_confirmed(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    _ = scope._
    button = ConfirmDelete.from_update(update)
    if button is None:
        return
    card_id = button.card_id
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return
    try:
        card = await context.services.cards.delete(scope.chat.id, card_id)
    except CardNotFound:
        await tell(update, not_found(_))
        return
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("🗂 All cards"), callback_data=CardsPage(1).pack())]]
    )
    await show(update, _("🗑 Deleted {card}.").format(card=card_name(card, scope.lang)), keyboard)


async def forget_command(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    _ = scope._
    if scope.chat.type != ChatType.PRIVATE:
        await tell(update, _("Please send /forget in a private chat with me: it deletes your "
                             "own data there. Group cards belong to the group."))
        return
    count = await context.services.cards.count(scope.chat.id)
    text = _("This deletes everything I keep about you: your cards here ({count}) with their "
             "renewal history and reminders, unfinished conversations, and this chat's settings "
             "(language, time zone, reminder time). Cards in groups stay with the groups. "
             "Are you sure?").format(count=count)
    keyboard = InlineKeyboardMarkup([[
        InlineKeyboardButton(_("🗑 Yes, delete everything"),
                             callback_data=ForgetConfirm(yes=True).pack()),
        InlineKeyboardButton(_("No, keep it"), callback_data=ForgetConfirm(yes=False).pack()),
    ]])
    await show(update, text, keyboard)


async def forget_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    chat = update.effective_chat
    user = update.effective_user
    if query is None or chat is None or user is None or chat.type != ChatType.PRIVATE:
        return
    button = ForgetConfirm.from_update(update)
    if button is None or not button.yes:
        scope = await chat_scope(update, context)
        await show(update, scope._("OK, nothing was deleted."))
        return
    removed = await context.services.cards.forget(chat.id)
    context.application.drop_user_data(user.id)
    context.application.drop_chat_data(chat.id)
    _ = translator(language_of(update))  # the chat's own language was just forgotten
    await show(update, _.ngettext(
        "Done: I deleted {count} card and everything else I kept about you. Send /start "
        "whenever you want to begin again.",
        "Done: I deleted {count} cards and everything else I kept about you. Send /start "
        "whenever you want to begin again.", removed,
    ).format(count=removed))


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("delcard", delcard_command),
        CallbackQueryHandler(delete_button, pattern=DeleteCard.pattern),
        CallbackQueryHandler(delete_confirmed, pattern=ConfirmDelete.pattern),
        CommandHandler("forget", forget_command),
        CallbackQueryHandler(forget_button, pattern=ForgetConfirm.pattern),
    ]
