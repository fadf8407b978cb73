"""The buttons under a reminder: Snooze (1 hour, this evening, tomorrow, 3 days), Stop
reminding and How to renew. (Renewed belongs to the cards' renewal conversation.)

A button may sit on a message Telegram no longer lets the bot see (an InaccessibleMessage):
then the answer comes as a new message instead of an edit."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import ReminderButton, SnoozeButton, SnoozeChoice, any_of
from bot.domain.dates import format_date
from bot.domain.errors import CardNotFound
from bot.domain.preferences import ChatPolicy
from bot.knowledge import KnowledgeBase, render_answer
from bot.reminders.message import reminder_keyboard
from bot.reminders.moments import EVENING, evening_ahead
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.permissions import may_configure, refuse
from bot.runtime.services import BotContext
from handlers.cards.common import message_gone, say, show
from handlers.chat_settings import hhmm
from storage.models import Card


async def _owned_card(
    context: BotContext, scope: ChatScope, button: ReminderButton | SnoozeButton
) -> Card | None:
    """The pressed button's card, only if it belongs to this chat (else "not found")."""
    return await context.services.cards.get(scope.chat.id, button.card_id)


def _snooze_keyboard(card_id: int, scope: ChatScope, policy: ChatPolicy,
                     context: BotContext) -> InlineKeyboardMarkup:
    _ = scope._
    choices: list[tuple[SnoozeChoice, str]] = [("1h", _("⏱ 1 hour"))]
    if evening_ahead(context.services.now(), policy.timezone):
        choices.append(("evening", _("🌆 This evening ({time})").format(time=hhmm(EVENING))))
    choices += [
        ("tomorrow", _("🌅 Tomorrow ({time})").format(time=hhmm(policy.remind_at))),
        ("3d", _("📅 In 3 days")),
        ("back", _("↩️ Back")),
    ]
    buttons = [InlineKeyboardButton(label, callback_data=SnoozeButton(code, card_id).pack())
               for code, label in choices]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


async def reminder_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    button = ReminderButton.from_update(update) or SnoozeButton.from_update(update)
    if query is None or button is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    card = await _owned_card(context, scope, button)
    if card is None or card.id is None:
        await query.answer(_("That card was not found. It may have been deleted."), show_alert=True)
        return
    action = button.action if isinstance(button, ReminderButton) else None
    if action == "guide":
        await _send_guide(update, card, scope)
        return
    if not await may_configure(update, context):
        await refuse(update, context)
        return
    policy = ChatPolicy.of(scope.chat, context.settings)
    if action == "snooze":  # ask until when, on the reminder itself
        keyboard = _snooze_keyboard(card.id, scope, policy, context)
        if message_gone(update):
            await say(update, _("😴 Snooze until when?"), keyboard)
        else:
            await query.answer()
            await query.edit_message_reply_markup(keyboard)
        return
    choice = button.choice if isinstance(button, SnoozeButton) else None
    if choice == "back":
        await query.answer()
        if not message_gone(update):
            await query.edit_message_reply_markup(reminder_keyboard(card.id, scope.lang))
        return
    note = await _snooze_or_stop(context, scope, policy, card.id, choice)
    if note is None:
        await query.answer(_("That card was not found. It may have been deleted."))
        return
    message = query.message
    original = message.text_html if isinstance(message, Message) and message.text else ""
    await show(update, f"{original}\n\n{note}" if original else note)


async def _snooze_or_stop(
    context: BotContext, scope: ChatScope, policy: ChatPolicy, card_id: int, choice: str | None
) -> str | None:
    """Snooze until the chosen time (choice None: stop reminding); the note to show, or None
    when the card is gone."""
    _ = scope._
    cards = context.services.cards
    try:
        if choice is None:
            await cards.stop_reminders(scope.chat, card_id)
            return _("🔕 No more reminders for this expiry. Mark the card renewed to restart "
                     "them.")
        until = await cards.snooze(scope.chat, card_id, choice)
    except CardNotFound:
        return None
    local = until.astimezone(policy.zone)
    return _("😴 Snoozed: I'll remind you again on {date} at {time}.").format(
        date=format_date(local.date(), scope.lang), time=local.strftime("%H:%M")
    )


async def _send_guide(update: Update, card: Card, scope: ChatScope) -> None:
    kb = KnowledgeBase.load()
    entry = kb.guide_for_carrier(card.carrier) if card.carrier else None
    if entry is None:  # unknown carrier: the general "how to renew" answer
        entry = next(e for e in kb.entries if e.generic_renewal)
    header = f"<b>{escape(card.label)}</b>\n\n"
    await say(update, header + render_answer(entry, scope.lang))


def handlers() -> list[BaseHandler]:
    return [
        CallbackQueryHandler(reminder_button, pattern=any_of(ReminderButton.pattern,
                                                             SnoozeButton.pattern)),
    ]
