"""A card command given without its number (/renewed, /editcard, ...): offer the chat's cards
as buttons instead of asking the user to look the number up."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.callbacks import CardButton, CardHistory, DeleteCard, EditCard, RenewedCard, ViewCard
from bot.runtime.chatscope import ChatScope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import (
    admins_only,
    card_id_arg,
    field_context,
    may_see,
    not_found,
    rows,
    show,
    tell,
)
from handlers.cards.view import status_icon
from storage.models import Card

PICK_LIMIT = 10  # the cards expiring soonest; /cards lists them all
_ACTIONS: dict[str, type[CardButton]] = {
    "card": ViewCard,
    "editcard": EditCard,
    "renewed": RenewedCard,
    "delcard": DeleteCard,
    "history": CardHistory,
}


async def pick_card(
    update: Update,
    context: BotContext,
    scope: ChatScope,
    command: str,
    cards: list[Card] | None = None,
    text: str | None = None,
) -> None:
    """Buttons for the chat's cards expiring soonest (or for `cards`), each doing `command`."""
    _ = scope._
    if not await may_see(update, context, scope):
        return
    if cards is None:
        cards = await context.services.cards.in_chat(scope.chat.id, limit=PICK_LIMIT)
    if not cards:
        await show(update, _("There are no cards here yet. Add one with /addcard."))
        return
    today = field_context(scope, context).today
    buttons = [
        InlineKeyboardButton(
            f"{status_icon(card, today)} {card.label}",
            callback_data=_ACTIONS[command](card.id).pack(),
        )
        for card in cards[:PICK_LIMIT]
        if card.id is not None
    ]
    text = text or _("Which card? Pick one, or send /{command} followed by the card's number "
                     "from /cards.").format(command=command)
    await show(update, text, InlineKeyboardMarkup(rows(buttons)))


async def named_card(
    update: Update, context: BotContext, scope: ChatScope, kind: type[CardButton], command: str
) -> Card | None:
    """The card a command (/renewed N) or its button names, for someone who may change it.

    Replies and returns None when there is nothing to work on: not allowed, no number given
    (the chat's cards are offered instead), or not a card of this chat.
    """
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return None
    if update.callback_query is not None:
        button = kind.from_update(update)
        card_id = button.card_id if button else None
    else:
        card_id = await card_id_arg(context, scope)
    if card_id is None:
        await pick_card(update, context, scope, command)
        return None
    card = await context.services.cards.get(scope.chat.id, card_id)
    if card is None:
        await tell(update, not_found(_))
    return card
