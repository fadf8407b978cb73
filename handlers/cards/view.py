"""How a saved card looks: its status, one line in a list, the full card view and its buttons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    CardHistory,
    CardReminders,
    CardsPage,
    DeleteCard,
    EditCard,
    RenewedCard,
    ViewCard,
)
from bot.domain.carriers import carrier_name
from bot.domain.dates import format_date
from bot.domain.parsing import format_money
from bot.i18n import N_, Translator
from handlers.cards.fields import FieldContext, describe, labelled, show_date, values_of
from storage.models import Card, Channel, Cycle, Renewal

# Days in an average month, to turn any cycle's price into a monthly cost.
_MONTH_DAYS = Decimal(365) / 12
_PER_MONTH = {Cycle.MONTHLY: Decimal(1), Cycle.QUARTERLY: Decimal(1) / 3,
              Cycle.YEARLY: Decimal(1) / 12}

NOTE_SHOWN = 100  # characters of a renewal's note in lists

CHANNEL_NAMES = {
    Channel.APP: N_("App"),
    Channel.WEBSITE: N_("Website"),
    Channel.ALIPAY: N_("Alipay"),
    Channel.WECHAT: N_("WeChat Pay"),
    Channel.GCASH: N_("GCash"),
    Channel.MAYA: N_("Maya"),
    Channel.STORE: N_("Store"),
    Channel.MERCHANT: N_("Merchant"),
    Channel.OTHER: N_("Other"),
}


def days_left(card: Card, today: date) -> int:
    return (card.expires_on - today).days


class Status(StrEnum):
    """How urgent a card is: the colours of /cards and of the Mini App."""

    EXPIRED = "expired"
    SOON = "soon"  # due within 3 days
    WEEK = "week"  # within 7
    FINE = "fine"


_ICONS = {Status.EXPIRED: "🔴", Status.SOON: "🟠", Status.WEEK: "🟡", Status.FINE: "🟢"}
_WORDS = {Status.EXPIRED: N_("expired"), Status.SOON: N_("due within 3 days"),
          Status.WEEK: N_("due within a week"), Status.FINE: N_("fine")}


def status_of(card: Card, today: date) -> Status:
    days = days_left(card, today)
    if days < 0:
        return Status.EXPIRED
    if days <= 3:
        return Status.SOON
    return Status.WEEK if days <= 7 else Status.FINE


def status_icon(card: Card, today: date) -> str:
    """🔴 expired, 🟠 due within 3 days, 🟡 within 7, 🟢 fine; 🔕 when reminders are stopped."""
    return _ICONS[status_of(card, today)] + ("🔕" if card.lapsed else "")


def status_text(card: Card, today: date, _: Translator) -> str:
    return f"{status_icon(card, today)} {_(_WORDS[status_of(card, today)])}"


def card_name(card: Card, lang: str) -> str:
    """<b>label</b> · carrier ···1234, escaped."""
    name = f"<b>{escape(card.label)}</b>"
    carrier = carrier_name(card.carrier, lang)
    if carrier and carrier != card.label:  # a card named after its carrier says it once
        name += f" · {escape(carrier)}"
    if card.number_tail:
        name += f" ···{escape(card.number_tail)}"
    return name


def card_line(card: Card, ctx: FieldContext) -> str:
    """One card in /cards: "🟢 #3 <b>Work SIM</b> · China Mobile — 2026-12-31 (in 9 days)",
    with the card's number in its chat."""
    return (
        f"{status_icon(card, ctx.today)} #{card.number} {card_name(card, ctx.lang)}"
        f" — {escape(show_date(card.expires_on, ctx))}"
    )


def card_text(card: Card, ctx: FieldContext) -> str:
    _ = ctx._
    status = _("Status")
    lines = [f"{card_name(card, ctx.lang)}  #{card.number}",
             labelled(status, status_text(card, ctx.today, _), _, bold=True)]
    lines += describe(values_of(card), ctx)
    if card.lapsed:
        lines.append(_("🔕 Reminders are stopped for this card."))
    return "\n".join(lines)


def card_keyboard(
    card_id: int, _: Translator, extra: Sequence[list[InlineKeyboardButton]] = ()
) -> InlineKeyboardMarkup:
    """The card view's buttons, then `extra` rows (the Mini App's, when it is configured)."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Renewed"), callback_data=RenewedCard(card_id).pack()),
                InlineKeyboardButton(_("✏️ Edit"), callback_data=EditCard(card_id).pack()),
            ],
            [
                InlineKeyboardButton(_("📜 History"), callback_data=CardHistory(card_id).pack()),
                InlineKeyboardButton(
                    _("🔔 Reminders"), callback_data=CardReminders(card_id).pack()
                ),
            ],
            [
                InlineKeyboardButton(_("🗑 Delete"), callback_data=DeleteCard(card_id).pack()),
                InlineKeyboardButton(_("🗂 All cards"), callback_data=CardsPage(1).pack()),
            ],
            *extra,
        ]
    )


def back_to_card(card_id: int, _: Translator) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(_("« Back to the card"), callback_data=ViewCard(card_id).pack())]


def monthly_costs(cards: Iterable[Card]) -> dict[str, int]:
    """What the cards cost per month, in minor units per currency (cards without a price or a
    cycle are left out)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for card in cards:
        if card.price is None or card.currency is None:
            continue
        if card.cycle in _PER_MONTH:
            totals[card.currency] += card.price * _PER_MONTH[Cycle(card.cycle)]
        elif card.cycle == Cycle.DAYS and card.cycle_days:
            totals[card.currency] += card.price * _MONTH_DAYS / card.cycle_days
    return {
        currency: int(total.quantize(Decimal(1), ROUND_HALF_UP))
        for currency, total in totals.items()
    }


def paid_totals(renewals: Iterable[Renewal]) -> dict[str, int]:
    """What the renewals cost together, in minor units per currency."""
    totals: dict[str, int] = defaultdict(int)
    for renewal in renewals:
        if renewal.amount is not None and renewal.currency:
            totals[renewal.currency] += renewal.amount
    return dict(totals)


def money_list(totals: dict[str, int]) -> str:
    return " + ".join(
        format_money(amount, currency) for currency, amount in sorted(totals.items())
    )


def renewal_line(renewal: Renewal, renewed_on: date, ctx: FieldContext) -> str:
    """"2026-03-10: 2026-01-31 → 2026-02-28 · ¥30.00 · Alipay · 🧾" and the note, escaped."""
    lang = ctx.lang
    parts = [
        labelled(format_date(renewed_on, lang), f"{format_date(renewal.old_expires_on, lang)} → "
                 f"{format_date(renewal.new_expires_on, lang)}", ctx._)
    ]
    if renewal.amount is not None and renewal.currency:
        parts.append(format_money(renewal.amount, renewal.currency))
    if renewal.channel in set(Channel):
        parts.append(ctx._(CHANNEL_NAMES[Channel(renewal.channel)]))
    if renewal.receipt_file_id:
        parts.append("🧾")
    line = " · ".join(parts)
    if renewal.note:  # shortened: a history page must stay within one Telegram message
        note = renewal.note if len(renewal.note) <= NOTE_SHOWN else renewal.note[:NOTE_SHOWN] + "…"
        line += f"\n   <i>{escape(note)}</i>"
    return line
