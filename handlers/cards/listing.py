"""/cards (the chat's cards by expiry, with status and monthly cost, 10 a page) and /card N
(one card with its buttons)."""

from __future__ import annotations

from math import ceil

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatType
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from bot.callbacks import CardsPage, MenuButton, ViewCard, any_of
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.services import BotContext
from handlers.cards.common import (
    card_id_arg,
    field_context,
    may_see,
    not_found,
    parse_id,
    rows,
    show,
    tell,
)
from handlers.cards.picker import pick_card
from handlers.cards.view import (
    card_keyboard,
    card_line,
    card_text,
    money_list,
    monthly_costs,
    status_icon,
)
from handlers.webapp import app_row

PAGE_SIZE = 10


def _add_button(scope: ChatScope) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        scope._("➕ Add a card"), callback_data=MenuButton("addcard").pack()
    )


async def cards_page(
    update: Update, context: BotContext, page: int = 1, empty: str | None = None
) -> None:
    """A page of the chat's cards; `empty` is said instead when it has none."""
    scope = await chat_scope(update, context)
    _ = scope._
    if not await may_see(update, context, scope):
        return
    # A chat holds at most MAX_CARDS_PER_CHAT cards: load them all for the cost total.
    cards = await context.services.cards.in_chat(scope.chat.id)
    if not cards:
        await show(
            update,
            empty or _("There are no cards here yet. Add one with /addcard."),
            InlineKeyboardMarkup([[_add_button(scope)]]),
        )
        return
    ctx = field_context(scope, context)
    pages = ceil(len(cards) / PAGE_SIZE)
    page = min(max(page, 1), pages)
    shown = cards[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    title = _("Your cards") if scope.chat.type == ChatType.PRIVATE else _("This group's cards")
    header = _("<b>{title}</b> ({count})").format(title=title, count=len(cards))
    if pages > 1:
        header += " · " + _("page {page} of {pages}").format(page=page, pages=pages)
    lines = [header, "", *(card_line(card, ctx) for card in shown)]
    costs = monthly_costs(cards)
    if costs:
        lines += ["", _("Monthly cost: about {amount}").format(amount=money_list(costs))]
    lines += ["", _("🔴 expired · 🟠 within 3 days · 🟡 within 7 days · 🟢 fine")]
    buttons = [
        InlineKeyboardButton(
            f"{status_icon(card, ctx.today)} {card.label}",
            callback_data=ViewCard(card.id).pack(),
        )
        for card in shown
        if card.id is not None
    ]
    keyboard = rows(buttons)
    nav = []
    if page > 1:
        nav.append(InlineKeyboardButton("◀", callback_data=CardsPage(page - 1).pack()))
    if page < pages:
        nav.append(InlineKeyboardButton("▶", callback_data=CardsPage(page + 1).pack()))
    keyboard += [nav] if nav else []
    keyboard.append([_add_button(scope)])
    keyboard += app_row(context, scope.chat.id, scope.chat.type, _)
    await show(update, "\n".join(lines), InlineKeyboardMarkup(keyboard))


async def cards_command(update: Update, context: BotContext) -> None:
    page = parse_id(context.args[0]) if context.args else None
    await cards_page(update, context, page or 1)


async def page_button(update: Update, context: BotContext) -> None:
    button = CardsPage.from_update(update)
    await cards_page(update, context, button.page if button else 1)


async def show_card(
    update: Update, context: BotContext, scope: ChatScope, card_id: int, lead: str = ""
) -> None:
    """The card view, if the card belongs to this chat; "not found" otherwise."""
    if not await may_see(update, context, scope):
        return
    card = await context.services.cards.get(scope.chat.id, card_id)
    if card is None:
        await tell(update, not_found(scope._))
        return
    text = card_text(card, field_context(scope, context))
    keyboard = card_keyboard(card_id, scope._, app_row(context, scope.chat.id, scope.chat.type,
                                                        scope._))
    await show(update, f"{lead}\n\n{text}" if lead else text, keyboard)


async def card_command(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    card_id = await card_id_arg(context, scope)
    if card_id is None:
        await pick_card(update, context, scope, "card")
        return
    await show_card(update, context, scope, card_id)


async def view_button(update: Update, context: BotContext) -> None:
    scope = await chat_scope(update, context)
    button = ViewCard.from_update(update)
    if button is not None:
        await show_card(update, context, scope, button.card_id)


def handlers() -> list[BaseHandler]:
    return [
        CommandHandler("cards", cards_command),
        CommandHandler("card", card_command),
        CallbackQueryHandler(
            page_button, pattern=any_of(CardsPage.pattern, MenuButton.matching(item="cards"))
        ),
        CallbackQueryHandler(view_button, pattern=ViewCard.pattern),
    ]
