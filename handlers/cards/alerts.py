"""A card's Reminders button: when to be reminded (lead days) and stopping or resuming."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.reminders.schedule import refresh_card
from bot.runtime.chatscope import chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import admins_only, field_context, not_found, rows, show, tell
from handlers.cards.fields import LEAD_DAYS, FieldContext, FieldError, field_line, values_of
from handlers.cards.view import back_to_card, card_name
from storage.models import Card
from storage.repositories.cards import CardRepository

_ACTION = re.compile(r"^card:(rem|lead|mute|unmute):(\d{1,9})(?::([\d,]+|d))?$")
_CHAT_DEFAULT = "d"


def _view(card: Card, ctx: FieldContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = ctx._
    lines = [card_name(card, ctx.lang), "", field_line(LEAD_DAYS, values_of(card), ctx)]
    if card.lapsed:
        lines.append(_("🔕 Reminders are stopped for this card."))
    lines += ["", _("Pick when I should remind you. For other days use ✏️ Edit → Reminders.")]
    choices = [
        InlineKeyboardButton(label, callback_data=f"card:lead:{card.id}:{value}")
        for label, value in LEAD_DAYS.buttons(ctx)
    ]
    choices.append(InlineKeyboardButton(
        _("This chat's default"), callback_data=f"card:lead:{card.id}:{_CHAT_DEFAULT}"
    ))
    switch = (
        InlineKeyboardButton(_("🔔 Resume reminders"), callback_data=f"card:unmute:{card.id}")
        if card.lapsed
        else InlineKeyboardButton(_("🔕 Stop reminding"), callback_data=f"card:mute:{card.id}")
    )
    keyboard = [*rows(choices, 3), [switch], back_to_card(card.id, _)]  # type: ignore[arg-type]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def _change(action: str, value: str | None, ctx: FieldContext) -> dict[str, object]:
    """The card columns a button changes; FieldError for forged lead days."""
    if action == "lead":
        days = None if value == _CHAT_DEFAULT else LEAD_DAYS.pick(value or "", ctx)["lead_days"]
        return {"lead_days": days}
    if action in ("mute", "unmute"):
        return {"lapsed": action == "mute", "snoozed_until": None}
    return {}


async def reminders_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    match = _ACTION.fullmatch(query.data or "") if query else None
    if match is None:
        return
    action, card_id, value = match.group(1), int(match.group(2)), match.group(3)
    scope = await chat_scope(update, context)
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return
    ctx = field_context(scope, context)
    try:
        change = _change(action, value, ctx)
    except FieldError as error:
        await tell(update, error.text(_))
        return
    async with context.db.session() as session:
        repo = CardRepository(session)
        card = await repo.get(scope.chat.id, card_id)
        if card is not None and change:
            await repo.update(card, **change)
            # Resuming must not replay the moments that passed while reminders were off.
            await refresh_card(session, card, scope.chat, context.settings,
                               context.services.now(), keep_pending=action != "unmute")
    if card is None:
        await tell(update, not_found(_))
        return
    text, keyboard = _view(card, ctx)
    notes = {"lead": _("✓ Saved."), "mute": _("🔕 I won't remind you about this card."),
             "unmute": _("🔔 Reminders are back on.")}
    await show(update, f"{notes[action]}\n\n{text}" if action in notes else text, keyboard)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(reminders_button, pattern=_ACTION)]
