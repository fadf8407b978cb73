"""Card records: /addcard, /editcard, /cards, /card, /renewed, /history, /delcard, /forget."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.runtime.chatscope import chat_scope
from bot.runtime.services import BotContext
from handlers.cards import alerts, delete, form, history, listing, renew
from handlers.cards.common import tell


async def _expired_button(update: Update, context: BotContext) -> None:
    """A button of a conversation that has ended (saved, cancelled, timed out)."""
    scope = await chat_scope(update, context)
    await tell(update, scope._("That button has expired."))


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    # The conversations come first: their entry points (card:edit:N, card:renewed:N) and
    # steps must see their updates before anything else in the group.
    return [
        form.conversation(),
        renew.conversation(),
        *listing.handlers(),
        *alerts.handlers(),
        *history.handlers(),
        *delete.handlers(),
        CallbackQueryHandler(_expired_button, pattern=r"^(cf|rn):"),
    ]
