"""/groupcards: the group's own cards, for its admins. The list is the one /cards shows
(handlers.cards.listing); in a private chat it is simply the user's cards."""

from __future__ import annotations

from telegram.ext import BaseHandler, CommandHandler

from bot.i18n import N_
from bot.runtime.permissions import admin_only
from handlers.cards.listing import cards_command


def handlers() -> list[BaseHandler]:
    refusal = N_("Only the group's admins can see its cards.")
    return [CommandHandler("groupcards", admin_only(cards_command, refusal))]
