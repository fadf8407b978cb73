"""The buttons under a reminder: Snooze, Stop reminding and How to renew.
(Renewed belongs to the cards' renewal conversation.)"""

from __future__ import annotations

import re
from html import escape

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.chatscope import ChatScope, chat_scope
from bot.dates import format_date
from bot.knowledge import KnowledgeBase, render_answer
from bot.permissions import may_configure, refuse
from bot.reminders.moments import snooze_until
from bot.reminders.policy import ChatPolicy
from bot.services import BotContext
from storage.models import Card
from storage.repositories.cards import CardRepository

_DATA = re.compile(r"^card:(snooze|stop|guide):(\d{1,12})$")


async def _owned_card(update: Update, context: BotContext, scope: ChatScope) -> Card | None:
    """The pressed button's card, only if it belongs to this chat (else "not found")."""
    query = update.callback_query
    assert query is not None and query.data is not None
    match = _DATA.match(query.data)
    if match is None:
        return None
    async with context.db.session(readonly=True) as session:
        return await CardRepository(session).get(scope.chat.id, int(match.group(2)))


async def reminder_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if query is None or query.data is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    card = await _owned_card(update, context, scope)
    if card is None:
        await query.answer(_("That card was not found. It may have been deleted."), show_alert=True)
        return
    action = query.data.split(":")[1]
    if action == "guide":
        await query.answer()
        await _send_guide(update, card, scope)
        return
    if not await may_configure(update, context):
        await refuse(update, context)
        return
    now = context.services.now()
    policy = ChatPolicy.of(scope.chat, context.settings)
    async with context.db.session() as session:
        repo = CardRepository(session)
        fresh = await repo.get(scope.chat.id, card.id)  # type: ignore[arg-type]
        if fresh is None:
            await query.answer(_("That card was not found. It may have been deleted."))
            return
        if action == "snooze":
            until = snooze_until(now, policy.remind_at, policy.timezone)
            await repo.update(fresh, snoozed_until=until, next_remind_at=until)
            local = until.astimezone(policy.zone)
            note = _("😴 Snoozed: I'll remind you again on {date} at {time}.").format(
                date=format_date(local.date(), scope.lang), time=local.strftime("%H:%M")
            )
        else:
            await repo.update(fresh, lapsed=True, snoozed_until=None, next_remind_at=None)
            note = _("🔕 No more reminders for this expiry. Mark the card renewed to restart them.")
    await query.answer()
    original = query.message.text_html if query.message and query.message.text else ""
    await query.edit_message_text(f"{original}\n\n{note}" if original else note)


async def _send_guide(update: Update, card: Card, scope: ChatScope) -> None:
    kb = KnowledgeBase.load()
    entry = kb.guide_for_carrier(card.carrier) if card.carrier else None
    if entry is None:  # unknown carrier: the general "how to renew" answer
        entry = next(e for e in kb.entries if e.generic_renewal)
    message = update.effective_message
    if message is None:
        return
    header = f"<b>{escape(card.label)}</b>\n\n"
    await message.reply_text(header + render_answer(entry, scope.lang))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(reminder_button, pattern=_DATA)]
