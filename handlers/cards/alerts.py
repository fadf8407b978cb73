"""A card's Reminders button: when to be reminded (lead days) and stopping or resuming."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot.callbacks import CardLeadDays, CardReminders, MuteCard, UnmuteCard, any_of
from bot.domain.errors import CardNotFound
from bot.domain.preferences import join_days, split_days
from bot.runtime.chatscope import chat_scope
from bot.runtime.permissions import may_configure
from bot.runtime.services import BotContext
from handlers.cards.common import admins_only, field_context, not_found, rows, show, tell
from handlers.cards.fields import LEAD_DAYS, FieldContext, FieldError, field_line, values_of
from handlers.cards.view import back_to_card, card_name
from storage.models import Card, Chat

AlertButton = CardReminders | CardLeadDays | MuteCard | UnmuteCard


def _view(card: Card, ctx: FieldContext) -> tuple[str, InlineKeyboardMarkup]:
    _ = ctx._
    lines = [card_name(card, ctx.lang), "", field_line(LEAD_DAYS, values_of(card), ctx)]
    if card.lapsed:
        lines.append(_("🔕 Reminders are stopped for this card."))
    lines += ["", _("Pick when I should remind you. For other days use ✏️ Edit → Reminders.")]
    assert card.id is not None
    choices = [
        InlineKeyboardButton(label, callback_data=CardLeadDays(card.id, split_days(value)).pack())
        for label, value in LEAD_DAYS.buttons(ctx)
    ]
    choices.append(InlineKeyboardButton(
        _("This chat's default"), callback_data=CardLeadDays(card.id, None).pack()
    ))
    switch = (
        InlineKeyboardButton(_("🔔 Resume reminders"), callback_data=UnmuteCard(card.id).pack())
        if card.lapsed
        else InlineKeyboardButton(_("🔕 Stop reminding"), callback_data=MuteCard(card.id).pack())
    )
    keyboard = [*rows(choices, 3), [switch], back_to_card(card.id, _)]
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def _lead_days(button: CardLeadDays, ctx: FieldContext) -> str | None:
    """The lead days a button picks (None: the chat's); FieldError for forged ones."""
    if button.days is None:
        return None
    return LEAD_DAYS.pick(join_days(button.days), ctx)["lead_days"]


async def _apply(
    context: BotContext, chat: Chat, button: AlertButton, ctx: FieldContext
) -> Card | None:
    """Make the button's change (the Reminders button only shows the card); None: no such
    card."""
    cards = context.services.cards
    try:
        if isinstance(button, CardLeadDays):
            return await cards.set_lead_days(chat, button.card_id, _lead_days(button, ctx))
        if isinstance(button, MuteCard):
            return await cards.stop_reminders(chat, button.card_id)
        if isinstance(button, UnmuteCard):
            return await cards.resume_reminders(chat, button.card_id)
    except CardNotFound:
        return None
    assert chat.id is not None
    return await cards.get(chat.id, button.card_id)


async def reminders_button(update: Update, context: BotContext) -> None:
    button = (CardReminders.from_update(update) or CardLeadDays.from_update(update)
              or MuteCard.from_update(update) or UnmuteCard.from_update(update))
    if button is None:
        return
    scope = await chat_scope(update, context)
    _ = scope._
    if not await may_configure(update, context):
        await tell(update, admins_only(_))
        return
    ctx = field_context(scope, context)
    try:
        card = await _apply(context, scope.chat, button, ctx)
    except FieldError as error:
        await tell(update, error.text(_))
        return
    if card is None:
        await tell(update, not_found(_))
        return
    text, keyboard = _view(card, ctx)
    notes = {CardLeadDays: _("✓ Saved."), MuteCard: _("🔕 I won't remind you about this card."),
             UnmuteCard: _("🔔 Reminders are back on.")}
    note = notes.get(type(button))
    await show(update, f"{note}\n\n{text}" if note else text, keyboard)


def handlers() -> list[BaseHandler]:
    buttons = any_of(CardReminders.pattern, CardLeadDays.pattern, MuteCard.pattern,
                     UnmuteCard.pattern)
    return [CallbackQueryHandler(reminders_button, pattern=buttons)]
