"""What a reminder says and which buttons it carries."""

from __future__ import annotations

from datetime import date
from html import escape

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import ReminderButton, RenewedCard
from bot.domain.carriers import carrier_name
from bot.domain.dates import format_date
from bot.i18n import translator
from storage.models import Card


def reminder_text(card: Card, days_left: int, lang: str) -> str:
    _ = translator(lang)
    when = format_date(card.expires_on, lang)
    if days_left > 1:
        status = _("expires in {days} days, on {date}.").format(days=days_left, date=when)
    elif days_left == 1:
        status = _("expires tomorrow, {date}.").format(date=when)
    elif days_left == 0:
        status = _("expires today, {date}.").format(date=when)
    elif days_left == -1:
        status = _("expired yesterday, {date}.").format(date=when)
    else:
        status = _("expired {days} days ago, on {date}.").format(days=-days_left, date=when)
    name = f"<b>{escape(card.label)}</b>"
    carrier = carrier_name(card.carrier, lang)
    if carrier and carrier.casefold() not in card.label.casefold():  # not "Globe (Globe)"
        name += f" ({escape(carrier)})"
    if card.number_tail:
        name += f" ···{escape(card.number_tail)}"
    icon = "⏰" if days_left >= 0 else "⚠️"
    return f"{icon} {name} {status}"


def reminder_keyboard(card_id: int, lang: str) -> InlineKeyboardMarkup:
    _ = translator(lang)
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Renewed"), callback_data=RenewedCard(card_id).pack()),
                InlineKeyboardButton(
                    _("😴 Snooze"), callback_data=ReminderButton("snooze", card_id).pack()
                ),
            ],
            [
                InlineKeyboardButton(
                    _("📖 How to renew"), callback_data=ReminderButton("guide", card_id).pack()
                ),
                InlineKeyboardButton(
                    _("🔕 Stop reminding"), callback_data=ReminderButton("stop", card_id).pack()
                ),
            ],
        ]
    )


def offset_for(expires_on: date, local_day: date) -> int:
    """The delivery offset of a reminder sent on local_day (negative before expiry)."""
    return (local_day - expires_on).days
