"""/history N: a card's renewals with what they cost, and its receipt photos sent again."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CardHistory, Receipt
from bot.domain.dates import format_date
from bot.domain.preferences import ChatPolicy
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.services import BotContext
from handlers.cards.common import (
    answer,
    card_id_arg,
    field_context,
    may_see,
    not_found,
    rows,
    show,
    tell,
)
from handlers.cards.picker import pick_card
from handlers.cards.view import (
    back_to_card,
    card_name,
    money_list,
    paid_totals,
    renewal_line,
)

SHOWN = 15  # the latest renewals listed (one message); the totals count them all


async def _history(update: Update, context: BotContext, scope: ChatScope, card_id: int) -> None:
    _ = scope._
    if not await may_see(update, context, scope):
        return
    card, renewals = await context.services.cards.with_history(scope.chat.id, card_id)
    if card is None:
        await tell(update, not_found(_))
        return
    ctx = field_context(scope, context)
    zone = ChatPolicy.of(scope.chat, context.settings).zone
    lines = [f"📜 {card_name(card, scope.lang)}", ""]
    if not renewals:
        lines.append(_("No renewals recorded yet. Press ✅ Renewed when you renew it."))
    for renewal in renewals[:SHOWN]:
        lines.append("• " + renewal_line(renewal, renewal.renewed_at.astimezone(zone).date(), ctx))
    if len(renewals) > SHOWN:
        lines.append(_("… and {count} older ones.").format(count=len(renewals) - SHOWN))
    totals = paid_totals(renewals)
    if totals:
        lines += ["", _("Paid in total: {amount}").format(amount=money_list(totals))]
    receipts = [
        InlineKeyboardButton(
            "🧾 " + format_date(renewal.renewed_at.astimezone(zone).date(), scope.lang),
            callback_data=Receipt(renewal.id).pack(),
        )
        for renewal in renewals[:SHOWN]
        if renewal.receipt_file_id and renewal.id is not None
    ]
    keyboard = [*rows(receipts, 3), back_to_card(card_id, _)]
    await show(update, "\n".join(lines), InlineKeyboardMarkup(keyboard))


async def history_command(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    card_id = await card_id_arg(context, scope)
    if card_id is None:
        await pick_card(update, context, scope, "history")
        return
    await _history(update, context, scope, card_id)


async def history_button(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    button = CardHistory.from_update(update)
    if button is not None:
        await _history(update, context, scope, button.card_id)


async def receipt_button(update: Update, context: BotContext) -> None:
    """Send a renewal's receipt photo again (by its Telegram file id)."""
    scope = await chat_scope(update, context)
    button = Receipt.from_update(update)
    if not await may_see(update, context, scope):
        return
    renewal = (
        await context.services.cards.renewal(scope.chat.id, button.renewal_id)
        if button is not None
        else None
    )
    if renewal is None or not renewal.receipt_file_id:
        await tell(update, scope._("That receipt was not found. It may have been deleted."))
        return
    await answer(update)
    message = update.effective_message
    assert message is not None
    zone = ChatPolicy.of(scope.chat, context.settings).zone
    caption = "🧾 " + scope._("Receipt of the renewal on {date}").format(
        date=format_date(renewal.renewed_at.astimezone(zone).date(), scope.lang)
    )
    await message.reply_photo(renewal.receipt_file_id, caption=caption, do_quote=False)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("history", history_command),
        CallbackQueryHandler(history_button, pattern=CardHistory.pattern),
        CallbackQueryHandler(receipt_button, pattern=Receipt.pattern),
    ]
