"""Card records: /addcard, /editcard, /cards, /card, /renewed, /history, /delcard, /forget."""

from __future__ import annotations

from telegram.ext import BaseHandler

from handlers.cards import alerts, delete, form, history, listing, renew


def handlers() -> list[BaseHandler]:
    # The conversations come first: their entry points (card:edit:N, card:renewed:N) and
    # steps must see their updates before anything else in the group. Buttons of a
    # conversation that has ended (saved, cancelled, timed out) match none of its steps and
    # are answered as expired by handlers/unknown.py.
    return [
        form.conversation(),
        renew.conversation(),
        *listing.handlers(),
        *alerts.handlers(),
        *history.handlers(),
        *delete.handlers(),
    ]
