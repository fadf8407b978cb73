"""Every card read and write of the Mini App, through the code the chat handlers use: the field
registry parses and shows (handlers/cards/fields.py), the domain's CardService applies every
rule and writes (bot/domain/cards.py), and bot.domain.dates proposes the next expiry. The page
sends each field as the text a user would type in chat, so it gets the same parsing and the
same (translated) messages."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from bot.charts import render_png
from bot.domain.cards import CardService
from bot.domain.carriers import carrier_name
from bot.domain.dates import format_date, next_expiry
from bot.domain.errors import CardLimitReached, CardNotFound
from bot.domain.parsing import format_lead_days, format_money
from bot.domain.preferences import ChatPolicy, split_days
from bot.i18n import N_
from bot.reminders.moments import reminder_moments
from bot.runtime.chatscope import ChatScope
from bot.settings import Settings
from handlers.cards.common import context_for
from handlers.cards.fields import (
    CARRIER,
    CYCLE,
    EXPIRY,
    FIELDS,
    PLAN,
    PRICE,
    CardField,
    FieldContext,
    FieldError,
    UnsureAnswer,
    Values,
    columns_of,
    parse_money,
    values_of,
)
from handlers.cards.form import refusal
from handlers.cards.renew import MAX_NOTE, channel_named
from handlers.cards.view import (
    card_name,
    days_left,
    money_list,
    paid_totals,
    renewal_line,
    status_of,
    status_text,
)
from handlers.stats import chat_chart, nothing_to_chart, summary
from storage.models import Card, Chat, Cycle

MAX_TEXT = 4096  # a Telegram message's length
# What a card in the list shows besides its name and status (the rest is in the edit form).
_LISTED = (EXPIRY, PLAN, PRICE, CYCLE)
_CHOSEN = frozenset({"kind", "cycle", "renew_from"})  # <select>s: their values are button values


@dataclass
class Problem(Exception):
    """Input the chat would also refuse: messages per field (already translated), a guessed
    date for the expiry to confirm, or a question to confirm first (a past expiry)."""

    errors: dict[str, str] = field(default_factory=dict)
    guess: str | None = None
    confirm: str | None = None


class NotFound(Exception):
    """Not one of this chat's cards (the API answers 404)."""


def card_json(card: Card, ctx: FieldContext) -> dict[str, Any]:
    """A card in the list: what /cards shows of it, and its renewal proposal."""
    values = values_of(card)
    shown = {f.key: f.show(values, ctx) for f in _LISTED}
    renew_to = (
        None if card.cycle == Cycle.NONE
        else next_expiry(card.expires_on, card.cycle, card.cycle_days, card.renew_from, ctx.today)
    )
    return {
        "id": card.id,
        "label": card.label,
        "name_html": card_name(card, ctx.lang),
        "carrier": card.carrier,
        "carrier_name": carrier_name(card.carrier, ctx.lang),
        "expires_on": card.expires_on.isoformat(),
        "days_left": days_left(card, ctx.today),
        "status": status_of(card, ctx.today),
        "status_text": status_text(card, ctx.today, ctx._),
        "shown": {key: value for key, value in shown.items() if value is not None},
        "renew_to": renew_to.isoformat() if renew_to else None,
        "renew_to_text": format_date(renew_to, ctx.lang) if renew_to else None,
    }


def form_of(card: Card, ctx: FieldContext) -> dict[str, str]:
    """The card as the texts that, typed back, give the same card (the edit form)."""
    return {
        "label": card.label,
        "carrier": carrier_name(card.carrier, ctx.lang) or "",
        "kind": card.kind,
        "number": card.number_tail or "",
        "plan": card.plan or "",
        "price": format_money(card.price, card.currency) if card.price and card.currency else "",
        "expiry": card.expires_on.isoformat(),
        "cycle": card.cycle,
        "cycle_days": str(card.cycle_days or ""),
        "renew_from": card.renew_from,
        "lead_days": format_lead_days(split_days(card.lead_days)) if card.lead_days else "",
    }


def _read(f: CardField, text: str, ctx: FieldContext) -> Values:
    if f is CARRIER and CARRIER.choose is not None and text in {c for _, c in f.buttons(ctx)}:
        return CARRIER.choose(text, ctx)
    return f.pick(text, ctx) if f.key in _CHOSEN else f.parse(text, ctx)


def _too_long(text: str, ctx: FieldContext) -> str:
    """More than a Telegram message could carry, so more than any answer typed in chat."""
    return FieldError(
        N_("That is {length} characters long; please keep it to {max}."),
        length=len(text), max=MAX_TEXT,
    ).text(ctx._)


def read_form(form: dict[str, Any], ctx: FieldContext, *, past_ok: bool) -> Values:
    """A complete card from the page's texts, field by field in the order /addcard asks them;
    Problem names every field that the chat would refuse, and nothing is kept."""
    values: Values = {}
    problem = Problem()
    for f in FIELDS:
        if not f.applies(values):  # as in /addcard: never asked, so its default is kept
            continue
        text = str(form.get(f.key) or "").strip()
        if len(text) > MAX_TEXT:
            problem.errors[f.key] = _too_long(text, ctx)
            continue
        if not text:
            if f.optional:
                values |= f.cleared()
            else:
                problem.errors[f.key] = f.prompt_text(ctx)
            continue
        try:
            values |= _read(f, text, ctx)
        except UnsureAnswer as unsure:
            problem.errors[f.key] = unsure.text(ctx._)
            problem.guess = unsure.day.isoformat()
        except FieldError as error:
            problem.errors[f.key] = error.text(ctx._)
    if problem.errors:
        raise problem
    if not past_ok and (question := EXPIRY.confirm(values, ctx)) is not None:
        raise Problem(confirm=question)
    return values


def _renewal_details(form: dict[str, Any], card: Card, ctx: FieldContext) -> dict[str, Any]:
    """Amount, channel and note of a renewal, read as /renewed reads them."""
    texts = {key: str(form.get(key) or "").strip() for key in ("amount", "channel", "note")}
    details: dict[str, Any] = {}
    problem = Problem()
    if len(texts["amount"]) > MAX_TEXT:
        problem.errors["amount"] = _too_long(texts["amount"], ctx)
    elif texts["amount"]:
        try:
            details["amount"], details["currency"] = parse_money(
                texts["amount"], card.currency or ctx.currency
            )
        except FieldError as error:
            problem.errors["amount"] = error.text(ctx._)
    if texts["channel"]:
        details["channel"] = channel_named(texts["channel"], ctx._)
        if details["channel"] is None:
            problem.errors["channel"] = ctx._("Please pick one of the buttons.")
    if len(texts["note"]) > MAX_NOTE:
        problem.errors["note"] = FieldError(
            N_("That is {length} characters long; please keep it to {max}."),
            length=len(texts["note"]), max=MAX_NOTE,
        ).text(ctx._)
    elif texts["note"]:
        details["note"] = texts["note"]
    if problem.errors:
        raise problem
    return details


@dataclass(frozen=True)
class CardBook:
    """One chat's cards as the app sees them, in the chat's language."""

    cards: CardService
    settings: Settings
    chat: Chat
    lang: str
    now: datetime

    @property
    def ctx(self) -> FieldContext:
        return context_for(self.chat, self.lang, self.settings, self.now)

    async def listing(self) -> list[dict[str, Any]]:
        ctx = self.ctx
        return [card_json(card, ctx) for card in await self.cards.in_chat(self.chat.id)]

    async def get(self, card_id: int) -> dict[str, Any]:
        """One card with its edit form, and /delcard's question."""
        ctx = self.ctx
        card, renewals = await self.cards.with_history(self.chat.id, card_id)
        if card is None:
            raise NotFound
        question = ctx._(
            "Delete {card}? Its renewal history ({count} recorded) and its reminders go too. "
            "This cannot be undone."
        ).format(card=card_name(card, ctx.lang), count=len(renewals))
        return card_json(card, ctx) | {"form": form_of(card, ctx), "delete_question": question}

    async def delete(self, card_id: int) -> str:
        """Delete one of the chat's cards with its history and reminders, as /delcard."""
        try:
            card = await self.cards.delete(self.chat.id, card_id)
        except CardNotFound:
            raise NotFound from None
        return self.ctx._("🗑 Deleted {card}.").format(card=card_name(card, self.lang))

    async def calendar(self, month: date) -> dict[str, list[int]]:
        """The month's days with the cards that expire on them ("e:<day>") and that are
        reminded on them ("r:<day>"), by the reminder engine's own moments."""
        policy = ChatPolicy.of(self.chat, self.settings)
        first = month.replace(day=1)
        after = (first + timedelta(days=32)).replace(day=1)
        days: dict[str, list[int]] = {}
        for card in await self.cards.in_chat(self.chat.id):
            assert card.id is not None
            if first <= card.expires_on < after:
                days.setdefault(f"e:{card.expires_on.isoformat()}", []).append(card.id)
            if card.lapsed or not policy.enabled:
                continue
            for moment in reminder_moments(card.expires_on, policy.leads_for(card),
                                           policy.remind_at, policy.zone, policy.overdue_days):
                day = moment.at.astimezone(policy.zone).date()
                if first <= day < after:
                    days.setdefault(f"r:{day.isoformat()}", []).append(card.id)
        return days

    async def stats(self) -> dict[str, str | None]:
        """/stats' chart (a PNG as a data: URL) and its summary."""
        ctx = self.ctx
        data, cards = await chat_chart(self.cards, self.chat, self.settings, self.now)
        if data.empty:
            return {"image": None, "summary": nothing_to_chart(ctx._)}
        png = await asyncio.to_thread(render_png, data, self.lang)
        return {
            "image": "data:image/png;base64," + base64.b64encode(png).decode(),
            "summary": summary(data, cards, ChatScope(self.chat, self.lang, ctx._)),
        }

    async def history(self, card_id: int) -> dict[str, Any]:
        """A card's renewals, newest first, as /history lists them, and what they cost."""
        ctx = self.ctx
        zone = ChatPolicy.of(self.chat, self.settings).zone
        card, renewals = await self.cards.with_history(self.chat.id, card_id)
        if card is None:
            raise NotFound
        totals = paid_totals(renewals)
        return {
            "name_html": card_name(card, ctx.lang),
            "lines": [renewal_line(r, r.renewed_at.astimezone(zone).date(), ctx)
                      for r in renewals],
            "empty": ctx._("No renewals recorded yet. Press ✅ Renewed when you renew it."),
            "total": ctx._("Paid in total: {amount}").format(amount=money_list(totals))
            if totals else None,
        }

    async def save(
        self, form: dict[str, Any], user_id: int, card_id: int | None = None
    ) -> dict[str, Any]:
        ctx = self.ctx
        columns = columns_of(read_form(form, ctx, past_ok=form.get("confirm_past") is True))
        try:
            if card_id is None:
                card = await self.cards.create(self.chat, created_by=user_id, thread_id=None,
                                               columns=columns)
            else:
                card = await self.cards.edit(self.chat, card_id, columns)
        except CardLimitReached as error:
            scope = ChatScope(self.chat, self.lang, ctx._)
            raise Problem(errors={"label": refusal(error, scope)}) from None
        except CardNotFound:
            raise NotFound from None
        return card_json(card, ctx) | {"form": form_of(card, ctx)}

    async def renew(self, card_id: int, form: dict[str, Any], user_id: int) -> dict[str, Any]:
        """Renew to the typed date, or (nothing typed) to the cycle's next expiry, with what
        the renewal cost, how it was paid and a note, as /renewed asks them."""
        ctx = self.ctx
        card = await self.cards.get(self.chat.id, card_id)
        if card is None:
            raise NotFound
        problem, details, day = Problem(), {}, None
        try:  # every answer is checked (and every mistake named) before anything is saved
            details = _renewal_details(form, card, ctx)
        except Problem as wrong:
            problem.errors |= wrong.errors
        try:
            day = self._renewal_day(card, str(form.get("date") or "").strip(), ctx,
                                    past_ok=form.get("confirm_past") is True)
        except Problem as wrong:
            if wrong.confirm is not None and not problem.errors:
                raise
            problem.errors |= wrong.errors
            problem.guess = wrong.guess
        if problem.errors or day is None:
            raise problem
        try:
            renewed, _renewal = await self.cards.renew(self.chat, card_id, day,
                                                       renewed_by=user_id, **details)
        except CardNotFound:
            raise NotFound from None
        return card_json(renewed, ctx)

    def _renewal_day(self, card: Card, typed: str, ctx: FieldContext, past_ok: bool) -> date:
        if len(typed) > MAX_TEXT:
            raise Problem(errors={"date": _too_long(typed, ctx)})
        if not typed:
            if card.cycle == Cycle.NONE:
                raise Problem(errors={"date": ctx._(
                    "It has no fixed cycle: when does it expire now? Type a date or pick one."
                )})
            return next_expiry(card.expires_on, card.cycle, card.cycle_days, card.renew_from,
                               ctx.today)
        try:
            values = EXPIRY.parse(typed, ctx)
        except UnsureAnswer as unsure:
            raise Problem(
                errors={"date": unsure.text(ctx._)}, guess=unsure.day.isoformat()
            ) from None
        except FieldError as error:
            raise Problem(errors={"date": error.text(ctx._)}) from None
        if not past_ok and (question := EXPIRY.confirm(values, ctx)) is not None:
            raise Problem(confirm=question)
        return date.fromisoformat(values["expires_on"])
