"""/stats: a chart of the coming expiries and of the spend per month, with a short summary."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time
from html import escape

from telegram import Update
from telegram.constants import ChatAction
from telegram.ext import BaseHandler, CommandHandler

from bot.charts import EXPIRY_DAYS, SPEND_MONTHS, ChartData, chart_data, render_png, spend_window
from bot.domain.cards import CardService
from bot.domain.carriers import carrier_name
from bot.domain.dates import format_date
from bot.domain.parsing import format_money
from bot.domain.preferences import ChatPolicy
from bot.i18n import Translator
from bot.runtime.chatscope import ChatScope, chat_scope
from bot.runtime.services import BotContext
from bot.settings import Settings
from handlers.cards.common import may_see
from storage.models import Card, Chat


def summary(data: ChartData, cards: list[Card], scope: ChatScope) -> str:
    _ = scope._
    lines = ["📊 <b>" + _("Statistics") + "</b>"]
    if data.expiries:
        first = next(c for c in cards if c.expires_on == data.expiries[0] and not c.lapsed)
        lines.append(
            _.ngettext("Next {days} days: {count} card expires, “{label}” on {date}.",
                       "Next {days} days: {count} cards expire, first “{label}” on {date}.",
                       len(data.expiries)).format(
                days=EXPIRY_DAYS, count=len(data.expiries), label=escape(first.label),
                date=format_date(first.expires_on, scope.lang),
            )
        )
    else:
        lines.append(_("No card expires in the next {days} days.").format(days=EXPIRY_DAYS))
    if data.spend and data.currency:
        carrier, amounts = max(data.spend.items(), key=lambda item: sum(item[1]))
        name = carrier_name(carrier, scope.lang) if carrier else _("No carrier")
        lines.append(
            _.ngettext("Last {months} months: {total} on {count} renewal, for {carrier} "
                       "({amount}).",
                       "Last {months} months: {total} on {count} renewals, most for {carrier} "
                       "({amount}).", data.renewals).format(
                months=SPEND_MONTHS, total=format_money(data.total(), data.currency),
                count=data.renewals, carrier=escape(name or ""),
                amount=format_money(sum(amounts), data.currency),
            )
        )
    else:
        lines.append(_("No renewals with a price in the last {months} months.").format(
            months=SPEND_MONTHS
        ))
    if data.other_currencies:
        others = ", ".join(format_money(amount, currency)
                           for currency, amount in sorted(data.other_currencies.items()))
        lines.append(_("Also spent (not in the chart): {amounts}.").format(amounts=others))
    return "\n".join(lines)


async def chat_chart(
    cards: CardService, chat: Chat, settings: Settings, now: datetime
) -> tuple[ChartData, list[Card]]:
    """What /stats (and the Mini App) chart for a chat, and its cards."""
    policy = ChatPolicy.of(chat, settings)
    today = now.astimezone(policy.zone).date()
    since = datetime.combine(date(*spend_window(today), 1), time(), policy.zone)
    in_chat, renewals = await cards.with_renewals(chat.id, since=since)
    return chart_data(in_chat, renewals, today, policy.zone), in_chat


def nothing_to_chart(_: Translator) -> str:
    return _("Nothing to chart yet: no card expires in the next {days} days and no renewal "
             "with a price was recorded in the last {months} months. Add cards with /addcard "
             "and press ✅ Renewed when you top one up.").format(
        days=EXPIRY_DAYS, months=SPEND_MONTHS
    )


async def stats_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if message is None:
        return
    scope = await chat_scope(update, context)
    if not await may_see(update, context, scope):
        return
    data, cards = await chat_chart(context.services.cards, scope.chat, context.settings,
                                   context.services.now())
    if data.empty:
        await message.reply_text(nothing_to_chart(scope._))
        return
    await message.reply_chat_action(ChatAction.UPLOAD_PHOTO)
    png = await asyncio.to_thread(render_png, data, scope.lang)
    await message.reply_photo(
        png, caption=summary(data, cards, scope), filename="renewbot-stats.png"
    )


def handlers() -> list[BaseHandler]:
    return [CommandHandler("stats", stats_command)]
