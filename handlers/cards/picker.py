"""A card command given without its number (/renewed, /editcard, ...): offer the chat's cards
as buttons instead of asking the user to look the number up."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.chatscope import ChatScope
from bot.services import BotContext
from handlers.cards.common import field_context, may_see, rows, show
from handlers.cards.view import status_icon
from storage.repositories.cards import CardRepository

PICK_LIMIT = 10  # the cards expiring soonest; /cards lists them all
_ACTIONS = {
    "card": "card:view",
    "editcard": "card:edit",
    "renewed": "card:renewed",
    "delcard": "card:del",
    "history": "card:hist",
}


async def pick_card(update: Update, context: BotContext, scope: ChatScope, command: str) -> None:
    _ = scope._
    if not await may_see(update, context, scope):
        return
    async with context.db.session(readonly=True) as session:
        cards = await CardRepository(session).list(scope.chat.id, limit=PICK_LIMIT)
    if not cards:
        await show(update, _("There are no cards here yet. Add one with /addcard."))
        return
    today = field_context(scope, context).today
    buttons = [
        InlineKeyboardButton(
            f"{status_icon(card, today)} {card.label}",
            callback_data=f"{_ACTIONS[command]}:{card.id}",
        )
        for card in cards
    ]
    text = _("Which card? Pick one, or send /{command} followed by the card's number from "
             "/cards.").format(command=command)
    await show(update, text, InlineKeyboardMarkup(rows(buttons)))
