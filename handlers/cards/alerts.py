"""A card's Reminders button: when to be reminded (lead days) and stopping or resuming."""

from __future__ import annotations

import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.domain.errors import CardNotFound
from bot.runtime.chatscope import chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import admins_only, field_context, not_found, rows, show, tell
from handlers.cards.fields import LEAD_DAYS, FieldContext, FieldError, field_line, values_of
from handlers.cards.view import back_to_card, card_name
from storage.models import Card, Chat

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


def _lead_days(value: str | None, ctx: FieldContext) -> str | None:
    """The lead days a button picks (None: the chat's); FieldError for forged ones."""
    return None if value == _CHAT_DEFAULT else LEAD_DAYS.pick(value or "", ctx)["lead_days"]


async def _apply(
    context: BotContext, chat: Chat, card_id: int, action: str, value: str | None,
    ctx: FieldContext,
) -> Card | None:
    """Make the button's change (the "rem" button only shows the card); None: no such card."""
    cards = context.services.cards
    try:
        if action == "lead":
            return await cards.set_lead_days(chat, card_id, _lead_days(value, ctx))
        if action == "mute":
            return await cards.stop_reminders(chat, card_id)
        if action == "unmute":
            return await cards.resume_reminders(chat, card_id)
    except CardNotFound:
        return None
    assert chat.id is not None
    return await cards.get(chat.id, card_id)


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
        card = await _apply(context, scope.chat, card_id, action, value, ctx)
    except FieldError as error:
        await tell(update, error.text(_))
        return
    if card is None:
        await tell(update, not_found(_))
        return
    text, keyboard = _view(card, ctx)
    notes = {"lead": _("✓ Saved."), "mute": _("🔕 I won't remind you about this card."),
             "unmute": _("🔔 Reminders are back on.")}
    await show(update, f"{notes[action]}\n\n{text}" if action in notes else text, keyboard)


def handlers() -> list[BaseHandler]:  # type: ignore[type-arg]
    return [CallbackQueryHandler(reminders_button, pattern=_ACTION)]
